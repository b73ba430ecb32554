"""Fixtures of the trainer tests: a tiny Llama built once per session, a toy task file."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))  # tests/, for tiny_hf
from tiny_hf import build_tiny_llama
from train_toys import toy_task, write_tasks

try:  # one thread: tiny models gain nothing from two, and lose much on a busy machine
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def toy_tasks(tmp_path) -> str:
    return write_tasks(tmp_path / "tasks.jsonl", [toy_task(i) for i in range(8)])
