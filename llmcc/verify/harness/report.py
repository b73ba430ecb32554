"""The differential harness's report, decoded in one place. differential_main.c prints
codes for what the parent decides on and prose only for people:

    COUNTEREXAMPLE <kind> <reason>   the first failed test, if any: <kind> is a code, mapped
                                     to its Outcome by COUNTEREXAMPLE_KINDS; <reason> (what
                                     went wrong, on which input) is shown as it is
    COUNTS run=<n> valid=<n> failed=<n> crashed=<n> timed_out=<n> stand_in=<n>
                                     the last three: why inputs were not valid for the
                                     baseline (llmcc.records.Counts)
    REACHED <k> <n>                  the baseline reached stand-in k (link.py) on n inputs
    CANDIDATE_REACHED <k>            the failed test: the candidate reached stand-in k
    VALID <id>...                    when no test failed: the inputs the baseline survives

Nothing here reads the reason's words, so rewording a message in the C changes no verdict.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from llmcc.outcome import Outcome
from llmcc.records import Counts

# the harness's code for why a candidate failed a test -> its outcome; a code not listed
# here is a plain mismatch
COUNTEREXAMPLE_KINDS = {
    "mismatch": Outcome.TEST_MISMATCH,
    "crash": Outcome.CANDIDATE_CRASH,
    "timeout": Outcome.CANDIDATE_TIMEOUT,
    "abi": Outcome.ABI_VIOLATION,
    "standin": Outcome.TEST_MISMATCH,  # calls an external function the baseline does not
}

_COUNTEREXAMPLE = re.compile(r"^COUNTEREXAMPLE (\w+) (.*)$", re.M)
_COUNTS = re.compile(r"COUNTS run=(\d+) valid=(\d+) failed=(\d+)"
                     r"(?: crashed=(\d+) timed_out=(\d+) stand_in=(\d+))?")
_REACHED = re.compile(r"^REACHED (\d+) (\d+)$", re.M)
_CANDIDATE_REACHED = re.compile(r"^CANDIDATE_REACHED (\d+)$", re.M)
_VALID = re.compile(r"^VALID((?: \d+)*)$", re.M)


class Report(NamedTuple):
    """What one run of the harness said."""

    counts: Counts | None  # None: no COUNTS line (the harness did not finish)
    outcome: Outcome | None  # the failed test's (any failure rejects); None when none failed
    reason: str  # the failed test's description, for people; "" when none failed
    valid_inputs: tuple[int, ...]  # test ids (see inputs.STRINGS_IN_PLACE)
    # (stand-in number, inputs on which the baseline reached it), most reached first
    reached: tuple[tuple[int, int], ...] = ()
    candidate_reached: int | None = None  # the stand-in the failed test's candidate reached


def decode(text: str) -> Report:
    """The report in the harness's standard output ``text``."""
    m = _COUNTS.search(text)
    counts = Counts(*(int(g) for g in m.groups() if g is not None)) if m else None
    outcome, reason = None, ""
    if counts is not None and counts.failed:
        example = _COUNTEREXAMPLE.search(text)
        kind, reason = example.groups() if example else ("mismatch", "outputs differ")
        outcome = COUNTEREXAMPLE_KINDS.get(kind, Outcome.TEST_MISMATCH)
    valid = _VALID.search(text)
    reached = tuple(sorted(((int(k), int(n)) for k, n in _REACHED.findall(text)),
                           key=lambda kn: -kn[1]))
    cand = _CANDIDATE_REACHED.search(text)
    return Report(counts, outcome, reason.strip(),
                  tuple(map(int, valid.group(1).split())) if valid else (), reached,
                  int(cand.group(1)) if cand and outcome is not None else None)
