"""Checkpoints and resuming: a checkpoint appears whole or not at all, OUT is a model folder
transformers loads, an interrupted run resumed from its last checkpoint ends with exactly the
weights of an uninterrupted one, and an output folder is never taken over by mistake."""

from __future__ import annotations

import json
import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from train_toys import starts_with_letter  # noqa: E402

from llmcc.train import checkpoint  # noqa: E402
from llmcc.train.checkpoint import OutputDirError  # noqa: E402
from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.loop import load_run_policy, prepare_run, train  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402
from llmcc.train.ppo import PPO  # noqa: E402


def _config(**kw) -> TrainConfig:
    base = dict(algo="ppo", steps=4, batch_size=4, samples=2, max_new_tokens=4, lr=1e-2,
                critic_lr=1e-2, save_every=2, keep_checkpoints=2)
    return TrainConfig(**{**base, **kw})


def _run(tiny_model, data, out, reward=starts_with_letter, resume=False, **kw):
    run = prepare_run(_config(**kw), tiny_model, data, str(out), resume=resume)
    ppo = PPO(run, load_run_policy(run), reward)
    return train(run, ppo), ppo


def _weights(folder) -> dict:
    from safetensors.torch import load_file

    return load_file(os.path.join(folder, "model.safetensors"))


def test_a_failed_write_leaves_no_checkpoint(tmp_path):
    out = str(tmp_path / "out")
    checkpoint.prepare(out, resume=False, algo="ppo")

    def write(folder):
        with open(os.path.join(folder, "model.safetensors"), "w") as fh:
            fh.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        checkpoint.save(out, 5, {"algo": "ppo"}, write, keep=2)
    assert checkpoint.latest(out) is None
    assert os.listdir(os.path.join(out, "checkpoints")) == []
    assert not os.path.exists(os.path.join(out, "model.safetensors"))


def test_leftovers_of_an_interrupted_checkpoint_are_never_read(tmp_path):
    out = tmp_path / "out"
    partial = out / "checkpoints" / ".tmp-step-9-123-abcd"
    partial.mkdir(parents=True)
    (partial / "llmcc-train.json").write_text(json.dumps({"algo": "ppo", "step": 9}))
    assert checkpoint.latest(str(out)) is None
    checkpoint.prepare(str(out), resume=False, algo="ppo")
    assert not partial.exists()


def test_resume_after_interruption_matches_an_uninterrupted_run(tiny_model, toy_tasks,
                                                                 tmp_path):
    whole, _ = _run(tiny_model, toy_tasks, tmp_path / "whole")
    assert whole.last_step == 4

    calls = []

    def interrupted(tasks, completions):
        calls.append(1)
        if len(calls) == 3:  # during step 3: the checkpoint of step 2 is the last
            raise KeyboardInterrupt
        return starts_with_letter(tasks, completions)

    out = tmp_path / "broken"
    with pytest.raises(KeyboardInterrupt):
        _run(tiny_model, toy_tasks, out, reward=interrupted)
    assert checkpoint.latest(str(out)).step == 2
    assert [r["step"] for r in read_log(str(out / "train-log.jsonl"))] == [1, 2]

    with pytest.raises(OutputDirError, match="--resume"):
        _run(tiny_model, toy_tasks, out)
    resumed, _ = _run(tiny_model, toy_tasks, out, resume=True)
    assert (resumed.first_step, resumed.last_step) == (2, 4)
    assert [r["step"] for r in read_log(str(out / "train-log.jsonl"))] == [1, 2, 3, 4]
    a, b = _weights(tmp_path / "whole"), _weights(out)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)  # the same steps, bit for bit
    assert [c.step for c in checkpoint.checkpoints(str(out))] == [2, 4]


def test_out_is_a_model_folder_of_the_last_checkpoint(tiny_model, toy_tasks, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "out"
    _, ppo = _run(tiny_model, toy_tasks, out, steps=3, save_every=1, keep_checkpoints=2)
    assert [c.step for c in checkpoint.checkpoints(str(out))] == [2, 3]
    marker = json.loads((out / "llmcc-train.json").read_text())
    assert marker["step"] == 3 and marker["algo"] == "ppo"
    assert not (out / "state.pt").exists()  # the optimizer stays in the checkpoint
    model = AutoModelForCausalLM.from_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(out))
    for (name, p), q in zip(ppo.policy.named_parameters(), model.parameters(), strict=True):
        assert torch.equal(p.detach(), q), name
    # and training continues from it: OUT is a --model like any other
    more, _ = _run(str(out), toy_tasks, tmp_path / "more", steps=1)
    assert more.last_step == 1
    assert (out / "train-log.svg").exists() or (out / "train-log.png").exists()


def test_an_output_folder_is_not_taken_over(tiny_model, toy_tasks, tmp_path):
    with pytest.raises(OutputDirError, match="not empty"):
        prepare_run(_config(), tiny_model, toy_tasks, tiny_model, resume=False)
    out = tmp_path / "out"
    _run(tiny_model, toy_tasks, out, steps=2)
    with pytest.raises(OutputDirError, match="not rrhf"):
        prepare_run(_config(algo="rrhf"), tiny_model, toy_tasks, str(out), resume=True)
    with pytest.raises(OutputDirError, match="lora"):
        prepare_run(_config(lora=True), tiny_model, toy_tasks, str(out), resume=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputDirError, match="not a folder"):
        prepare_run(_config(), tiny_model, toy_tasks, str(tmp_path / "file"), resume=False)
