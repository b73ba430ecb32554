"""Session fixtures shared by the test packages."""

from __future__ import annotations

import os
import tempfile

import pytest
from corpus_tools import CorpusTU, compile_corpus

# llmcc run by the tests (in-process and as a program) caches in a folder of the session's,
# never in the user's cache
os.environ["LLMCC_CACHE_DIR"] = tempfile.mkdtemp(prefix="llmcc-test-cache-")
# and keeps its state (the secret that seals cache entries, the log) in one of the session's
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="llmcc-test-state-")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[CorpusTU]:
    """The corpus compiled to assembly once per session."""
    return compile_corpus(tmp_path_factory.mktemp("corpus"))
