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
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcc import __version__
from llmcc.cache.keys import compiler_identity, cpu_model, digest
from llmcc.cache.project import ProjectCache, Stat, StatKey
from llmcc.cache.store import KEY_LENGTH, is_key
from llmcc.errors import CacheError
from llmcc.records import Candidate, FunctionTask, Verdict

if TYPE_CHECKING:
    from llmcc.asm.module import Module
    from llmcc.records import FunctionDecision

# bump when what a decision means changes (new stages, a different timer rule ...)
DECISION_FORMAT = 1


class DecisionRecord(NamedTuple):
    """A function decision as the cache keeps it: every candidate's Verdict, the chosen
    one, and what the decision was made on. ``as_json`` writes it, ``read_record`` reads it
    back (the only two places its JSON is known)."""

    key: str
    function: str
    source: str  # the C file the function came from
    flags: tuple[str, ...]  # the effective flags of the baseline
    baseline: str  # the baseline's text (`llmcc cache diff`)
    cpu: str | None  # the CPU model it was timed on
    timed: float | None  # when (seconds since the epoch)
    seconds: float  # spent deciding
    notes: tuple[str, ...]
    chosen: int | None  # the index of the chosen verdict
    verdicts: tuple[Verdict, ...]
    own: bool = False  # this user's own, unchanged (ProjectCache.own_decision)
    # stand-ins its tests lost inputs to: decided again once the project defines one
    waiting: tuple[str, ...] = ()

    @property
    def chosen_verdict(self) -> Verdict | None:
        return self.verdicts[self.chosen] if self.chosen is not None else None

    @property
    def timed_here(self) -> bool:
        """Timed on this machine's CPU model: its speedups hold here."""
        return self.cpu == cpu_model()

    @classmethod
    def of(cls, key: str, task: FunctionTask, decision: FunctionDecision,
           seconds: float) -> DecisionRecord:
        chosen = None
        if decision.chosen is not None:
            chosen = decision.verdicts.index(decision.chosen)
        return cls(key, task.name, task.source, task.flags, task.baseline_text, cpu_model(),
                   time.time(), round(seconds, 3), tuple(decision.notes), chosen,
                   tuple(decision.verdicts), own=True, waiting=tuple(sorted(decision.waiting)))

    def as_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "source": self.source,
            "flags": list(self.flags),
            "baseline": self.baseline,
            "cpu": self.cpu,
            "timed": self.timed,
            "seconds": self.seconds,
            "notes": list(self.notes),
            "chosen": self.chosen,
            "candidates": [{"origin": v.candidate.origin, "text": v.candidate.text,
                            **v.as_json()} for v in self.verdicts],
        } | ({"waiting": list(self.waiting)} if self.waiting else {})


def read_record(record: object, own: bool = False) -> DecisionRecord | None:
    """``record`` (JSON read from the cache) as a DecisionRecord; None when check_record
    finds it unusable. Fields check_record does not need are read leniently."""
    if check_record(record):
        return None
    assert isinstance(record, dict)

    def text(name: str) -> str:
        value = record.get(name)
        return value if isinstance(value, str) else ""

    def strings(name: str) -> tuple[str, ...]:
        value = record.get(name)
        return tuple(x for x in value if isinstance(x, str)) if isinstance(value, list) \
            else ()

    def number(name: str) -> float | None:
        value = record.get(name)
        return value if isinstance(value, int | float) and not isinstance(value, bool) \
            else None

    name = record["function"]
    verdicts = tuple(Verdict.from_json(Candidate(name, c["text"], c["origin"]), c)
                     for c in record["candidates"])
    cpu = record.get("cpu")
    return DecisionRecord(record["key"], name, text("source"), strings("flags"),
                          text("baseline"), cpu if isinstance(cpu, str) else None,
                          number("timed"), number("seconds") or 0.0, strings("notes"),
                          record.get("chosen"), verdicts, own, strings("waiting"))


def read_records(project: ProjectCache) -> list[DecisionRecord]:
    """Every usable decision of ``project``."""
    out = []
    for raw in project.decisions():
        found = read_record(raw, own=project.own_decision(raw["key"], raw))
        if found is not None:
            out.append(found)
    return out


class DecisionCache:
    """Looks up and records function decisions for the units of one compile."""

    def __init__(self, project: ProjectCache, proposers: tuple[object, ...]) -> None:
        """``proposers``: what the key says of the proposers that decide, parts of the key in
        their order (for a build: llmcc.propose.decision_identity, their ids and the prompt
        version), handed down by the caller: the cache knows nothing of proposers."""
        self.project = project
        self.proposers = proposers
        self._compilers: dict[str, str] = {}
        self.counts: dict[StatKey, float] = {}

    def key(self, task: FunctionTask) -> str:
        from llmcc.asm.rename import normalized

        compiler = self._compilers.get(task.compiler)
        if compiler is None:
            compiler = compiler_identity(task.compiler, self.project.shared)
            self._compilers[task.compiler] = compiler
        return digest("function", DECISION_FORMAT, __version__, normalized(task.baseline_text),
                      unit_context(task.module, task.name), compiler, task.flags,
                      *self.proposers, task.min_valid, task.min_effect)

    def lookup(self, key: str) -> DecisionRecord | None:
        """The decision recorded under ``key``; None when there is none, or none llmcc can
        read (it is decided again, and replaced)."""
        raw = self.project.decision(key)
        record = read_record(raw, own=self.project.own_decision(key, raw)) \
            if raw is not None else None
        self.count(Stat.FUNCTION_HITS if record else Stat.FUNCTION_MISSES)
        return record

    def save(self, key: str, task: FunctionTask, decision: FunctionDecision,
             seconds: float) -> None:
        # an unwritable cache, or one whose folders lead elsewhere: the decision is not kept
        with contextlib.suppress(OSError, CacheError):
            record = DecisionRecord.of(key, task, decision, seconds)
            self.project.save_decision(key, record.as_json())
            if record.waiting:
                from llmcc.cache.program import ProgramIndex

                ProgramIndex(self.project).wait_for(record.waiting)

    def count(self, stat: StatKey, amount: float = 1) -> None:
        self.counts[stat] = self.counts.get(stat, 0) + amount


def unit_context(module: Module, name: str) -> tuple[str, list[tuple[str, str]]]:
    """What else in the unit a decision on function ``name`` rests on, normalized as its own
    text is: what it reaches (the named data it reads or writes, the in-unit functions it
    calls, and theirs in turn: Module.reached), and each in-unit caller's code, since gcc's
    -fipa-ra lets a caller rely on the registers its callee leaves alone (whether a candidate
    is held to them: llmcc.verify.registers)."""
    from llmcc.asm.rename import normalized

    reached = "\n".join(module.lines[j].text for j in module.reached(name))
    callers = [(caller, normalized(module.function_text(caller, with_data=False)))
               for caller in module.internal_callers(name)]
    return normalized(reached), callers


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
