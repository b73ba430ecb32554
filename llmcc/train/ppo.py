"""PPO, llmcc's own (TRL no longer has one): an actor (the causal LM) and a critic (a value
head, on the actor's hidden states or on a copy of the model), the sequence reward on the
last token, GAE, clipped policy and value losses, an optional KL penalty to the frozen start.

The pure pieces (``gae``, ``policy_loss``, ``value_loss``, ``whiten``) are functions of
tensors, tested against values computed by hand.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from llmcc.train.loop import Run, adamw, optimize
from llmcc.train.metrics import RewardFn, score, summarize
from llmcc.train.model import device, is_peft, load_causal_lm
from llmcc.train.rollout import (
    Sequences,
    masked_mean,
    pack,
    sample,
    token_logprobs,
)

# -- the pure pieces -----------------------------------------------------------------------


def gae(rewards: Any, values: Any, mask: Any, gamma: float, lam: float) -> tuple[Any, Any]:
    """Generalized advantage estimates and returns, [N, T] each, for token rewards and
    values over positions where ``mask`` is 1 (each row's completion: one contiguous run).
    Positions outside it get 0; the value after a completion's last token is 0 (the episode
    ends there)."""
    import torch

    n, t_len = rewards.shape
    advantages = torch.zeros_like(rewards)
    running = torch.zeros(n, dtype=rewards.dtype, device=rewards.device)
    columns = mask.any(dim=0).nonzero()
    if len(columns) == 0:
        return advantages, advantages.clone()
    first, last = int(columns.min()), int(columns.max())
    for t in range(last, first - 1, -1):
        following = values[:, t + 1] * mask[:, t + 1] if t + 1 < t_len else 0.0
        delta = rewards[:, t] + gamma * following - values[:, t]
        running = (delta + gamma * lam * running) * mask[:, t]
        advantages[:, t] = running
    returns = (advantages + values) * mask
    return advantages, returns


def whiten(x: Any, mask: Any, eps: float = 1e-8) -> Any:
    """``x`` with mean 0 and variance 1 over the masked positions (0 elsewhere)."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    return (x - mean) * (var + eps).rsqrt() * mask


def policy_loss(logp: Any, old_logp: Any, advantages: Any, mask: Any,
                clip: float) -> tuple[Any, Any]:
    """PPO's clipped surrogate, token mean; and the share of tokens where clipping bound."""
    import torch

    ratio = torch.exp(logp - old_logp)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask)
    clipfrac = masked_mean((clipped > unclipped).float(), mask)
    return loss, clipfrac


def value_loss(values: Any, old_values: Any, returns: Any, mask: Any,
               clip: float) -> tuple[Any, Any]:
    """Half the clipped squared error of the values, token mean; and the clipped share."""
    import torch

    clipped_values = old_values + torch.clamp(values - old_values, -clip, clip)
    plain = (values - returns) ** 2
    clipped = (clipped_values - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(plain, clipped), mask)
    clipfrac = masked_mean((clipped > plain).float(), mask)
    return loss, clipfrac


def last_positions(mask: Any) -> Any:
    """Index of the last 1 in each row of ``mask`` (the completion's last token)."""
    import torch

    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    return (positions * (mask > 0)).max(dim=1).values


# -- the trainer ---------------------------------------------------------------------------


def _critic_class() -> Any:
    import torch

    class Critic(torch.nn.Module):
        """A value per position: a linear head on the actor's last hidden states (detached:
        the value loss trains the head only), or on a separate trunk (``backbone``)."""

        def __init__(self, hidden_size: int, backbone: Any = None, seed: int = 0) -> None:
            super().__init__()
            self.backbone = backbone
            self.head = torch.nn.Linear(hidden_size, 1)
            generator = torch.Generator().manual_seed(seed)  # the same head in every run
            torch.nn.init.normal_(self.head.weight, std=1.0 / (hidden_size + 1) ** 0.5,
                                  generator=generator)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, seqs: Sequences, actor_hidden: Any) -> Any:
            if self.backbone is None:
                hidden = actor_hidden.detach()
            else:
                hidden = self.backbone(input_ids=seqs.input_ids,
                                       attention_mask=seqs.attention_mask,
                                       use_cache=False).last_hidden_state[:, :-1]
            return self.head(hidden.float()).squeeze(-1)

    return Critic


def hidden_size(model: Any) -> int:
    size = getattr(model.config, "hidden_size", None)
    return int(size) if size else int(model.get_input_embeddings().embedding_dim)


def disable_dropout(model: Any) -> None:
    """PPO's ratios compare two passes over the same tokens: dropout would make them differ."""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0


