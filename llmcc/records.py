"""The records a candidate's fate is told in, from the task to the decision: what a proposer
is given (FunctionTask), what it returns (Candidate, or a Failure), what the stages find
(Counts, Evidence) and decide (Verdict), and what becomes of a function (FunctionDecision).

Every stage, the cache, the report, the dataset and the reward read these; this module
imports nothing of llmcc's above the assembly model, so any of them may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from llmcc.asm.module import Function, Module
from llmcc.outcome import Outcome

if TYPE_CHECKING:
    from llmcc.timing import Timing


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

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def baseline_text(self) -> str:
        return self.module.function_text(self.function.name)


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
    candidate."""

    run: int
    valid: int
    failed: int


@dataclass
class Evidence:
    """What earlier stages found out about a candidate that later ones build on."""

    tests: Counts | None = None
    valid_inputs: tuple[int, ...] = ()
    timing: Timing | None = None


class Verdict(NamedTuple):
    candidate: Candidate
    outcome: Outcome
    stage: str  # parse, define, assemble, static, tests, abi, timing
    reason: str = ""
    speedup: float | None = None  # the timer's median, when it got that far
    tests: Counts | None = None  # the differential tests' counts
    timing: Timing | None = None  # the timer's full answer

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


class FunctionDecision:
    """What happened to one function: every verdict, the chosen one, proposer notes, and the
    proposers that were not heard (``unheard``: name -> Failure)."""

    __slots__ = ("chosen", "name", "notes", "unheard", "verdicts")

    def __init__(self, name: str) -> None:
        self.name = name
        self.verdicts: list[Verdict] = []
        self.chosen: Verdict | None = None
        self.notes: list[str] = []
        self.unheard: dict[str, Failure] = {}

    @property
    def final(self) -> bool:
        """Every proposer was heard: the decision may be recorded and stand. With one that
        was not (a server down, an error, no time), an accepted rewrite is still used in
        this compile (it was verified and timed), but nothing is recorded, so the function
        is offered again, to every proposer, by a later compile or ``llmcc optimize``."""
        return not self.unheard
