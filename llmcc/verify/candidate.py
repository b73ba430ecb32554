"""Verifying one candidate for one function of a C file: every stage, one Report."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.errors import LlmccError, ToolError
from llmcc.files import private_dir, remove_dir
from llmcc.gcc_options import is_opt_level
from llmcc.outcome import Outcome
from llmcc.verify.signature import signature_of

if TYPE_CHECKING:
    from llmcc.timing import Timing


class Report(NamedTuple):
    function: str
    verdict: str  # accepted, rejected
    outcome: Outcome
    stage: str
    reason: str
    tests: dict[str, int] | None  # run, valid, failed
    speedup: dict[str, float] | None  # median, ci_low, ci_high
    timing: Timing | None = None  # the timer's full answer, when the candidate got that far

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
           flags: tuple[str, ...], min_valid: int = 10, min_effect: float = 0.03) -> Report:
    """Run every stage (static checks, differential tests, timing) on one candidate.
    Raises LlmccError for bad input (no such source or function, gcc errors), never for a
    bad candidate."""
    from llmcc.pipeline import judge
    from llmcc.records import Candidate, FunctionTask

    flags = baseline_flags(flags)
    workdir = private_dir("")
    try:
        baseline = compile_baseline(source, compiler, flags, workdir)
        fn = baseline.function(function)
        signature_of(source, function, compiler, flags)  # a missing signature is bad input
        task = FunctionTask(baseline, fn, source, compiler, flags, workdir, min_valid,
                            min_effect)
        verdict = judge(Candidate(function, candidate_text, "file"), task)
    finally:
        remove_dir(workdir)
    tests = verdict.tests._asdict() if verdict.tests is not None else None
    speedup = verdict.timing.speedup_json() if verdict.timing is not None else None
    return Report(function, "accepted" if verdict.accepted else "rejected", verdict.outcome,
                  verdict.stage, verdict.reason, tests, speedup, verdict.timing)