class PPO:
    """PPO on ``run``'s tasks with ``policy`` (already loaded or resumed) and ``reward_fn``."""

    def __init__(self, run: Run, policy: Any, reward_fn: RewardFn) -> None:
        import torch

        self.run = run
        self.config = run.config
        self.policy = policy
        self.tokenizer = run.tokenizer
        self.reward_fn = reward_fn
        disable_dropout(policy)
        backbone = None
        if self.config.critic == "model":
            backbone = load_causal_lm(run.model_dir, base=True)
            disable_dropout(backbone)
        self.critic = _critic_class()(hidden_size(policy), backbone, self.config.seed).to(device())
        self.actor_opt = adamw(policy.parameters(), self.config.policy_lr)
        self.critic_opt = adamw(self.critic.parameters(), self.config.critic_lr)
        self.ref = None
        if self.config.kl_coef > 0 and not is_peft(policy):
            # the frozen start: --model itself (also when resuming from a later checkpoint)
            self.ref = load_causal_lm(run.model_dir) if run.resume else copy.deepcopy(policy)
            self.ref.eval()
            self.ref.requires_grad_(False)
        self._grad_params = [p for p in policy.parameters() if p.requires_grad] + \
            list(self.critic.parameters())
        self._torch = torch

    # -- the Algorithm protocol -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"actor_opt": self.actor_opt.state_dict(),
                "critic_opt": self.critic_opt.state_dict(),
                "critic": self.critic.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.critic.load_state_dict(state["critic"])
        self.actor_opt.load_state_dict(state["actor_opt"])
        self.critic_opt.load_state_dict(state["critic_opt"])

    def step(self, tasks: list[dict], step: int) -> dict[str, Any]:
        torch = self._torch
        cfg = self.config
        began = time.monotonic()
        rollouts = sample(self.policy, self.tokenizer, tasks, cfg.samples, cfg, step)
        generated = time.monotonic()
        repeated = [t for t in tasks for _ in range(cfg.samples)]
        scores = score(self.reward_fn, repeated, rollouts.texts)
        rewarded = time.monotonic()

        seqs = pack(rollouts.prompt_ids, rollouts.completion_ids, self.tokenizer.pad_token_id,
                    device())
        n = seqs.input_ids.shape[0]
        mb = cfg.minibatch_size or n
        # One gradient step on the whole batch: its own forward pass gives the old
        # log-probabilities and values (the ratio is 1 there), which saves a pass.
        single = cfg.ppo_epochs == 1 and mb >= n
        self.policy.train()
        if single:
            first = self._forward(seqs)
            old_logp, old_values = first[0].detach(), first[1].detach()
        else:
            with torch.no_grad():
                parts = [self._forward(_rows(seqs, slice(k, k + mb))) for k in range(0, n, mb)]
            old_logp = torch.cat([p[0] for p in parts])
            old_values = torch.cat([p[1] for p in parts])
        mask = seqs.mask
        rewards = torch.zeros_like(old_logp)
        rewards[torch.arange(n, device=mask.device), last_positions(mask)] = torch.tensor(
            scores.values, dtype=rewards.dtype, device=rewards.device)
        kl_ref = None
        if cfg.kl_coef > 0:
            per_token_kl = (old_logp - self._reference(seqs, mb)) * mask
            rewards = rewards - cfg.kl_coef * per_token_kl
            kl_ref = float(per_token_kl.sum() / n)
        advantages, returns = gae(rewards, old_values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            advantages = whiten(advantages, mask)

        stats: dict[str, list[float]] = {k: [] for k in
                                         ("policy_loss", "value_loss", "clipfrac", "vf_clipfrac",
                                          "approx_kl")}
        for _epoch in range(cfg.ppo_epochs):
            order = torch.randperm(n, device=mask.device)
            for start in range(0, n, mb):
                idx = order[start:start + mb]
                sub = _rows(seqs, idx)
                logp, values = (first[0][idx], first[1][idx]) if single else self._forward(sub)
                pg, clipfrac = policy_loss(logp, old_logp[idx], advantages[idx], sub.mask,
                                           cfg.clip)
                vf, vf_clipfrac = value_loss(values, old_values[idx], returns[idx], sub.mask,
                                             cfg.value_clip)
                optimize(pg + cfg.vf_coef * vf, (self.actor_opt, self.critic_opt),
                         self._grad_params, cfg.grad_clip)
                with torch.no_grad():
                    approx_kl = masked_mean(old_logp[idx] - logp, sub.mask)
                for key, value in (("policy_loss", pg), ("value_loss", vf),
                                   ("clipfrac", clipfrac), ("vf_clipfrac", vf_clipfrac),
                                   ("approx_kl", approx_kl)):
                    stats[key].append(float(value.detach()))
        updated = time.monotonic()
        record: dict[str, Any] = summarize(scores)
        record.update({k: sum(v) / len(v) for k, v in stats.items()})
        record.update({"value_mean": float(masked_mean(old_values, mask)),
                       "completion_tokens": float(mask.sum() / n), "kl_ref": kl_ref,
                       "gen_s": generated - began, "reward_s": rewarded - generated,
                       "update_s": updated - rewarded})
        return record

    def _forward(self, seqs: Sequences) -> tuple[Any, Any]:
        """The policy's log-probabilities and the critic's values for ``seqs``."""
        logp, hidden = token_logprobs(self.policy, seqs, self.config.temperature,
                                      hidden=self.critic.backbone is None)
        return logp, self.critic(seqs, hidden)

    def _reference(self, seqs: Sequences, mb: int) -> Any:
        """Log-probabilities under the frozen start, by minibatch."""
        torch = self._torch
        out = []
        with torch.no_grad():
            for k in range(0, seqs.input_ids.shape[0], mb):
                sub = _rows(seqs, slice(k, k + mb))
                if self.ref is not None:
                    out.append(token_logprobs(self.ref, sub, self.config.temperature)[0])
                else:  # LoRA: the start is the model with its adapters off
                    with self.policy.disable_adapter():
                        out.append(token_logprobs(self.policy, sub,
                                                  self.config.temperature)[0])
        return torch.cat(out)


def _rows(seqs: Sequences, idx: Any) -> Sequences:
    return Sequences(seqs.input_ids[idx], seqs.attention_mask[idx], seqs.mask[idx])
