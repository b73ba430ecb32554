"""The records a candidate's fate is told in, from the task to the decision: what a proposer
is given (FunctionTask), what it returns (Candidate, or a Failure), what the stages find
(Counts, Evidence, a Speedup) and decide (Verdict), and what becomes of a function
(FunctionDecision).

Every stage, the cache, the report, the dataset and the reward read these; this module
imports nothing of llmcc's above the assembly model, so any of them may. A record that
crosses into JSON (the decision cache, ``--json`` output) does so through its own
``as_json``/``from_json`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from llmcc.asm.module import Function, Module
from llmcc.outcome import Outcome


class FunctionTask(NamedTuple):
    """One function to improve, with everything a proposer may use.

    ``flags`` are the effective compiler flags of the baseline (-O3 applied);
    ``source`` is the C file it came from; ``workdir`` a scratch folder.
    """

    module: Module
    function: Function
    source: str
    compiler: str
    flags: tuple[str, ...]
    workdir: str  # a private scratch folder for this compile
    min_valid: int = 10  # inputs the baseline must survive (setting min_valid_inputs)
    min_effect: float = 0.03  # the least speedup that counts (setting min_effect)
    # the rest of the function's program, read when a harness needs it (ProgramParts)
    program: Callable[[], ProgramParts | None] | None = None

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def baseline_text(self) -> str:
        return self.module.function_text(self.function.name)


class LinkedObject(NamedTuple):
    """One object file of the project as a build made it (llmcc.cache.program records
    them): what it defines and needs, so a harness links only the objects it needs."""

    key: str  # its copy's key in the project's cache (ProgramParts.read)
    source: str  # the C file it was compiled from (absolute)
    path: str  # where the build put it (absolute)
    defines: frozenset[str]  # global and weak symbols it defines
    needs: frozenset[str]  # symbols it refers to and does not define
    calls: frozenset[str]  # of those, the ones it calls


class ProgramParts(NamedTuple):
    """What a function's harness may link with besides its unit: the project's other
    objects (its unit's own left out; those of links its unit's object took part in
    first, then the newest) and the options of those links that name libraries (``-l``,
    ``-L``, shared libraries by path, ``-pthread``)."""

    objects: tuple[LinkedObject, ...]
    libraries: tuple[str, ...]
    read: Callable[[LinkedObject], bytes | None]  # an object's bytes; None if gone or not sealed


class Candidate(NamedTuple):
    """A proposed replacement for one function: its assembly text and where it came from."""

    function: str
    text: str
    origin: str  # proposer name plus detail, e.g. "variants:-O2"


class Failure(NamedTuple):
    """Why a proposer was not heard on a function: it failed (an error, its server down or
    timing out) or its budget ended before it offered anything. Its silence is then no
    answer, so the function is not decided and is offered again later; a proposer that ran
    to completion (or used what budget it had) with nothing to offer is a decision."""

    outcome: Outcome  # PROPOSER_FAILED or PROPOSER_CUT_SHORT
    reason: str


class Counts(NamedTuple):
    """The differential tests' counts: inputs run, valid for the baseline, failed by the
    candidate; and why the others were not valid (the baseline's own run of each input
    decides): it crashed (or broke the harness's checks), it timed out or came near the
    limit, or it reached a stand-in (an external function the harness could not link, see
    llmcc.verify.harness.link)."""

    run: int
    valid: int
    failed: int
    crashed: int = 0
    timed_out: int = 0
    stand_in: int = 0

    def invalid(self) -> str:
        """Why inputs were not valid, for people: ``150 reached a stand-in, 38 crashed the
        baseline``; "" when every input was valid (or no reason was counted)."""
        parts = [f"{n} {what}" for n, what in (
            (self.stand_in, "reached a stand-in"), (self.crashed, "crashed the baseline"),
            (self.timed_out, "timed out in the baseline")) if n]
        return ", ".join(parts)

    def as_json(self) -> dict[str, int]:
        """``run``, ``valid``, ``failed``, and each reason for invalid inputs counted."""
        return {k: v for k, v in self._asdict().items()
                if v or k not in self._field_defaults}

    @classmethod
    def from_json(cls, data: object) -> Counts | None:
        """The counts ``as_json`` wrote (a reason not counted is missing); None
        for anything else."""
        if not isinstance(data, dict):
            return None
        values = [data.get(f, cls._field_defaults.get(f)) for f in cls._fields]
        if not all(type(v) is int for v in values):
            return None
        return cls(*values)


class Speedup(NamedTuple):
    """A speedup: baseline time over candidate time (above 1 is faster, never clamped), the
    timer's median with its 95% interval when one was measured."""

    median: float
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        """``1.204x [1.165, 1.246]``, or ``1.204x`` without an interval."""
        told = f"{self.median:.3f}x"
        if self.low is not None and self.high is not None:
            told += f" [{self.low:.3f}, {self.high:.3f}]"
        return told

    def rounded(self, places: int = 4) -> Speedup:
        """As the cache and ``--json`` output keep it."""
        return Speedup(*(None if x is None else round(x, places) for x in self))

    def as_json(self) -> dict[str, float]:
        """``{"median", "ci_low", "ci_high"}``; the interval's ends only when measured."""
        out = {"median": self.median}
        if self.low is not None and self.high is not None:
            out.update(ci_low=self.low, ci_high=self.high)
        return out

    @classmethod
    def from_json(cls, data: object) -> Speedup | None:
        """The speedup ``as_json`` wrote; None for anything without a median."""
        if not isinstance(data, dict) or not _number(data.get("median")):
            return None
        low, high = data.get("ci_low"), data.get("ci_high")
        if not (_number(low) and _number(high)):
            low = high = None
        return cls(data["median"], low, high)


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


@dataclass
class Evidence:
    """What earlier stages found out about a candidate that later ones build on."""

    tests: Counts | None = None
    valid_inputs: tuple[int, ...] = ()
    # what the harness was linked with beyond the unit (the project's objects, stand-ins,
    # libraries: llmcc.verify.harness.link), so the timer's harness is linked the same way
    link: tuple[str, ...] = ()
    # how the harness was made and why inputs were not valid, for the decision's notes
    notes: tuple[str, ...] = ()
    # stand-ins the tests lost inputs to (FunctionDecision.waiting)
    waiting: tuple[str, ...] = ()


class Verdict(NamedTuple):
    candidate: Candidate
    outcome: Outcome
    stage: str  # parse, define, assemble, static, tests, abi, timing
    reason: str = ""
    speedup: Speedup | None = None  # the timer's, when it got that far
    tests: Counts | None = None  # the differential tests' counts
    # the timer's full answer as its JSON (llmcc.timing.Timing.as_json: rounds, cells, the
    # reproduction), for `llmcc bench-function`
    timing: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    def as_json(self) -> dict[str, Any]:
        """What was decided and on what evidence (not the candidate itself, nor the timer's
        table): ``outcome`` (its value), ``stage``, ``reason``, ``tests``, ``speedup``."""
        return {"outcome": self.outcome.value, "stage": self.stage, "reason": self.reason,
                "tests": self.tests.as_json() if self.tests is not None else None,
                "speedup": self.speedup.rounded().as_json() if self.speedup is not None
                else None}

    @classmethod
    def from_json(cls, candidate: Candidate, data: dict[str, Any]) -> Verdict:
        """The verdict on ``candidate`` that ``as_json`` wrote. An outcome this llmcc does
        not know is read as a failed proposer, so it is never taken for an acceptance."""
        try:
            outcome = Outcome(data["outcome"])
        except ValueError:
            outcome = Outcome.PROPOSER_FAILED
        return cls(candidate, outcome, data["stage"], data["reason"],
                   Speedup.from_json(data.get("speedup")), Counts.from_json(data.get("tests")))


class FunctionDecision:
    """What happened to one function: every verdict, the chosen one, proposer notes, and the
    proposers that were not heard (``unheard``: name -> Failure)."""

    __slots__ = ("chosen", "name", "notes", "unheard", "verdicts", "waiting")

    def __init__(self, name: str) -> None:
        self.name = name
        self.verdicts: list[Verdict] = []
        self.chosen: Verdict | None = None
        self.notes: list[str] = []
        self.unheard: dict[str, Failure] = {}
        # stand-ins (llmcc.verify.harness.link) its tests lost inputs to: when the project
        # defines one of these later, the function is decided again with the real one
        self.waiting: set[str] = set()

    @property
    def final(self) -> bool:
        """Every proposer was heard: the decision may be recorded and stand. With one that
        was not (a server down, an error, no time), an accepted rewrite is still used in
        this compile (it was verified and timed), but nothing is recorded, so the function
        is offered again, to every proposer, by a later compile or ``llmcc optimize``."""
        return not self.unheard
