"""Proposers: sources of candidate rewrites, chosen by name (config ``proposers``)."""

from __future__ import annotations

from importlib import import_module

from llmcc.errors import ConfigError
from llmcc.propose.base import Proposer

# name -> "module:class"; imported only when chosen, so the compile path stays light

REGISTRY: dict[str, str] = {
    "variants": "llmcc.propose.variants:Variants",  # gcc under other settings; no model
    "model": "llmcc.propose.model:ModelProposer",  # an OpenAI-compatible server (model_url)
}

# runs the whole pipeline with no proposer (the object stays gcc's own)
NONE = "none"


def load(names: tuple[str, ...]) -> list[Proposer]:
    proposers: list[Proposer] = []
    for name in names:
        if name == NONE:
            continue
        target = REGISTRY.get(name)
        if target is None:
            known = ", ".join([NONE, *sorted(REGISTRY)])
            raise ConfigError(f"unknown proposer {name!r} (known: {known})")
        module, cls = target.split(":")
        proposers.append(getattr(import_module(module), cls)())
    return proposers


__all__ = ["NONE", "REGISTRY", "Proposer", "load"]
