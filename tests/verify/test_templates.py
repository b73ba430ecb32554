"""The harnesses' C and assembly ship as package data and are filled explicitly: a missing
or an unused placeholder fails loudly (llmcc.verify.templates)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from llmcc.verify import templates

ROOT = Path(__file__).resolve().parents[2]
# each package that ships templates, and every one of them
SHIPPED = {"llmcc.verify": ("sandbox_filter.c", "sandbox_program.c"),
           "llmcc.verify.harness": ("prelude.c", "differential_main.c", "trampoline.s"),
           "llmcc.timing": ("timing_main.c",)}


def test_a_placeholder_without_a_value_fails():
    main = templates.load("llmcc.verify.harness", "differential_main.c")
    with pytest.raises(ValueError, match=r"differential_main\.c: no value for .*MEMORY_MB"):
        main.fill(TESTS=1, TIMEOUT=2, SLACK=20, SLOW_US=1, FLOOR_US=1)


def test_a_value_without_a_placeholder_fails():
    tramp = templates.load("llmcc.verify.harness", "trampoline.s")
    values = dict.fromkeys(tramp.placeholders, "")
    with pytest.raises(ValueError, match=r"no placeholder for \['GARBEL'\]"):
        tramp.fill(**values, GARBEL="")


def test_values_are_not_searched_for_placeholders():
    text = templates.Template("t", "a @X@ b @Y@", frozenset({"X", "Y"}))
    assert text.fill(X="@Y@", Y=1) == "a @Y@ b 1"


def test_templates_are_read_once():
    assert templates.load("llmcc.timing", "timing_main.c") is \
        templates.load("llmcc.timing", "timing_main.c")


@pytest.mark.parametrize("package", sorted(SHIPPED))
def test_every_template_ships_as_package_data(package):
    """Each template beside the code is one pyproject.toml's package data names, so a
    wheel (not only a checkout) has it."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"][package]
    folder = ROOT.joinpath(*package.split("."))
    beside = sorted(p.name for p in folder.iterdir() if p.suffix in (".c", ".s"))
    assert beside == sorted(SHIPPED[package])
    for name in beside:
        assert any(fnmatch.fnmatch(name, g) for g in globs), name
        assert templates.load(package, name).placeholders
