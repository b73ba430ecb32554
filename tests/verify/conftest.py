"""Fixtures of the verifier tests: the mutant corpus, compiled and sampled once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutants import FunctionCase, build_cases, confirmed_wrong


@pytest.fixture(scope="session")
def mutant_cache(tmp_path_factory) -> Path:
    """Where compiled corpus assembly and probe programs are kept for the session."""
    return tmp_path_factory.mktemp("mutants")


@pytest.fixture(scope="session")
def mutant_cases(mutant_cache) -> list[FunctionCase]:
    """Every corpus function with a seeded sample of wrong, error and correct candidates."""
    return build_cases(mutant_cache)


@pytest.fixture(scope="session")
def confirmed_cases(mutant_cases, mutant_cache) -> list[FunctionCase]:
    """``mutant_cases`` keeping only wrong mutants shown wrong (what a verifier must reject)."""
    return confirmed_wrong(mutant_cases, mutant_cache)
