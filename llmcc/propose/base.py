"""The Proposer protocol: a FunctionTask in, Candidates out (llmcc.records)."""

from __future__ import annotations

from typing import Protocol

from llmcc.records import Candidate, FunctionTask


class Proposer(Protocol):
    """A source of candidates. After each ``propose`` a proposer may set ``last_failure``
    (a Failure, or None when it was heard); one without the attribute is always heard, and
    one that raises has failed."""

    name: str

    def propose(self, task: FunctionTask, budget_s: float) -> list[Candidate]:
        """Candidates for ``task``; must return within ``budget_s`` and may return none."""
        ...
