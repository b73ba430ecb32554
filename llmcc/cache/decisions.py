"""Function decisions in the cache: the key of a function (its normalized -O3 code, what
it reaches in its unit and its in-unit callers, and everything that judged it) and the
record of every candidate tried, with its evidence.

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
from llmcc.cache.store import KEY_LENGTH, is_key
from llmcc.errors import CacheError
from llmcc.outcome import Outcome
from llmcc.records import Candidate, FunctionTask

if TYPE_CHECKING:
    from llmcc.asm.module import Module
    from llmcc.records import FunctionDecision, Verdict

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
                      unit_context(task.module, task.name), compiler, task.flags,
                      self.proposer_ids, PROMPT_VERSION, task.min_valid, task.min_effect)

    def lookup(self, key: str) -> dict | None:
        record = self.project.decision(key)
        if record is not None and check_record(record):
            record = None  # not a record llmcc can read: decided again, and replaced
        self.count("function_hits" if record else "function_misses")
        return record

    def own(self, key: str, record: dict) -> bool:
        """Is ``record`` this user's own, unchanged (ProjectCache.own_decision)?"""
        return self.project.own_decision(key, record)

    def save(self, key: str, task: FunctionTask, decision: FunctionDecision,
             seconds: float) -> None:
        # an unwritable cache, or one whose folders lead elsewhere: the decision is not kept
        with contextlib.suppress(OSError, CacheError):
            self.project.save_decision(key, record_of(task, decision, seconds))

    def count(self, name: str, amount: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount


def unit_context(module: Module, name: str) -> tuple[str, list[tuple[str, str]]]:
    """What else in the unit a decision on function ``name`` rests on, normalized as its own
    text is: what it reaches (the named data it reads or writes, the in-unit functions it
    calls, and theirs in turn: Module.reached), and each in-unit caller's code, since gcc's
    -fipa-ra lets a caller rely on the registers its callee leaves alone (pipeline.selectable
    offers no such function yet; its key is right for when one is)."""
    from llmcc.asm.rename import normalized

    reached = "\n".join(module.lines[j].text for j in module.reached(name))
    callers = [(caller, normalized(module.function_text(caller, with_data=False)))
               for caller in module.internal_callers(name)]
    return normalized(reached), callers


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
    from llmcc.records import Verdict

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


_CANDIDATE_TEXT = ("origin", "text", "outcome", "stage", "reason")


def check_record(record: object) -> str:
    """What makes ``record`` unusable as a decision, "" when nothing: records come from
    files others may write (a shared cache folder, `llmcc cache import`), so every field
    llmcc reads is checked first. The message never quotes the record."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if not is_key(record.get("key")):
        return f"its key is not a cache key ({KEY_LENGTH} hex digits)"
    candidates = record.get("candidates")
    if not isinstance(record.get("function"), str) or not isinstance(candidates, list):
        return "no function name or no list of candidates"
    for c in candidates:
        if not isinstance(c, dict) or not all(isinstance(c.get(f), str)
                                              for f in _CANDIDATE_TEXT) \
                or not isinstance(c.get("speedup") or {}, dict) \
                or not isinstance(c.get("tests") or {}, dict):
            return "a candidate without its text, origin, outcome, stage or reason"
    chosen = record.get("chosen")
    if chosen is not None and not (type(chosen) is int and 0 <= chosen < len(candidates)):
        return "its chosen candidate is not one of its candidates"
    return ""


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
