"""SFT warm start: the policy learns the known faster version (``best``) of each task, by the
mean negative log-likelihood of its tokens after the prompt."""

from __future__ import annotations

import time
from typing import Any

from llmcc.train.data import target_completion
from llmcc.train.loop import Run, adamw, optimize
from llmcc.train.model import device
from llmcc.train.rollout import encode_completion, encode_prompt, masked_mean, pack, token_logprobs


class SFT:
    def __init__(self, run: Run, policy: Any) -> None:
        self.config = run.config
        self.policy = policy
        self.tokenizer = run.tokenizer
        self.opt = adamw(policy.parameters(), self.config.policy_lr)

    def state_dict(self) -> dict[str, Any]:
        return {"opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.opt.load_state_dict(state["opt"])

    def step(self, tasks: list[dict], step: int) -> dict[str, Any]:
        tok = self.tokenizer
        began = time.monotonic()
        prompts = [encode_prompt(tok, t) for t in tasks]
        targets = [encode_completion(tok, target_completion(t) or "") for t in tasks]
        seqs = pack(prompts, targets, tok.pad_token_id, device())
        self.policy.train()
        logp, _ = token_logprobs(self.policy, seqs)
        loss = -masked_mean(logp, seqs.mask)
        optimize(loss, (self.opt,), self.policy.parameters(), self.config.grad_clip)
        return {"loss": float(loss.detach()), "target_tokens": float(seqs.mask.sum() / len(tasks)),
                "update_s": time.monotonic() - began}
