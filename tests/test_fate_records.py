"""The records a candidate's fate is told in, at their JSON boundaries: a Speedup reads as the
cache and the reports show it, a Verdict and a Judgement come back from their JSON as they
went in, and an outcome this llmcc does not know is never read as an acceptance."""

from __future__ import annotations

import json
import math

from llmcc.dataset.judge import Judgement
from llmcc.outcome import Outcome
from llmcc.records import Candidate, Counts, Speedup, Verdict
from llmcc.timing.stats import Interval


def test_a_speedup_is_described_with_its_interval_when_it_has_one():
    assert Speedup(1.2041, 1.1649, 1.2462).describe() == "1.204x [1.165, 1.246]"
    assert Speedup(1.5).describe() == "1.500x"
    assert Speedup(1.5).as_json() == {"median": 1.5}
    assert Speedup(1.23456789, 1.1, 1.3).rounded().as_json() == \
        {"median": 1.2346, "ci_low": 1.1, "ci_high": 1.3}
    assert Speedup.from_json({"median": 2.0, "ci_low": 1.9, "ci_high": 2.1}) == \
        Speedup(2.0, 1.9, 2.1)
    for bad in (None, {}, {"median": "2"}, {"median": True}, []):
        assert Speedup.from_json(bad) is None


def test_an_interval_of_log_ratios_reads_as_speedups():
    s = Interval(-math.log(2.0), -math.log(2.5), -math.log(1.5)).as_speedup()
    assert (round(s.median, 9), round(s.low, 9), round(s.high, 9)) == (2.0, 1.5, 2.5)


def test_a_verdict_comes_back_from_its_json():
    cand = Candidate("f", "\tret\n", "variants:-O2")
    v = Verdict(cand, Outcome.ACCEPTED, "timing", "why", Speedup(1.23456, 1.1, 1.4),
                Counts(12, 10, 0), timing={"rounds": 10})
    data = json.loads(json.dumps(v.as_json()))
    assert data == {"outcome": "accepted", "stage": "timing", "reason": "why",
                    "tests": {"run": 12, "valid": 10, "failed": 0},
                    "speedup": {"median": 1.2346, "ci_low": 1.1, "ci_high": 1.4}}
    back = Verdict.from_json(cand, data)
    assert back == v._replace(speedup=Speedup(1.2346, 1.1, 1.4), timing=None)
    newer = Verdict.from_json(cand, {**data, "outcome": "accepted_by_a_newer_llmcc"})
    assert newer.outcome is Outcome.PROPOSER_FAILED and not newer.accepted


def test_a_judgement_comes_back_from_its_json_unrounded():
    """The reward cache and the worker processes: rewards are computed from the speedup,
    so it crosses whole."""
    j = Judgement(Outcome.SLOWER, "timing", "slow", speedup=Speedup(0.123456789, 0.1, 0.2),
                  tests_passed=7, tests_total=7)
    assert Judgement.from_json(json.loads(json.dumps(j.as_json()))) == j
    assert j.correct and j.compiled and not j.faster
    bare = Judgement(Outcome.PARSE_ERROR, "parse")
    assert Judgement.from_json(bare.as_json()) == bare
