"""What a proposer is given and what it returns."""

from __future__ import annotations

from typing import NamedTuple, Protocol

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


class Proposer(Protocol):
    """A source of candidates. After each ``propose`` a proposer may set ``last_failure``
    (a Failure, or None when it was heard); one without the attribute is always heard, and
    one that raises has failed."""

    name: str

    def propose(self, task: FunctionTask, budget_s: float) -> list[Candidate]:
        """Candidates for ``task``; must return within ``budget_s`` and may return none."""
        ...
