"""`llmcc train` end to end, in process: SFT and PPO (with llmcc's own reward) on a tiny
Llama, the summary and OUT as a model folder; bad input gives one line naming the file and a
non-zero exit, and leaves no checkpoint behind."""

from __future__ import annotations

import json
import os
import shutil

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from train_toys import toy_task, write_tasks

from llmcc.cli.main import main
from llmcc.train import checkpoint
from llmcc.train.metrics import read_log


def llmcc(*args: str) -> int:
    return main(["llmcc", "train", *args])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("llmcc train: error: ")
    return err[0]


def test_sft_from_the_command_line(tiny_model, toy_tasks, tmp_path, capsys):
    from transformers import AutoModelForCausalLM

    out = str(tmp_path / "out")
    assert llmcc("--algo", "sft", "--model", tiny_model, "--data", toy_tasks, "--out", out,
                 "--steps", "2", "--batch-size", "2", "--lr", "1e-3") == 0
    text = capsys.readouterr().out
    assert "sft steps 1..2 done" in text and "loss" in text
    AutoModelForCausalLM.from_pretrained(out)
    assert llmcc("--algo", "sft", "--model", tiny_model, "--data", toy_tasks, "--out", out,
                 "--steps", "3", "--batch-size", "2", "--resume", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["first_step"], result["last_step"]) == (2, 3)
    assert llmcc("--algo", "sft", "--model", tiny_model, "--data", toy_tasks, "--out", out,
                 "--steps", "3", "--batch-size", "2", "--resume") == 0
    assert "already at step 3" in capsys.readouterr().out


def test_ppo_with_llmccs_reward(tiny_model, toy_tasks, tmp_path, monkeypatch):
    # the tiny model's 4 random tokens hold no assembly for toy_fn: every answer is unusable
    # (-1 in the guided design), settled without running gcc
    monkeypatch.setenv("LLMCC_REWARD_CACHE", "off")
    out = tmp_path / "out"
    assert llmcc("--algo", "ppo", "--model", tiny_model, "--data", toy_tasks, "--out",
                 str(out), "--steps", "1", "--batch-size", "2", "--samples", "2",
                 "--max-new-tokens", "4", "--reward-workers", "1") == 0
    (record,) = read_log(str(out / "train-log.jsonl"))
    assert record["reward_mean"] == -1.0 and record["pass_rate"] == 0.0
    assert checkpoint.latest(str(out)).step == 1


@pytest.mark.parametrize("content, says", [
    ("", "no tasks"),
    ('{"id": "x", "kind": "function"\n', "line 1: not JSON"),
    ("[1, 2]\n", "line 1"),
])
def test_bad_tasks_file(tiny_model, tmp_path, capsys, content, says):
    data = tmp_path / "tasks.jsonl"
    data.write_text(content)
    out = tmp_path / "out"
    assert llmcc("--model", tiny_model, "--data", str(data), "--out", str(out)) == 1
    line = one_error_line(capsys)
    assert str(data) in line and says in line
    assert not out.exists()


def test_missing_tasks_file_and_no_training_split(tiny_model, tmp_path, capsys):
    assert llmcc("--model", tiny_model, "--data", str(tmp_path / "none.jsonl"), "--out",
                 str(tmp_path / "out")) == 1
    assert "none.jsonl" in one_error_line(capsys)
    data = write_tasks(tmp_path / "eval.jsonl", [toy_task(0, split="eval")])
    assert llmcc("--model", tiny_model, "--data", data, "--out", str(tmp_path / "out")) == 1
    assert "split 'train'" in one_error_line(capsys)


def test_model_folder_that_does_not_load(tiny_model, toy_tasks, tmp_path, capsys):
    missing = str(tmp_path / "nomodel")
    assert llmcc("--model", missing, "--data", toy_tasks, "--out", str(tmp_path / "o1")) == 1
    assert missing in one_error_line(capsys)

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    with open(broken / "model.safetensors", "r+b") as fh:
        fh.truncate(100)
    out = tmp_path / "o2"
    assert llmcc("--algo", "sft", "--model", str(broken), "--data", toy_tasks, "--out",
                 str(out)) == 1
    line = one_error_line(capsys)
    assert str(broken) in line and "does not load" in line
    assert checkpoint.latest(str(out)) is None
    assert not os.path.exists(out / "model.safetensors")


def test_bad_settings_and_a_taken_output_folder(tiny_model, toy_tasks, tmp_path, capsys):
    assert llmcc("--model", tiny_model, "--data", toy_tasks, "--out", str(tmp_path / "o"),
                 "--steps", "0") == 1
    assert "steps must be a whole number" in one_error_line(capsys)
    assert llmcc("--model", tiny_model, "--data", toy_tasks, "--out", tiny_model) == 1
    assert "not empty" in one_error_line(capsys)


def test_engine_verl_writes_the_files_and_prints_the_command(toy_tasks, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    out = tmp_path / "verl"
    assert llmcc("--engine", "verl", "--model", "/models/qwen", "--data", toy_tasks, "--out",
                 str(out), "--samples", "4", "--gpus", "8",
                 "--verl-arg", "trainer.save_freq=10") == 0
    text = capsys.readouterr().out
    assert "verl.trainer.main_ppo" in text and "trainer.n_gpus_per_node=8" in text
    assert "actor_rollout_ref.rollout.n=4" in text and "trainer.save_freq=10" in text
    assert (out / "train.parquet").exists() and (out / "run_verl.sh").exists()
    assert llmcc("--engine", "verl", "--algo", "sft", "--model", "/m", "--data", toy_tasks,
                 "--out", str(tmp_path / "v2")) == 1
    assert "--algo ppo" in one_error_line(capsys)
