"""RRHF as PerfRL uses it: per task, candidates (sampled completions, the greedy one, and the
known faster version when there is one) are scored by the reward; the loss ranks the
policy's length-normalized log-likelihoods in the reward's order and fine-tunes on the
best candidate (Yuan et al. 2023; Duan et al., PerfRL)."""

from __future__ import annotations

import time
from typing import Any

from llmcc.train.data import target_completion
from llmcc.train.loop import Run, adamw, optimize
from llmcc.train.metrics import RewardFn, score, summarize
from llmcc.train.model import device
from llmcc.train.rollout import encode_completion, encode_prompt, pack, sample, token_logprobs


def rank_loss(scores: Any, rewards: Any) -> Any:
    """Sum over pairs (i, j) with reward i < reward j of max(0, score i - score j): a better
    candidate must not be less likely than a worse one."""
    import torch

    worse = rewards.unsqueeze(1) < rewards.unsqueeze(0)  # [i, j]: i is worse than j
    gaps = scores.unsqueeze(1) - scores.unsqueeze(0)
    return torch.relu(gaps)[worse].sum()


def best_index(rewards: list[float], preferred: int | None) -> int:
    """The candidate the fine-tuning loss learns: the highest reward; on a tie, ``preferred``
    (the known target) when it is among the best, else the first."""
    top = max(rewards)
    if preferred is not None and rewards[preferred] == top:
        return preferred
    return rewards.index(top)


class RRHF:
    def __init__(self, run: Run, policy: Any, reward_fn: RewardFn) -> None:
        import torch

        self.config = run.config
        self.policy = policy
        self.tokenizer = run.tokenizer
        self.reward_fn = reward_fn
        self.opt = adamw(policy.parameters(), self.config.policy_lr)
        self._torch = torch

    def state_dict(self) -> dict[str, Any]:
        return {"opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.opt.load_state_dict(state["opt"])

    def step(self, tasks: list[dict], step: int) -> dict[str, Any]:
        torch = self._torch
        cfg = self.config
        tok = self.tokenizer
        began = time.monotonic()
        sampled = sample(self.policy, tok, tasks, cfg.samples, cfg, step)
        greedy = sample(self.policy, tok, tasks, 1, cfg, step, greedy=True)
        generated = time.monotonic()

        # candidates grouped by task: samples, greedy, then the target when known
        groups: list[tuple[int, int, int | None]] = []  # (start, size, target index)
        prompts, completions, texts, owners = [], [], [], []
        for i, task in enumerate(tasks):
            start = len(texts)
            rows = [(sampled.prompt_ids[i * cfg.samples + j],
                     sampled.completion_ids[i * cfg.samples + j],
                     sampled.texts[i * cfg.samples + j]) for j in range(cfg.samples)]
            rows.append((greedy.prompt_ids[i], greedy.completion_ids[i], greedy.texts[i]))
            target = target_completion(task)
            if target is not None:
                rows.append((encode_prompt(tok, task), encode_completion(tok, target), target))
            for p, c, t in rows:
                prompts.append(p)
                completions.append(c)
                texts.append(t)
                owners.append(task)
            groups.append((start, len(rows), cfg.samples + 1 if target is not None else None))
        scores = score(self.reward_fn, owners, texts)
        rewarded = time.monotonic()

        seqs = pack(prompts, completions, tok.pad_token_id, device())
        self.policy.train()
        logp, _ = token_logprobs(self.policy, seqs)
        lengths = seqs.mask.sum(-1).clamp(min=1.0)
        token_mean = (logp * seqs.mask).sum(-1) / lengths  # length-normalized log-likelihood
        values = torch.tensor(scores.values, dtype=token_mean.dtype, device=token_mean.device)
        rank_terms, sft_terms = [], []
        for start, size, target in groups:
            part = slice(start, start + size)
            rank_terms.append(rank_loss(token_mean[part], values[part]))
            best = best_index(scores.values[part], target)
            sft_terms.append(-token_mean[start + best])
        rank = torch.stack(rank_terms).mean()
        sft = torch.stack(sft_terms).mean()
        loss = rank + cfg.rrhf_sft_weight * sft
        optimize(loss, (self.opt,), self.policy.parameters(), cfg.grad_clip)
        updated = time.monotonic()

        # the policy's own candidates (not the known targets) say how it is doing
        own = [k for start, size, target in groups for k in range(start, start + size)
               if target is None or k != start + target]
        record: dict[str, Any] = summarize(scores._replace(
            values=[scores.values[k] for k in own], passed=[scores.passed[k] for k in own],
            speedups=[scores.speedups[k] for k in own], changed=[scores.changed[k] for k in own]))
        record.update({"loss": float(loss.detach()), "rank_loss": float(rank.detach()),
                       "sft_loss": float(sft.detach()),
                       "candidates": len(texts), "gen_s": generated - began,
                       "reward_s": rewarded - generated, "update_s": updated - rewarded})
        return record
