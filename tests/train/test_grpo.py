"""GRPO through TRL: llmcc's reward function behind TRL's reward signature; real GRPOTrainer
steps on a tiny Llama change the weights, land in llmcc's step log and checkpoints, and an
interrupted run resumes from its last checkpoint."""

from __future__ import annotations

import json
import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from train_toys import starts_with_letter, toy_task  # noqa: E402

from llmcc.dataset.judge import Judgement  # noqa: E402
from llmcc.outcome import Outcome  # noqa: E402
from llmcc.records import Speedup  # noqa: E402
from llmcc.reward import Reward  # noqa: E402
from llmcc.train import checkpoint  # noqa: E402
from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.grpo import TASK_COLUMN, log_record, train_grpo, trl_reward  # noqa: E402
from llmcc.train.loop import prepare_run  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402


def test_trl_reward_passes_tasks_and_logs_pass_rate_and_speedup():
    seen = {}

    def reward(tasks, completions):
        seen["tasks"], seen["completions"] = tasks, completions
        return [Reward(2.0, Judgement(Outcome.ACCEPTED, "timing", speedup=Speedup(1.5))),
                Reward(-1.0, Judgement(Outcome.PARSE_ERROR, "parse"))]

    logged = []
    fn = trl_reward(reward)
    tasks = [toy_task(1), toy_task(2)]
    values = fn(prompts=["p1", "p2"], completions=["a", "b"], completion_ids=[[1], [2]],
                **{TASK_COLUMN: [json.dumps(t) for t in tasks]},
                log_metric=lambda k, v: logged.append((k, v)), trainer_state=None)
    assert values == [2.0, -1.0]
    assert seen["tasks"] == tasks and seen["completions"] == ["a", "b"]
    assert dict(logged) == {"pass_rate": 0.5, "speedup_geomean": 1.5, "changed_rate": 1.0}


def test_log_record_renames_trl_keys():
    rec = log_record(3, {"reward": 0.5, "kl": 0.1, "completions/mean_length": 4, "x": "text"})
    assert rec == {"step": 3, "reward_mean": 0.5, "kl_ref": 0.1,
                   "completions_mean_length": 4.0}


def test_grpo_steps_change_the_model_and_resume(tiny_model, toy_tasks, tmp_path):
    from safetensors.torch import load_file

    out = str(tmp_path / "out")

    def config(steps):
        return TrainConfig(algo="grpo", steps=steps, batch_size=2, samples=4,
                           max_new_tokens=4, lr=1e-2, save_every=1, keep_checkpoints=3)

    result = train_grpo(prepare_run(config(2), tiny_model, toy_tasks, out, False),
                        starts_with_letter)
    assert result.last_step == 2
    log = read_log(os.path.join(out, "train-log.jsonl"))
    assert [r["step"] for r in log] == [1, 2]
    assert all(0.0 <= r["reward_mean"] <= 1.0 for r in log)
    assert [c.step for c in checkpoint.checkpoints(out)] == [1, 2]
    assert not os.path.exists(os.path.join(out, ".tmp-trl"))
    before = load_file(os.path.join(tiny_model, "model.safetensors"))
    after = load_file(os.path.join(out, "model.safetensors"))
    assert any(not torch.equal(before[k], after[k]) for k in before)

    resumed = train_grpo(prepare_run(config(3), tiny_model, toy_tasks, out, True),
                         starts_with_letter)
    assert (resumed.first_step, resumed.last_step) == (2, 3)
    assert [r["step"] for r in read_log(os.path.join(out, "train-log.jsonl"))] == [1, 2, 3]
    assert checkpoint.latest(out).step == 3
    with open(os.path.join(checkpoint.latest(out).path, "trainer_state.json")) as fh:
        state = json.load(fh)
    assert state["global_step"] == 3
