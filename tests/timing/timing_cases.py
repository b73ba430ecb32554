"""Candidates whose true speed is known, for calibrating the timer (tests and bench).

- copies of the baseline: identical, or with renamed labels and another ``.p2align``;
- a real improvement: a bit-counting loop replaced by ``popcnt``;
- a known effect of chosen size: the baseline slowed by a delay loop of N iterations at
  entry (the candidate is the untouched function, faster by the delay), or the candidate
  slowed the same way.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import NamedTuple

from llmcc.asm import parse_module
from llmcc.asm.module import Module
from llmcc.asm.rename import uniquify_local_labels
from llmcc.verify.harness import run_differential
from llmcc.verify.signature import Signature, signature_of

SOURCE = r"""
#include <stdint.h>
#include <stddef.h>

/* counts bits one at a time: gcc -O3 keeps the loop */
int bits(uint64_t x) {
    int c = 0;
    while (x) { c += (int)(x & 1); x >>= 1; }
    return c;
}

/* a fixed amount of work whatever the input: a chain of 48 multiply-xorshift steps */
uint64_t mix(uint64_t x) {
    for (int i = 0; i < 48; i++) { x ^= x >> 29; x *= 0xbf58476d1ce4e5b9ULL; }
    return x;
}

long sum(const int *a, size_t n) {
    long s = 0;
    for (size_t i = 0; i < n; i++) s += a[i];
    return s;
}
"""

POPCNT_BITS = """\
\t.text
\t.p2align 4
\t.globl\tbits
\t.type\tbits, @function
bits:
\tpopcntq\t%rdi, %rax
\tret
\t.size\tbits, .-bits
"""

FLAGS = ("-O3",)


class Unit(NamedTuple):
    source: str
    module: Module


class Subject(NamedTuple):
    """One function of the unit, ready to time: its signature and valid inputs."""

    module: Module
    sig: Signature
    valid: tuple[int, ...]


def build_unit(folder: Path) -> Unit:
    src = folder / "timed.c"
    src.write_text(SOURCE)
    asm = folder / "timed.s"
    subprocess.run(["gcc", *FLAGS, "-S", str(src), "-o", str(asm)], check=True)
    return Unit(str(src), parse_module(asm.read_text()))


def subject(unit: Unit, function: str, folder: Path, module: Module | None = None) -> Subject:
    """``function`` of ``unit`` (or of ``module``, a changed copy of it) with the inputs
    the verifier finds valid."""
    module = module or unit.module
    sig = signature_of(unit.source, function, "gcc", FLAGS)
    diff = run_differential(module, sig, module.function_text(function), compiler="gcc",
                            flags=FLAGS, workdir=str(folder))
    assert diff.outcome is None and diff.valid_inputs, diff.reason
    return Subject(module, sig, diff.valid_inputs)


def relabeled(text: str) -> str:
    """The same code with every local label renamed and loops aligned differently."""
    text = uniquify_local_labels(text, "aa")
    return re.sub(r"\.p2align (\d+)", lambda m: f".p2align {int(m.group(1)) + 1}", text)


def with_delay(text: str, function: str, iterations: int) -> str:
    """``function`` doing ``iterations`` rounds of a one-cycle loop after its own work, just
    before it returns (so its own loop stays where it was; %r11 carries no result and need
    not be preserved). The function must return in one place."""
    assert text.count("\tret") == 1, "one return expected"
    delay = (f"\tmovl\t${iterations}, %r11d\n.Ldelay_{function}:\n"
             f"\tdecl\t%r11d\n\tjnz\t.Ldelay_{function}\n")
    return text.replace("\tret", delay + "\tret", 1)


def slowed_baseline(unit: Unit, function: str, iterations: int) -> Module:
    """The unit with ``function`` slowed by a delay: timing the untouched function against
    it is timing a real improvement of a chosen size."""
    text = with_delay(unit.module.function_text(function), function, iterations)
    return unit.module.replaced({function: text})
