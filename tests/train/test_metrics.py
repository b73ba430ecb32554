"""What a run records: reward summaries (no clamping of speedups, unknowns left unknown),
the step log cut back on resume, the SVG plot, and batches that depend on (seed, step) only."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from llmcc.dataset.judge import Judgement
from llmcc.outcome import Outcome
from llmcc.records import Speedup
from llmcc.reward import Reward
from llmcc.train.data import batch_for_step, target_completion
from llmcc.train.metrics import StepLog, panels, read_log, score, summarize, svg


def test_summaries_of_plain_values_leave_pass_rate_unknown():
    s = summarize(score(lambda tasks, comps: [1.0, 0.0, 0.5], [{}] * 3, ["a", "b", "c"]))
    assert s["reward_mean"] == pytest.approx(0.5)
    assert s["reward_max"] == 1.0
    assert s["pass_rate"] is None and s["speedup_geomean"] is None


def test_summaries_of_rewards_keep_slowdowns():
    rewards = [Reward(1.4, Judgement(Outcome.ACCEPTED, "timing", speedup=Speedup(2.0))),
               Reward(0.5, Judgement(Outcome.NOT_FASTER, "timing", speedup=Speedup(0.5))),
               Reward(-1.0, Judgement(Outcome.PARSE_ERROR, "parse"))]
    s = summarize(score(lambda tasks, comps: rewards, [{}] * 3, ["a", "b", "c"]))
    assert s["pass_rate"] == pytest.approx(2 / 3)
    assert s["speedup_geomean"] == pytest.approx(1.0)  # sqrt(2 * 0.5): no clamp at 1
    with pytest.raises(ValueError, match="2 values for 3"):
        score(lambda tasks, comps: [1.0, 2.0], [{}] * 3, ["a", "b", "c"])


def test_step_log_is_cut_back_to_the_resumed_step(tmp_path):
    log = StepLog(str(tmp_path))
    for step in range(1, 6):
        log.append({"step": step, "reward_mean": step / 10})
    assert len(read_log(log.path)) == 5
    again = StepLog(str(tmp_path), resume_step=3)
    assert [r["step"] for r in again.records()] == [1, 2, 3]
    assert StepLog(str(tmp_path)).records() == []  # a fresh run starts a fresh log


def test_svg_plot_is_well_formed():
    records = [{"step": i, "reward_mean": math.sin(i), "pass_rate": 0.1 * i,
                "policy_loss": 1.0 / i, "gen_s": 0.5} for i in range(1, 8)]
    chosen = panels(records)
    assert [title for title, _ in chosen] == ["reward", "losses", "seconds per step"]
    root = ET.fromstring(svg(records, chosen))
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 4  # reward_mean, pass_rate, policy_loss, gen_s
    assert all(len(pl.get("points").split()) == 7 for pl in lines)


def test_batches_cover_each_task_once_per_epoch_and_repeat_by_step():
    tasks = list(range(10))
    epoch = [t for step in range(5) for t in batch_for_step(tasks, 2, seed=3, step=step)]
    assert sorted(epoch) == tasks
    assert batch_for_step(tasks, 4, seed=3, step=7) == batch_for_step(tasks, 4, seed=3, step=7)
    assert batch_for_step(tasks, 4, seed=3, step=0) != batch_for_step(tasks, 4, seed=4, step=0)


def test_target_completion_closes_the_fence():
    assert target_completion({"best": {"text": "f:\n\tret"}}) == "f:\n\tret\n```"
    assert target_completion({"best": None}) is None
