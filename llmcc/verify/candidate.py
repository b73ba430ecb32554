"""Verifying one candidate for one function of a C file: every stage, one Report."""

from __future__ import annotations

import os
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.driver.args import is_opt_level
from llmcc.errors import LlmccError, ToolError
from llmcc.files import private_dir, remove_dir
from llmcc.outcome import Outcome
from llmcc.verify import static
from llmcc.verify.harness import DEFAULT_TESTS, run_differential
from llmcc.verify.signature import Signature, signature_of

# the stages in the order a candidate meets them (timing arrives with the timer)
STAGES = ("parse", "assemble", "static", "tests", "abi", "timing")


class Report(NamedTuple):
    function: str
    verdict: str  # accepted, rejected
    outcome: Outcome
    stage: str
    reason: str
    tests: dict[str, int] | None  # run, valid, failed
    speedup: dict[str, float] | None  # median, ci_low, ci_high

    def as_json(self) -> dict:
        return {"function": self.function, "verdict": self.verdict,
                "outcome": self.outcome.value, "stage": self.stage, "reason": self.reason,
                "tests": self.tests, "speedup": self.speedup}


def baseline_flags(flags: tuple[str, ...], level: str = "-O3") -> tuple[str, ...]:
    """The user's flags at the baseline optimization level (the last -O wins)."""
    kept = tuple(f for f in flags if not is_opt_level(f))
    return (*kept, level)


def compile_baseline(source: str, compiler: str, flags: tuple[str, ...], workdir: str) -> Module:
    if not os.path.isfile(source):
        raise LlmccError(f"{source}: no such file")
    out = os.path.join(workdir, "baseline.s")
    proc = subproc.run([compiler, *flags, "-S", source, "-o", out])
    if not proc.ok:
        first = next((ln for ln in proc.stderr.decode(errors="replace").splitlines()
                      if "error" in ln), proc.stderr.decode(errors="replace").strip())
        raise ToolError(f"gcc cannot compile {source}: {first}")
    with open(out, encoding="utf-8", errors="surrogateescape") as fh:
        return Module(fh.read())


def verify(source: str, function: str, candidate_text: str, *, compiler: str,
           flags: tuple[str, ...], tests: int = DEFAULT_TESTS, min_valid: int = 10) -> Report:
    """Run every stage on one candidate. Raises LlmccError for bad input (no such
    source or function, gcc errors), never for a bad candidate."""
    flags = baseline_flags(flags)
    workdir = private_dir("")
    try:
        baseline = compile_baseline(source, compiler, flags, workdir)
        baseline.function(function)
        sig = signature_of(source, function, compiler, flags)
        return judge(baseline, sig, candidate_text, compiler=compiler, flags=flags,
                     workdir=workdir, tests=tests, min_valid=min_valid)
    finally:
        remove_dir(workdir)


def judge(baseline: Module, sig: Signature, candidate_text: str, *, compiler: str,
          flags: tuple[str, ...], workdir: str, tests: int = DEFAULT_TESTS,
          min_valid: int = 10) -> Report:
    """Static checks, then differential tests with ABI checks, for a function of
    ``baseline`` (gcc's -O3 assembly of its unit) whose signature is ``sig``."""
    function = sig.name
    march = static.function_march(compiler, flags, baseline.function_text(function), workdir)
    finding = static.check_static(candidate_text, function, baseline, compiler=compiler,
                                  march=march, workdir=workdir)
    if finding is not None:
        return Report(function, "rejected", finding.outcome, finding.stage, finding.reason,
                      None, None)
    result = run_differential(baseline, sig, candidate_text, compiler=compiler, flags=flags,
                              workdir=workdir, tests=tests, min_valid=min_valid)
    counts = result.counts._asdict()
    if result.outcome is not None:
        stage = "abi" if result.outcome is Outcome.ABI_VIOLATION else "tests"
        return Report(function, "rejected", result.outcome, stage, result.reason, counts, None)
    return Report(function, "accepted", Outcome.ACCEPTED, "tests",
                  f"{result.reason}; speed not measured (no timer yet)", counts, None)
