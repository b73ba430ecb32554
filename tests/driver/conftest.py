"""Fixtures for the driver's differential tests (the harness lives in difftools.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite("difftools")

from difftools import GCC, LLMCC, PROJECT, Differential  # noqa: E402

from llmcc.config import find_config_file  # noqa: E402


@pytest.fixture
def diff(tmp_path: Path) -> Differential:
    if LLMCC is None or GCC is None:
        pytest.skip("needs the llmcc console script and gcc")
    assert find_config_file(tmp_path) is None, "an llmcc.toml above tmp_path would leak in"
    return Differential(tmp_path)


@pytest.fixture
def project(diff: Differential) -> Differential:
    """``diff`` with kernel.c, kernel.h and main.c written on both sides."""
    diff.write(PROJECT)
    return diff
