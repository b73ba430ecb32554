"""A build whose model server answers badly: empty, huge, unreadable, the wrong function, or a
candidate with an extra global symbol. The build succeeds, the object is gcc -O3's byte for
byte, and the log says what became of each answer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from difftools import KERNEL_C, KERNEL_H, LLMCC

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "propose"))
from stub_server import Reply, StubServer

from llmcc.asm import parse_module

EXTRA = "\n\t.globl\textra\n\t.type\textra, @function\nextra:\n\tret\n"


@pytest.fixture(scope="module")
def sum_text(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("sum")
    (folder / "kernel.c").write_text(KERNEL_C)
    (folder / "kernel.h").write_text(KERNEL_H)
    asm = subprocess.run(["gcc", "-O3", "-S", "-o", "-", "kernel.c"], cwd=folder, check=True,
                         capture_output=True, text=True).stdout
    return parse_module(asm).function_text("sum")


def build(tmp_path: Path, reply: Reply) -> tuple[str, bytes, bytes]:
    """The log line of `sum`, llmcc's object and gcc's."""
    (tmp_path / "kernel.c").write_text(KERNEL_C)
    (tmp_path / "kernel.h").write_text(KERNEL_H)
    with StubServer([reply]) as stub:
        env = {**os.environ, "LLMCC_PROPOSERS": "model", "LLMCC_MODE": "sync",
               "LLMCC_MODEL_URL": stub.url, "LLMCC_MODEL_SAMPLES": "1",
               "LLMCC_CACHE_DIR": str(tmp_path / "cache"), "LLMCC_LOG": str(tmp_path / "log")}
        done = subprocess.run([LLMCC, "-O3", "-c", "kernel.c", "-o", "llmcc.o"], cwd=tmp_path,
                              env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    subprocess.run(["gcc", "-O3", "-c", "kernel.c", "-o", "gcc.o"], cwd=tmp_path, check=True)
    line = next(ln for ln in (tmp_path / "log").read_text().splitlines()
                if re.search(r"\bfunction .*function=sum\b", ln))
    return line, (tmp_path / "llmcc.o").read_bytes(), (tmp_path / "gcc.o").read_bytes()


@pytest.mark.parametrize("answer", ["", "x" * 3_000_000, "no code here, sorry"],
                         ids=["empty", "huge", "chatter"])
def test_answers_without_the_function_are_dropped_and_counted(tmp_path, answer):
    line, ours, gccs = build(tmp_path, Reply(answer))
    assert ours == gccs
    assert "candidates=0" in line and "no_assembly=1" in line


def test_the_wrong_function_name_is_dropped(tmp_path, sum_text):
    line, ours, gccs = build(tmp_path, Reply(f"```asm\n{sum_text.replace('sum', 'total')}```"))
    assert ours == gccs
    assert "candidates=0" in line and "no_assembly=1" in line


def test_unreadable_answers_are_logged_with_the_reason(tmp_path):
    line, ours, gccs = build(tmp_path, Reply(raw=b"{not json"))
    assert ours == gccs
    assert "candidates=0" in line and "answer is not JSON" in line


def test_an_extra_global_symbol_never_reaches_the_object(tmp_path, sum_text):
    # the extra function is not part of the candidate for `sum`; a `sum` that calls it is
    # rejected, since the unit has no such symbol
    calling = sum_text.replace("sum:\n", "sum:\n\tcall\textra\n", 1)
    line, ours, gccs = build(tmp_path, Reply(f"```asm\n{calling}{EXTRA}```"))
    assert ours == gccs
    assert "candidates=1" in line and "rejected=unknown_symbol" in line
    symbols = subprocess.run(["nm", str(tmp_path / "llmcc.o")], capture_output=True,
                             text=True).stdout
    assert "extra" not in symbols
