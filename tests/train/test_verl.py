"""export_verl: verl's RL parquet files round-trip, the reward wiring loads compute_score the
way verl does (a file path, another module name) and scores answers, and the PPO command
carries the research's settings."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from reward_cases import answers, build_task

from llmcc.dataset.records import write_tasks
from llmcc.errors import LlmccError
from llmcc.train.verl import export_verl

pq = pytest.importorskip("pyarrow.parquet")
yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verl")
    task = build_task(folder)
    other = {**task, "id": task["id"] + "#2", "split": "eval"}
    tasks_path = folder / "tasks.jsonl"
    write_tasks(str(tasks_path), [task, other])
    out = folder / "out"
    return task, export_verl(str(tasks_path), str(out), "/models/qwen", design="guided",
                             n_gpus=4, batch_size=2)


def test_parquet_rows_round_trip(exported):
    task, ex = exported
    (row,) = pq.read_table(ex.train).to_pylist()
    assert row["data_source"] == "llmcc" and row["ability"]
    assert row["prompt"] == task["messages"]
    assert row["reward_model"]["style"] == "rule"
    assert json.loads(row["reward_model"]["ground_truth"]) == task
    assert row["extra_info"] == {"split": "train", "index": 0, "task_id": task["id"],
                                 "reward_design": "guided"}
    (held_out,) = pq.read_table(ex.eval).to_pylist()
    assert held_out["extra_info"]["task_id"] == task["id"] + "#2"


def _load_as_verl_does(path: str):
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_module"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["custom_module"]
    return module


def test_the_wired_compute_score_scores_rows(exported, monkeypatch):
    task, ex = exported
    monkeypatch.setenv("LLMCC_REWARD_CACHE", "off")
    with open(ex.wiring) as fh:
        wiring = yaml.safe_load(fh)
    fn = wiring["custom_reward_function"]
    assert fn["name"] == "compute_score" and wiring["reward_model"]["reward_manager"] == "naive"
    compute_score = getattr(_load_as_verl_does(fn["path"]), fn["name"])
    (row,) = pq.read_table(ex.train).to_pylist()
    by_name = answers(task)
    scores = {name: compute_score(row["data_source"], by_name[name],
                                  row["reward_model"]["ground_truth"], row["extra_info"])
              for name in ("garbage", "broken", "copy")}
    assert scores["garbage"] == -1.0 and scores["copy"] == 1.0
    assert -0.5 <= scores["broken"] <= -0.1


def test_the_command_has_the_research_settings(exported):
    _, ex = exported
    args = dict(a.split("=", 1) for a in ex.command[3:])
    assert ex.command[:3] == ["python3", "-m", "verl.trainer.main_ppo"]
    assert args["algorithm.adv_estimator"] == "gae"
    assert args["algorithm.gamma"] == args["algorithm.lam"] == "1.0"
    assert args["actor_rollout_ref.actor.clip_ratio"] == "0.2"
    assert args["actor_rollout_ref.actor.optim.lr"] == "1e-6"
    assert args["critic.optim.lr"] == "1e-5"
    assert args["actor_rollout_ref.actor.use_kl_loss"] == "False"
    assert args["algorithm.use_kl_in_reward"] == "False"
    assert args["data.train_files"] == ex.train and args["data.val_files"] == ex.eval
    assert args["actor_rollout_ref.model.path"] == args["critic.model.path"] == "/models/qwen"
    assert args["custom_reward_function.path"].endswith("llmcc/reward.py")
    assert args["trainer.n_gpus_per_node"] == "4"
    with open(ex.script) as fh:
        assert "verl.trainer.main_ppo" in fh.read()
    assert ex.command_line.startswith("python3 -m verl.trainer.main_ppo ")


def test_bad_requests(exported, tmp_path):
    task, _ = exported
    only_eval = tmp_path / "eval.jsonl"
    write_tasks(str(only_eval), [{**task, "split": "eval"}])
    with pytest.raises(LlmccError, match="no task in the train split"):
        export_verl(str(only_eval), str(tmp_path / "o"), "m")
    with pytest.raises(LlmccError, match="unknown reward design"):
        export_verl(str(only_eval), str(tmp_path / "o"), "m", design="fastest")
    with pytest.raises(LlmccError, match="must divide"):
        export_verl(str(only_eval), str(tmp_path / "o"), "m", batch_size=6, mini_batch_size=4)
    with pytest.raises(LlmccError, match="no such file"):
        export_verl(str(tmp_path / "none.jsonl"), str(tmp_path / "o"), "m")
    only_train = tmp_path / "train.jsonl"
    write_tasks(str(only_train), [task])
    again = export_verl(str(only_train), str(tmp_path / "o2"), "m", reward_manager="batch")
    assert again.notes == ("no eval split: validation runs on the train tasks",)
    assert "custom_reward_function.name=compute_score_batch" in again.command
