"""The differential harness's report is decoded from its codes alone: rewording the prose
of a message in the C changes no verdict (llmcc.verify.harness.report)."""

from __future__ import annotations

import pytest

from llmcc.outcome import Outcome
from llmcc.records import Counts
from llmcc.verify.harness.report import COUNTEREXAMPLE_KINDS, decode

# the harness's own phrases and others: whatever the words, only the kind code counts
WORDINGS = ["outputs differ", "candidate crashed", "candidate timed out",
            "candidate breaks the calling convention: callee-saved register changed",
            "the candidate's answer was not the baseline's", ""]


@pytest.mark.parametrize("kind", sorted(COUNTEREXAMPLE_KINDS))
@pytest.mark.parametrize("words", WORDINGS)
def test_rewording_a_counterexample_changes_no_verdict(kind, words):
    report = decode(f"COUNTEREXAMPLE {kind} test 7: {words} (first differing output byte 3): "
                    "n=1 \nCOUNTS run=8 valid=8 failed=1\n")
    assert report.outcome is COUNTEREXAMPLE_KINDS[kind]
    assert report.counts == Counts(8, 8, 1)
    assert report.reason.startswith(f"test 7: {words} (first")
    assert report.valid_inputs == ()


def test_an_unknown_kind_or_a_missing_counterexample_is_a_mismatch():
    unknown = decode("COUNTEREXAMPLE novel test 1: candidate crashed\n"
                     "COUNTS run=2 valid=2 failed=1\n")
    assert unknown.outcome is Outcome.TEST_MISMATCH
    silent = decode("COUNTS run=2 valid=2 failed=1\n")
    assert (silent.outcome, silent.reason) == (Outcome.TEST_MISMATCH, "outputs differ")


def test_a_clean_run_lists_its_valid_inputs():
    report = decode(f"COUNTS run=3 valid=2 failed=0\nVALID 0 {5 | 1 << 24}\n")
    assert (report.outcome, report.reason) == (None, "")
    assert report.valid_inputs == (0, 5 | 1 << 24)


def test_a_harness_that_did_not_finish_has_no_counts():
    assert decode("COUNTEREXAMPLE crash test 1: x\n").counts is None
