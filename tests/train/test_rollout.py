"""Rollouts: packing prompts and completions into padded batches (the completion mask marks
exactly the predicted completion tokens), local sampling cut at the end-of-sequence token,
and --generate-with: completions from an OpenAI-compatible server, one seeded request each."""

from __future__ import annotations

import os
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "propose"))
from stub_server import StubServer  # noqa: E402
from train_toys import starts_with_letter, toy_task  # noqa: E402

from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.loop import load_run_policy, prepare_run, train  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402
from llmcc.train.model import load_tokenizer  # noqa: E402
from llmcc.train.ppo import PPO  # noqa: E402
from llmcc.train.rollout import GenerationServerError, pack, sample  # noqa: E402


def test_pack_masks_the_predicted_completion_tokens():
    seqs = pack([[1, 2, 3], [4]], [[5, 6], [7, 8, 9]], pad_id=0)
    assert seqs.input_ids.tolist() == [[1, 2, 3, 5, 6], [4, 7, 8, 9, 0]]
    assert seqs.attention_mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]
    # position j predicts token j + 1: row 0 predicts 5 at j=2 and 6 at j=3
    assert seqs.mask.tolist() == [[0, 0, 1, 1], [1, 1, 1, 0]]


def test_local_samples_end_at_the_end_of_sequence(tiny_model):
    from transformers import AutoModelForCausalLM

    tok = load_tokenizer(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    config = TrainConfig(max_new_tokens=5)
    tasks = [toy_task(1), toy_task(2), toy_task(3)]
    torch.manual_seed(0)
    ro = sample(model, tok, tasks, 2, config, step=0)
    assert len(ro.completion_ids) == len(ro.texts) == len(ro.prompt_ids) == 6
    assert ro.prompt_ids[0] == ro.prompt_ids[1] == list(tok(tasks[0]["prompt"]).input_ids)
    for ids in ro.completion_ids:
        assert 1 <= len(ids) <= 5
        assert tok.eos_token_id not in ids[:-1]
    greedy = sample(model, tok, tasks, 2, config, step=0, greedy=True)
    again = sample(model, tok, tasks, 2, config, step=1, greedy=True)
    assert len(greedy.texts) == 3 and greedy.completion_ids == again.completion_ids


def test_ppo_with_rollouts_from_a_server(tiny_model, toy_tasks, tmp_path):
    with StubServer(["Hello there", "42 is no letter"]) as server:
        config = TrainConfig(algo="ppo", steps=1, batch_size=2, samples=2, max_new_tokens=8,
                             lr=1e-3, generate_with=server.url, generate_model="m")
        run = prepare_run(config, tiny_model, toy_tasks, str(tmp_path / "out"), False)
        train(run, PPO(run, load_run_policy(run), starts_with_letter))
    assert len(server.requests) == 4
    assert all(r.path == "/v1/completions" for r in server.requests)
    assert {r.body["prompt"] for r in server.requests} <= {t["prompt"] for t in run.tasks}
    assert len(set(server.seeds())) == 4 and all(r.body["model"] == "m"
                                                 for r in server.requests)
    (record,) = read_log(str(tmp_path / "out" / "train-log.jsonl"))
    assert record["reward_mean"] == 0.25  # only the first answer starts with a letter


def test_a_server_that_is_down_is_one_clear_error(tiny_model, toy_tasks, tmp_path):
    with StubServer() as server:
        url = server.url
    config = TrainConfig(algo="rrhf", steps=1, batch_size=1, samples=1, generate_with=url)
    run = prepare_run(config, tiny_model, toy_tasks, str(tmp_path / "out"), False)
    with pytest.raises(GenerationServerError, match=url):
        sample(None, run.tokenizer, run.tasks[:1], 1, config, step=0)
