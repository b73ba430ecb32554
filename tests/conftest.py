"""Session fixtures shared by the test packages."""

from __future__ import annotations

import pytest
from corpus_tools import CorpusTU, compile_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[CorpusTU]:
    """The corpus compiled to assembly once per session."""
    return compile_corpus(tmp_path_factory.mktemp("corpus"))
