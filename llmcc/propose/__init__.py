"""Proposers: sources of candidate rewrites, chosen by name (setting ``proposers``), each
made from the settings, and what a decision key says of them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from llmcc.errors import ConfigError
from llmcc.propose.base import Proposer

if TYPE_CHECKING:
    from llmcc.config import Settings


def _variants(settings: Settings) -> Proposer:
    from llmcc.propose.variants import Variants

    return Variants()


def _model(settings: Settings) -> Proposer:
    from llmcc.propose.model import ModelProposer, ModelSettings

    return ModelProposer(ModelSettings.from_config(settings))


def _model_identity(settings: Settings) -> str:
    """``model``, with which model (``model[URL]``, the model name too when set, or the
    served GGUF's path, size and time) and ``+grammar`` when model_grammar is on."""
    url, model = settings.model_url.strip().rstrip("/"), settings.model_name.strip()
    which = (f"{model}@{url}" if model else url) if url else _served(settings.model_path)
    return "model" + (f"[{which}]" if which else "") + \
        ("+grammar" if settings.model_grammar else "")


def _served(path: str) -> str:
    path = path.strip()
    if not path:
        return ""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.abspath(path)
    return f"{os.path.abspath(path)}:{st.st_size}:{int(st.st_mtime)}"


class Registered(NamedTuple):
    # the proposer as the settings configure it; imports its module, so only when chosen
    # (the compile path stays light)
    make: Callable[[Settings], Proposer]
    # its name in decision keys, with what changes what it offers: decisions made one way
    # are not reused for another (a new model gets the functions offered again)
    identity: Callable[[Settings], str]


REGISTRY: dict[str, Registered] = {
    "variants": Registered(_variants, lambda settings: "variants"),  # gcc, other settings
    "model": Registered(_model, _model_identity),  # an OpenAI-compatible server (model_url)
}

# runs the whole pipeline with no proposer (the object stays gcc's own)
NONE = "none"


def _registered(name: str) -> Registered:
    entry = REGISTRY.get(name)
    if entry is None:
        known = ", ".join([NONE, *sorted(REGISTRY)])
        raise ConfigError(f"unknown proposer {name!r} (known: {known})")
    return entry


def load(settings: Settings) -> list[Proposer]:
    """The proposers the settings name, in their order, each made from the settings."""
    return [_registered(name).make(settings) for name in settings.proposers if name != NONE]


def proposer_ids(settings: Settings) -> tuple[str, ...]:
    """The configured proposers as a decision key names them (Registered.identity)."""
    return tuple(_registered(name).identity(settings) for name in settings.proposers
                 if name != NONE)


def decision_identity(settings: Settings) -> tuple[object, ...]:
    """What a decision key says of the proposers (cache.decisions.DecisionCache, given it
    from above): their ids and the version of the prompt a model is asked with; () with no
    proposer (nothing is decided then)."""
    ids = proposer_ids(settings)
    if not ids:
        return ()
    from llmcc.propose.prompt import PROMPT_VERSION

    return (ids, PROMPT_VERSION)


__all__ = ["NONE", "REGISTRY", "Proposer", "decision_identity", "load", "proposer_ids"]
