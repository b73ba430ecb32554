"""Function decisions in the cache: the key of a function (its normalized -O3 code and
everything that judged it) and the record of every candidate tried, with its evidence.

A record keeps each candidate's text, origin, outcome, stage, reason, test counts and
speedup interval, which candidate was chosen, the baseline's text (for ``llmcc cache
diff``), when, and the CPU model it was timed on. An acceptance timed on another CPU model
is re-timed before it is used again.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from llmcc import __version__
from llmcc.cache.keys import compiler_identity, cpu_model, digest
from llmcc.cache.project import ProjectCache
from llmcc.outcome import Outcome
from llmcc.propose import Candidate, FunctionTask

if TYPE_CHECKING:
    from llmcc.pipeline import FunctionDecision, Verdict

# bump when what a decision means changes (new stages, a different timer rule ...)
DECISION_FORMAT = 1


class DecisionCache:
    """Looks up and records function decisions for the units of one compile."""

    def __init__(self, project: ProjectCache, proposer_ids: tuple[str, ...]) -> None:
        self.project = project
        self.proposer_ids = proposer_ids
        self._compilers: dict[str, str] = {}
        self.counts: dict[str, float] = {}

    def key(self, task: FunctionTask) -> str:
        from llmcc.asm.rename import normalized
        from llmcc.propose.prompt import PROMPT_VERSION  # what a model was asked

        compiler = self._compilers.get(task.compiler)
        if compiler is None:
            compiler = compiler_identity(task.compiler, self.project.shared)
            self._compilers[task.compiler] = compiler
        return digest("function", DECISION_FORMAT, __version__, normalized(task.baseline_text),
                      compiler, task.flags, self.proposer_ids, PROMPT_VERSION, task.min_valid,
                      task.min_effect)

    def lookup(self, key: str) -> dict | None:
        record = self.project.decision(key)
        self.count("function_hits" if record else "function_misses")
        return record

    def save(self, key: str, task: FunctionTask, decision: FunctionDecision,
             seconds: float) -> None:
        with contextlib.suppress(OSError):  # an unwritable cache: the decision is not kept
            self.project.save_decision(key, record_of(task, decision, seconds))

    def count(self, name: str, amount: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount


def record_of(task: FunctionTask, decision: FunctionDecision, seconds: float) -> dict:
    chosen = None
    if decision.chosen is not None:
        chosen = decision.verdicts.index(decision.chosen)
    return {
        "function": task.name,
        "source": task.source,
        "flags": list(task.flags),
        "baseline": task.baseline_text,
        "cpu": cpu_model(),
        "timed": time.time(),
        "seconds": round(seconds, 3),
        "notes": decision.notes,
        "chosen": chosen,
        "candidates": [_verdict_json(v) for v in decision.verdicts],
    }


def _verdict_json(v: Verdict) -> dict:
    timing = v.timing.speedup_json() if v.timing is not None else \
        {"median": v.speedup} if v.speedup is not None else None
    return {"origin": v.candidate.origin, "text": v.candidate.text,
            "outcome": v.outcome.value, "stage": v.stage, "reason": v.reason,
            "tests": v.tests._asdict() if v.tests is not None else None,
            "speedup": timing}


def verdicts_of(record: dict) -> list[Verdict]:
    """The record's candidates as Verdicts again (outcomes this llmcc no longer knows are
    read as a failed proposer, so they are never chosen)."""
    from llmcc.pipeline import Verdict

    out = []
    for c in record.get("candidates", []):
        try:
            outcome = Outcome(c["outcome"])
        except ValueError:
            outcome = Outcome.PROPOSER_FAILED
        speedup = (c.get("speedup") or {}).get("median")
        out.append(Verdict(Candidate(record["function"], c["text"], c["origin"]), outcome,
                           c["stage"], c["reason"], speedup))
    return out


def same_machine(record: dict) -> bool:
    return record.get("cpu") == cpu_model()


def describe_speedup(speedup: dict | None) -> str:
    """``1.204x [1.165, 1.246]`` (the interval when one was measured), or ``-``."""
    if not speedup or speedup.get("median") is None:
        return "-"
    told = f"{speedup['median']:.3f}x"
    if speedup.get("ci_low") is not None and speedup.get("ci_high") is not None:
        told += f" [{speedup['ci_low']:.3f}, {speedup['ci_high']:.3f}]"
    return told
