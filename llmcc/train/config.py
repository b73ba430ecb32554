"""The settings of one training run (``TrainConfig``), validated when made, with the
research's PPO values as defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from llmcc.errors import LlmccError

ALGOS = ("ppo", "grpo", "rrhf", "sft")
CRITICS = ("head", "model")

# Learning rates when --lr is not given. PPO and GRPO: the research's actor rate (Wei et al.
# 2025: actor 1e-6, critic 1e-5). RRHF and SFT fit known targets, and take bigger steps.
DEFAULT_LR = {"ppo": 1e-6, "grpo": 1e-6, "rrhf": 1e-5, "sft": 1e-5}


class TrainConfigError(LlmccError):
    """A training setting out of range; the message names it and the range."""


def _help(text: str, default: Any) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass
class TrainConfig:
    algo: str = _help("ppo, grpo, rrhf or sft", "ppo")
    steps: int = _help("optimization steps in all (a resumed run stops at the same total)", 100)
    batch_size: int = _help("tasks (prompts) per step", 4)
    samples: int = _help("completions sampled per prompt (PPO, GRPO, RRHF)", 2)
    max_new_tokens: int = _help("most tokens generated per completion", 512)
    max_prompt_tokens: int = _help("tasks whose prompt is longer are left out", 4096)
    temperature: float = _help("sampling temperature of rollouts", 1.0)
    top_p: float = _help("nucleus sampling of rollouts (1: off)", 1.0)
    lr: float | None = _help("learning rate of the policy (None: DEFAULT_LR of the algo)", None)
    critic_lr: float = _help("PPO: learning rate of the critic", 1e-5)
    critic: str = _help("PPO: 'head' (a value head on the actor's last hidden state, "
                        "detached) or 'model' (a separate copy of the model with a head)",
                        "head")
    gamma: float = _help("PPO: discount", 1.0)
    lam: float = _help("PPO: GAE lambda", 1.0)
    clip: float = _help("PPO/GRPO: clip range of the probability ratio", 0.2)
    value_clip: float = _help("PPO: clip range of the value update", 0.2)
    kl_coef: float = _help("PPO/GRPO: weight of the KL penalty to the frozen start (0: none)",
                           0.0)
    vf_coef: float = _help("PPO: weight of the value loss", 1.0)
    ppo_epochs: int = _help("PPO: passes over each rollout batch", 1)
    minibatch_size: int = _help("PPO: completions per gradient step (0: the whole batch)", 0)
    whiten_advantages: bool = _help("PPO: normalize advantages over the batch", True)
    rrhf_sft_weight: float = _help("RRHF: weight of the fine-tuning loss on the best", 1.0)
    grad_clip: float = _help("gradient norm clip (0: none)", 1.0)
    lora: bool = _help("train LoRA adapters (peft) instead of all weights", False)
    lora_r: int = _help("LoRA rank", 16)
    lora_alpha: int = _help("LoRA alpha", 32)
    lora_dropout: float = _help("LoRA dropout", 0.05)
    save_every: int = _help("steps between checkpoints (the last step is always saved)", 50)
    keep_checkpoints: int = _help("checkpoints kept (the newest)", 2)
    seed: int = _help("seed of batch order, sampling and initialization", 0)
    generate_with: str = _help("base URL of an OpenAI-compatible server that samples the "
                               "rollouts instead of the local model ('': local)", "")
    generate_model: str = _help("the model name sent to that server ('': none)", "")

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, expected: str) -> None:
            if not ok:
                value = getattr(self, name)
                raise TrainConfigError(f"{name.replace('_', '-')} must be {expected}, "
                                       f"got {value!r}")

        need(self.algo in ALGOS, "algo", "one of " + ", ".join(ALGOS))
        need(self.critic in CRITICS, "critic", "one of " + ", ".join(CRITICS))
        for name in ("steps", "batch_size", "samples", "max_new_tokens", "max_prompt_tokens",
                     "ppo_epochs", "save_every", "keep_checkpoints", "lora_r", "lora_alpha"):
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool) and value >= 1, name,
                 "a whole number of at least 1")
        need(self.minibatch_size >= 0, "minibatch_size", "0 or more")
        need(self.temperature > 0, "temperature", "above 0")
        need(0 < self.top_p <= 1, "top_p", "in (0, 1]")
        need(self.lr is None or self.lr > 0, "lr", "above 0")
        need(self.critic_lr > 0, "critic_lr", "above 0")
        for name in ("gamma", "lam"):
            need(0 <= getattr(self, name) <= 1, name, "in [0, 1]")
        for name in ("clip", "value_clip"):
            need(0 < getattr(self, name) < 1, name, "in (0, 1)")
        for name in ("kl_coef", "vf_coef", "rrhf_sft_weight", "grad_clip"):
            need(getattr(self, name) >= 0, name, "0 or more")
        need(0 <= self.lora_dropout < 1, "lora_dropout", "in [0, 1)")
        need(self.algo != "grpo" or self.samples >= 2, "samples",
             "at least 2 for GRPO (advantages are relative to the group)")

    @property
    def policy_lr(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.algo]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def help_texts(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}
