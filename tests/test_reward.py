"""llmcc.reward on real functions: garbage, broken, slow, copied and fast answers come out in
that order under every design; the cache, the worker pool and verl's entry points."""

from __future__ import annotations

import json

import pytest
from reward_cases import ORDER, answers, build_task

from llmcc import reward
from llmcc.dataset.judge import Judgement
from llmcc.errors import LlmccError
from llmcc.outcome import Outcome


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reward")
    task = build_task(folder)
    return task, answers(task)


@pytest.fixture(scope="module")
def judged(case, tmp_path_factory):
    """Every answer judged once, in two worker processes, into a fresh cache."""
    task, by_name = case
    cache = tmp_path_factory.mktemp("reward-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(reward.CACHE_ENV, str(cache))
        got = reward.score_batch([task] * len(ORDER), [by_name[n] for n in ORDER], "guided",
                                 workers=2)
    return dict(zip(ORDER, got, strict=True)), cache


def test_each_answer_is_judged_for_what_it_is(judged):
    r, _ = judged
    j = {name: got.judgement for name, got in r.items()}
    assert j["garbage"].outcome is Outcome.PARSE_ERROR and not j["garbage"].compiled
    assert j["broken"].outcome is Outcome.TEST_MISMATCH and j["broken"].compiled
    assert r["copy"].correct and not r["copy"].changed and j["copy"].stage == "copy"
    assert r["copy"].speedup is None  # a copy is never timed: no noise to earn
    assert r["slow"].correct and j["slow"].outcome is Outcome.SLOWER
    assert r["slow"].speedup < 1
    assert j["fast"].faster and j["fast"].outcome is Outcome.ACCEPTED
    assert j["fast"].speedup.low > 1.5  # SWAR against a loop over up to 64 bits


def test_guided_ranks_garbage_broken_slow_copy_fast(judged):
    r, _ = judged
    values = [r[name].value for name in ORDER]
    assert values == sorted(values) and len(set(values)) == len(values), values
    assert r["garbage"].value == reward.GUIDED_UNUSABLE
    assert reward.GUIDED_WRONG_LOW <= r["broken"].value <= reward.GUIDED_WRONG_HIGH
    assert r["copy"].value == reward.GUIDED_CORRECT  # no speedup credit for a copy
    # the credit of a significant win is log of the interval's lower end: no clamp, no bonus
    assert r["fast"].value == pytest.approx(
        1 + __import__("math").log(r["fast"].judgement.speedup.low))


def test_other_designs_keep_the_order(judged, case):
    task, by_name = case
    r, cache = judged
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(reward.CACHE_ENV, str(cache))
        for design in ("speedup", "perfrl"):
            values = [reward.score(task, by_name[n], design).value for n in ORDER]
            assert values == sorted(values), (design, values)
            assert values[-1] > values[-2]  # only the real speedup earns the top
    assert [reward.value(Judgement.from_json(r[n].judgement.as_json()), "perfrl")
            for n in ORDER] == [0.0, 1.0, 2.0, 2.0, 3.0]


def test_a_judged_answer_comes_from_the_cache_even_under_another_design(judged, case):
    task, by_name = case
    r, cache = judged
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(reward.CACHE_ENV, str(cache))
        again = reward.score(task, by_name["fast"].replace("faster", "quicker"), "speedup")
    assert again.cached and again.speedup == r["fast"].speedup
    assert again.value == pytest.approx(r["fast"].judgement.speedup.low)


def test_a_cosmetic_change_is_the_same_cache_entry(case):
    task, by_name = case
    text = by_name["broken"].split("```asm\n")[1].split("```")[0]
    assert reward.cache_key(task, text) == reward.cache_key(task, text.replace("\t", "  "))
    assert reward.cache_key(task, text) != reward.cache_key(task, text.replace("$55", "$54"))


def test_compute_score_reads_the_task_from_ground_truth_or_extra_info(case, tmp_path,
                                                                      monkeypatch):
    task, by_name = case
    monkeypatch.setenv(reward.CACHE_ENV, "off")
    as_json = json.dumps(task)
    assert reward.compute_score("llmcc", by_name["garbage"], as_json) == -1.0
    assert reward.compute_score("llmcc", by_name["copy"], "", {"task": task}) == 1.0
    assert reward.compute_score("llmcc", by_name["copy"], as_json,
                                {"reward_design": "perfrl"}) == 2.0
    assert reward.compute_score_batch(["llmcc"] * 2, [by_name["garbage"], by_name["copy"]],
                                      [as_json] * 2, [None, None]) == [-1.0, 1.0]
    with pytest.raises(LlmccError, match="carries a task"):
        reward.compute_score("llmcc", "x", "not a task", None)


def test_an_unknown_design_is_refused_before_any_work(case):
    task, by_name = case
    with pytest.raises(LlmccError, match="unknown reward design 'fastest'"):
        reward.score_batch([task], [by_name["fast"]], "fastest")


def test_a_task_that_does_not_compile_here_is_a_task_error(case):
    task, by_name = case
    bad = {**task, "id": "bad", "unit": "int bits(long x) { return x +; }"}
    with pytest.raises(LlmccError, match="task bad"):
        reward.score(bad, by_name["fast"])
