"""One training run, whatever the algorithm: the run's inputs checked (``prepare_run``), the
policy loaded (or resumed), and llmcc's own step loop with logs, progress bar, checkpoints
and plot, which PPO, RRHF and SFT plug into as an ``Algorithm``."""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any, NamedTuple, Protocol

from llmcc.dataset.records import DatasetError
from llmcc.train import checkpoint
from llmcc.train.checkpoint import STATE, Checkpoint, OutputDirError
from llmcc.train.config import TrainConfig
from llmcc.train.data import batch_for_step, load_tasks, target_completion
from llmcc.train.metrics import StepLog, plot
from llmcc.train.model import (
    ADAPTER_DIR,
    load_policy,
    load_tokenizer,
    quiet_transformers,
    save_model_folder,
)

# the numbers the progress bar shows, when a step reports them
_BAR_KEYS = ("reward_mean", "pass_rate", "loss")


class Run(NamedTuple):
    """Everything a trainer is given."""

    config: TrainConfig
    model_dir: str  # --model: the starting point (and the base of LoRA adapters)
    data: str  # --data
    out: str  # --out
    tasks: list[dict]  # the training tasks that fit
    tokenizer: Any
    resume: Checkpoint | None  # the checkpoint the run continues from


class Algorithm(Protocol):
    """One of llmcc's own trainers, as the loop drives it."""

    policy: Any  # the causal LM saved in checkpoints

    def step(self, tasks: list[dict], step: int) -> dict[str, Any]:
        """One optimization step on ``tasks``; the numbers to log."""

    def state_dict(self) -> dict[str, Any]:
        """Optimizers and any other state, besides the policy, to resume from."""

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class TrainResult(NamedTuple):
    out: str
    first_step: int  # the step the run started at (0, or the resumed checkpoint's)
    last_step: int
    last: dict[str, Any]  # the last step's log record ({} when no step ran)
    plot: str | None


def prepare_run(config: TrainConfig, model_dir: str, data: str, out: str,
                resume: bool) -> Run:
    """Check the inputs (tasks, tokenizer, output folder) before any model is loaded."""
    quiet_transformers()
    tasks = load_tasks(data)
    tokenizer = load_tokenizer(model_dir)
    tasks = _fitting(tasks, tokenizer, config, data)
    last = checkpoint.prepare(out, resume, config.algo)
    if last is not None:
        saved = last.manifest.get("config", {})
        if bool(saved.get("lora")) != config.lora:
            how = "with" if saved.get("lora") else "without"
            raise OutputDirError(f"{last.path}: was trained {how} --lora; resume it the same way")
    return Run(config, model_dir, data, out, tasks, tokenizer, last)


def _fitting(tasks: list[dict], tokenizer: Any, config: TrainConfig, data: str) -> list[dict]:
    kept = [t for t in tasks
            if len(tokenizer(t["prompt"]).input_ids) <= config.max_prompt_tokens]
    if not kept:
        raise DatasetError(f"{data}: every training prompt is longer than max-prompt-tokens "
                            f"({config.max_prompt_tokens} tokens)")
    if config.algo == "sft":
        kept = [t for t in kept if target_completion(t) is not None]
        if not kept:
            raise DatasetError(f"{data}: no training task has a known faster version "
                                "('best'), which SFT learns from")
    dropped = len(tasks) - len(kept)
    if dropped:
        print(f"llmcc train: {dropped} of {len(tasks)} tasks left out (prompt too long"
              f"{' or no best' if config.algo == 'sft' else ''})", file=sys.stderr)
    return kept


def load_run_policy(run: Run) -> Any:
    """The policy: from --model, or from the checkpoint being resumed."""
    if run.resume is None:
        return load_policy(run.model_dir, run.config)
    if run.config.lora:
        return load_policy(run.model_dir, run.config,
                           adapter=os.path.join(run.resume.path, ADAPTER_DIR))
    return load_policy(run.resume.path, run.config)


def seed_step(seed: int, step: int) -> None:
    """Seed every generator from (seed, step): a resumed run samples as the first would."""
    import torch

    value = (seed * 1_000_003 + step) % 2**63
    random.seed(value)
    torch.manual_seed(value)


def manifest(run: Run) -> dict[str, Any]:
    from llmcc import __version__

    return {"algo": run.config.algo, "config": run.config.to_dict(),
            "base_model": os.path.abspath(run.model_dir), "data": os.path.abspath(run.data),
            "llmcc_version": __version__}


def train(run: Run, algo: Algorithm) -> TrainResult:
    """Steps from the resumed one (or 0) to ``config.steps``, logging each, and a checkpoint
    every ``save_every`` steps and at the end. An interruption loses the steps since the
    last checkpoint, and nothing else."""
    import torch

    config = run.config
    start = run.resume.step if run.resume is not None else 0
    if run.resume is not None:
        state = torch.load(os.path.join(run.resume.path, STATE), map_location="cpu",
                           weights_only=True)
        algo.load_state_dict(state)
    log = StepLog(run.out, start if run.resume is not None else None)
    last: dict[str, Any] = {}
    with _progress(config, start) as bar:
        for step in range(start, config.steps):
            seed_step(config.seed, step)
            batch = batch_for_step(run.tasks, config.batch_size, config.seed, step)
            began = time.monotonic()
            record = {"step": step + 1, **algo.step(batch, step)}
            record["step_s"] = time.monotonic() - began
            log.append(record)
            last = record
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k: f"{record[k]:.3g}" for k in _BAR_KEYS
                                 if isinstance(record.get(k), int | float)})
            if (step + 1) % config.save_every == 0 or step + 1 == config.steps:
                save_checkpoint(run, algo, step + 1)
                plot(log.records(), run.out)
    return TrainResult(run.out, start, max(start, config.steps), last,
                       plot(log.records(), run.out))


def save_checkpoint(run: Run, algo: Algorithm, step: int) -> Checkpoint:
    import torch

    def write(folder: str) -> None:
        save_model_folder(algo.policy, run.tokenizer, folder)
        torch.save(algo.state_dict(), os.path.join(folder, STATE))

    return checkpoint.save(run.out, step, manifest(run), write, run.config.keep_checkpoints)


def adamw(params: Any, lr: float) -> Any:
    """AdamW over the trainable ones of ``params``, without weight decay (as RL for LMs)."""
    import torch

    return torch.optim.AdamW([p for p in params if p.requires_grad], lr=lr, weight_decay=0.0)


def optimize(loss: Any, optimizers: tuple[Any, ...], params: Any, grad_clip: float) -> None:
    """One gradient step of ``loss`` for every optimizer, gradients clipped to ``grad_clip``
    in norm (0: not clipped)."""
    import torch

    for opt in optimizers:
        opt.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_([p for p in params if p.requires_grad], grad_clip)
    for opt in optimizers:
        opt.step()


class _NoBar:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(config: TrainConfig, start: int) -> Any:
    """tqdm's bar on a terminal (it comes with transformers); nothing elsewhere."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=config.steps, initial=start, desc=f"llmcc train {config.algo}",
                unit="step", disable=None, file=sys.stderr)
