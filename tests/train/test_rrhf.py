"""RRHF: the ranking loss and the choice of the best candidate against values computed by
hand; real steps on a tiny Llama raise the likelihood of the best-rewarded candidate (the
known target) and lower the ranking loss."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.data import target_completion  # noqa: E402
from llmcc.train.loop import load_run_policy, prepare_run, train  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402
from llmcc.train.rrhf import RRHF, best_index, rank_loss  # noqa: E402


def test_rank_loss_by_hand():
    scores = torch.tensor([0.5, -0.2, 0.1])
    rewards = torch.tensor([1.0, 2.0, 0.0])
    # worse < better pairs: (0, 1): relu(.5 + .2) = .7; (2, 0): relu(.1 - .5) = 0;
    # (2, 1): relu(.1 + .2) = .3
    assert float(rank_loss(scores, rewards)) == pytest.approx(1.0)
    # equal rewards are not ranked
    assert float(rank_loss(scores, torch.tensor([1.0, 1.0, 1.0]))) == 0.0


def test_best_index_prefers_the_target_on_a_tie():
    assert best_index([1.0, 3.0, 3.0], preferred=2) == 2
    assert best_index([1.0, 3.0, 3.0], preferred=0) == 1
    assert best_index([1.0, 3.0, 3.0], preferred=None) == 1


def is_target(tasks, completions):
    """1 for the task's known faster version, 0 for anything else."""
    return [1.0 if c == target_completion(t) else 0.0 for t, c in zip(tasks, completions,
                                                                     strict=True)]


def test_rrhf_learns_the_best_candidate(tiny_model, toy_tasks, tmp_path):
    config = TrainConfig(algo="rrhf", steps=12, batch_size=4, samples=2, max_new_tokens=6,
                         lr=1e-2, save_every=100)
    run = prepare_run(config, tiny_model, toy_tasks, str(tmp_path / "out"), resume=False)
    rrhf = RRHF(run, load_run_policy(run), is_target)
    before = [p.detach().clone() for p in rrhf.policy.parameters()]
    train(run, rrhf)
    log = read_log(str(tmp_path / "out" / "train-log.jsonl"))
    assert len(log) == 12
    assert all(r["candidates"] == 4 * (2 + 1 + 1) for r in log)  # samples, greedy, target
    assert log[-1]["sft_loss"] < 0.5 * log[0]["sft_loss"]
    assert log[0]["rank_loss"] > 0
    assert log[-1]["rank_loss"] < log[0]["rank_loss"]
    assert any(not torch.equal(a, b) for a, b in zip(before, rrhf.policy.parameters(),
                                                      strict=True))
