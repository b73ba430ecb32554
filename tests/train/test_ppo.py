"""PPO: GAE, the clipped losses and whitening against values computed by hand; on a toy task
set where one class of outputs is rewarded, real PPO steps on a tiny Llama raise the reward;
the separate critic, the KL penalty and LoRA run and change what they should."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from train_toys import starts_with_letter  # noqa: E402

from llmcc.train.config import TrainConfig  # noqa: E402
from llmcc.train.loop import load_run_policy, prepare_run, train  # noqa: E402
from llmcc.train.metrics import read_log  # noqa: E402
from llmcc.train.ppo import (  # noqa: E402
    PPO,
    gae,
    last_positions,
    policy_loss,
    value_loss,
    whiten,
)


def t(rows):
    return torch.tensor(rows, dtype=torch.float32)


# -- the pure pieces ------------------------------------------------------------------------

def test_gae_with_gamma_lambda_one_is_reward_minus_value():
    # position 0 is the prompt's last token; 1..3 the completion; the reward on the last
    rewards, values, mask = t([[0, 0, 0, 1]]), t([[0.5, 0.2, 0.4, 0.6]]), t([[0, 1, 1, 1]])
    adv, ret = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    assert adv.tolist()[0] == pytest.approx([0.0, 0.8, 0.6, 0.4])
    assert ret.tolist()[0] == pytest.approx([0.0, 1.0, 1.0, 1.0])


def test_gae_discounted_and_padded_rows_by_hand():
    rewards = t([[0, 0, 0, 1], [0, 0, 2, 0]])
    values = t([[0.5, 0.2, 0.4, 0.6], [0.1, 0.3, 0.5, 0.7]])
    mask = t([[0, 1, 1, 1], [0, 1, 1, 0]])  # the second row ends one token early (padding)
    adv, ret = gae(rewards, values, mask, gamma=0.9, lam=0.5)
    # row 0: t3: 1 - .6 = .4; t2: (.9*.6 - .4) + .45*.4 = .32; t1: (.9*.4 - .2) + .45*.32
    assert adv[0].tolist() == pytest.approx([0.0, 0.304, 0.32, 0.4])
    # row 1: t2: 2 - .5 = 1.5 (no value after the end); t1: (.9*.5 - .3) + .45*1.5 = .825
    assert adv[1].tolist() == pytest.approx([0.0, 0.825, 1.5, 0.0])
    assert ret[1].tolist() == pytest.approx([0.0, 1.125, 2.0, 0.0])


def test_gae_of_an_empty_mask_is_zero():
    adv, ret = gae(t([[1.0, 2.0]]), t([[0.5, 0.5]]), t([[0, 0]]), 1.0, 1.0)
    assert adv.abs().sum() == 0 and ret.abs().sum() == 0


def test_policy_loss_clips_as_computed_by_hand():
    ratios = t([[1.5, 0.5, 1.1, 9.0]])
    old = t([[-1.0, -2.0, -0.5, -1.0]])
    logp = (old + ratios.log()).requires_grad_()
    adv = t([[1.0, 1.0, -1.0, 5.0]])
    mask = t([[1, 1, 1, 0]])  # the last token is padding: it must not count
    loss, clipfrac = policy_loss(logp, old, adv, mask, clip=0.2)
    # max(-A r, -A clip(r)): 1.5 -> -1.2 (clipped), 0.5 -> -0.5, 1.1 (A<0) -> 1.1
    assert float(loss.detach()) == pytest.approx((-1.2 - 0.5 + 1.1) / 3)
    assert float(clipfrac) == pytest.approx(1 / 3)
    loss.backward()
    grad = logp.grad[0].tolist()
    assert grad[0] == 0.0  # clipped: no gradient
    assert grad[1] == pytest.approx(-0.5 / 3)  # d(-A r)/dlogp = -A r / n
    assert grad[2] == pytest.approx(1.1 / 3)
    assert grad[3] == 0.0  # masked


def test_value_loss_clips_as_computed_by_hand():
    values = t([[1.0, 0.0]])
    old, returns, mask = t([[0.5, 0.5]]), t([[1.0, 1.0]]), t([[1, 1]])
    loss, clipfrac = value_loss(values, old, returns, mask, clip=0.2)
    # token 0: clipped value .7 -> .09 beats 0; token 1: plain 1.0 beats clipped .3 -> .49
    assert float(loss) == pytest.approx(0.5 * (0.09 + 1.0) / 2)
    assert float(clipfrac) == pytest.approx(0.5)


def test_whiten_and_last_positions():
    x, mask = t([[9.0, 1.0, 2.0, 3.0], [9.0, 4.0, 5.0, 9.0]]), t([[0, 1, 1, 1], [0, 1, 1, 0]])
    w = whiten(x, mask)
    kept = w[mask > 0]
    assert float(kept.mean()) == pytest.approx(0.0, abs=1e-6)
    assert float(kept.var(unbiased=False)) == pytest.approx(1.0, abs=1e-4)
    assert float(w[0, 0]) == 0.0 and float(w[1, 3]) == 0.0
    assert last_positions(mask).tolist() == [3, 2]


# -- real steps on a tiny model -------------------------------------------------------------

def _config(**kw) -> TrainConfig:
    base = dict(algo="ppo", steps=60, batch_size=8, samples=4, max_new_tokens=4, lr=1e-2,
                critic_lr=1e-2, save_every=1000, keep_checkpoints=1)
    return TrainConfig(**{**base, **kw})


def _ppo(config, tiny_model, toy_tasks, out, reward=starts_with_letter):
    run = prepare_run(config, tiny_model, toy_tasks, str(out), resume=False)
    return run, PPO(run, load_run_policy(run), reward)


def test_ppo_raises_the_mean_reward_of_a_rewarded_output(tiny_model, toy_tasks, tmp_path):
    run, ppo = _ppo(_config(), tiny_model, toy_tasks, tmp_path / "out")
    train(run, ppo)
    rewards = [r["reward_mean"] for r in read_log(str(tmp_path / "out" / "train-log.jsonl"))]
    assert len(rewards) == 60
    first, last = sum(rewards[:10]) / 10, sum(rewards[-10:]) / 10
    # a random tiny model starts near 0.4 (the share of tokens that begin with a letter)
    assert first < 0.6
    assert last >= 0.85 and last >= first + 0.3


def test_separate_critic_and_kl_penalty(tiny_model, toy_tasks, tmp_path):
    config = _config(steps=3, critic="model", kl_coef=0.5, ppo_epochs=2, minibatch_size=8)
    run, ppo = _ppo(config, tiny_model, toy_tasks, tmp_path / "out")
    trunk = [p.detach().clone() for p in ppo.critic.backbone.parameters()]
    before = [p.detach().clone() for p in ppo.policy.parameters()]
    train(run, ppo)
    log = read_log(str(tmp_path / "out" / "train-log.jsonl"))
    assert all(r["kl_ref"] is not None for r in log)
    assert log[0]["kl_ref"] == pytest.approx(0.0, abs=1e-5)  # the policy starts as the ref
    assert any(abs(r["kl_ref"]) > 1e-6 for r in log[1:])
    assert any(not torch.equal(a, b) for a, b in zip(trunk, ppo.critic.backbone.parameters(),
                                                      strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(before, ppo.policy.parameters(),
                                                      strict=True))
    # 4 minibatches a step (2 epochs x 32 completions / 8): some clipping happened with lr 1e-2
    assert any(r["clipfrac"] > 0 for r in log)


def test_lora_trains_adapters_only_and_saves_a_plain_model(tiny_model, toy_tasks, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "out"
    run, ppo = _ppo(_config(steps=2, lora=True, lora_r=4, lr=5e-2), tiny_model, toy_tasks, out)
    trainable = {n: p.detach().clone() for n, p in ppo.policy.named_parameters()
                 if p.requires_grad}
    frozen = {n: p.detach().clone() for n, p in ppo.policy.named_parameters()
              if not p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    train(run, ppo)
    now = dict(ppo.policy.named_parameters())
    assert any(not torch.equal(v, now[n]) for n, v in trainable.items())
    assert all(torch.equal(v, now[n]) for n, v in frozen.items())
    assert not (out / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(str(out))
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert not all(torch.equal(a, b) for a, b in zip(merged.parameters(), base.parameters(),
                                                     strict=True))
