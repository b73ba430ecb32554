"""The optimization pipeline of one translation unit: select, propose, check, splice.

The driver hands over a parsed Module and gets one back with accepted
rewrites spliced in, plus a decision per function. Candidates pass through
``STAGES`` in order; the first stage that rejects a candidate decides its
verdict. Only a stage that measured a speedup can accept one, and until the
timer is plugged in, the last stage rejects every candidate that passed the
verifier: llmcc never keeps a rewrite it has not proven correct and faster.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import NamedTuple

from llmcc.asm.module import Function, Module
from llmcc.outcome import Outcome
from llmcc.propose import Candidate, FunctionTask, Proposer

# seconds a proposer may spend on one function before the pipeline moves on
DEFAULT_PROPOSER_BUDGET_S = 30.0


class Verdict(NamedTuple):
    candidate: Candidate
    outcome: Outcome
    stage: str  # parse, define, verify, timing
    reason: str = ""
    speedup: float | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


class FunctionDecision:
    """What happened to one function: every verdict, the chosen one, proposer notes."""

    __slots__ = ("chosen", "name", "notes", "verdicts")

    def __init__(self, name: str) -> None:
        self.name = name
        self.verdicts: list[Verdict] = []
        self.chosen: Verdict | None = None
        self.notes: list[str] = []


class PipelineResult(NamedTuple):
    module: Module
    decisions: list[FunctionDecision]

    @property
    def rewritten(self) -> list[str]:
        return [d.name for d in self.decisions if d.chosen is not None]


Stage = Callable[[Candidate, FunctionTask], Verdict | None]


def static_checks(candidate: Candidate, task: FunctionTask) -> Verdict | None:
    """Parse, assemble, ISA, binding, symbols, instructions (llmcc.verify.static)."""
    from llmcc.verify import static

    march = _march(task.compiler, task.flags, task.baseline_text, task.workdir)
    finding = static.check_static(candidate.text, task.name, task.module,
                                  compiler=task.compiler, march=march, workdir=task.workdir)
    if finding is None:
        return None
    return Verdict(candidate, finding.outcome, finding.stage, finding.reason)


@functools.cache
def _march(compiler: str, flags: tuple[str, ...], baseline_text: str, workdir: str) -> str:
    from llmcc.verify.static import function_march

    return function_march(compiler, flags, baseline_text, workdir)


def differential_tests(candidate: Candidate, task: FunctionTask) -> Verdict | None:
    """Generated inputs through baseline and candidate, ABI checked (llmcc.verify.harness)."""
    from llmcc.verify.harness import run_differential

    sig = _signature(task.source, task.name, task.compiler, task.flags)
    result = run_differential(task.module, sig, candidate.text, compiler=task.compiler,
                              flags=task.flags, workdir=task.workdir, min_valid=task.min_valid)
    if result.outcome is None:
        return None
    stage = "abi" if result.outcome is Outcome.ABI_VIOLATION else "tests"
    return Verdict(candidate, result.outcome, stage, result.reason)


@functools.cache
def _signature(source: str, function: str, compiler: str, flags: tuple[str, ...]):
    from llmcc.verify.signature import signature_of

    return signature_of(source, function, compiler, flags)


def no_timer(candidate: Candidate, task: FunctionTask) -> Verdict | None:
    return Verdict(candidate, Outcome.NO_TIMER, "timing", Outcome.NO_TIMER.description)


STAGES: list[Stage] = [static_checks, differential_tests, no_timer]


def selectable(module: Module, fn: Function) -> bool:
    """Functions llmcc may touch at all: gcc-shaped, no user inline asm, and not called
    from elsewhere in the unit: gcc's -fipa-ra lets such callers keep values in registers
    the ABI calls scratch but gcc knows this callee leaves alone, which a rewrite need not."""
    return not fn.opaque and not module.internal_callers(fn.name)


def optimize(
    module: Module,
    *,
    proposers: list[Proposer],
    source: str,
    compiler: str,
    flags: tuple[str, ...],
    workdir: str,
    min_valid: int = 10,
    budget_s: float = DEFAULT_PROPOSER_BUDGET_S,
    stages: list[Stage] | None = None,
) -> PipelineResult:
    """Run every proposer on every selectable function and splice in accepted candidates."""
    stages = STAGES if stages is None else stages
    decisions: list[FunctionDecision] = []
    if not proposers:
        return PipelineResult(module, decisions)
    chosen: dict[str, str] = {}
    for fn in list(module.functions.values()):
        if not selectable(module, fn):
            continue
        task = FunctionTask(module, fn, source, compiler, flags, workdir, min_valid)
        decision = FunctionDecision(fn.name)
        for proposer in proposers:
            start = time.monotonic()
            try:
                candidates = proposer.propose(task, budget_s)
            except Exception as exc:  # a proposer must never break a build
                decision.notes.append(f"{proposer.name}: {Outcome.PROPOSER_FAILED.value}: {exc}")
                continue
            decision.notes.append(
                f"{proposer.name}: {len(candidates)} candidates in "
                f"{time.monotonic() - start:.2f}s"
            )
            for cand in candidates:
                decision.verdicts.append(_judge(cand, task, stages))
        accepted = [v for v in decision.verdicts if v.accepted]
        if accepted:
            decision.chosen = max(accepted, key=lambda v: v.speedup or 0.0)
            chosen[fn.name] = decision.chosen.candidate.text
        decisions.append(decision)
    result = module.with_candidates(chosen, "llmcc") if chosen else module
    return PipelineResult(result, decisions)


def _judge(candidate: Candidate, task: FunctionTask, stages: list[Stage]) -> Verdict:
    for stage in stages:
        verdict = stage(candidate, task)
        if verdict is not None:
            return verdict
    raise AssertionError("the last stage must decide")
