"""GRPO through TRL's GRPOTrainer: llmcc's reward function adapted to TRL's reward-function
signature, TRL's checkpoints moved whole into llmcc's checkpoint folders, TRL's logs copied
into llmcc's step log."""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from typing import Any

from llmcc.errors import LlmccError
from llmcc.train import checkpoint
from llmcc.train.checkpoint import Checkpoint
from llmcc.train.loop import Run, TrainResult, manifest
from llmcc.train.metrics import RewardFn, StepLog, plot, score, summarize
from llmcc.train.model import device, is_peft, load_policy, save_model_folder

STAGING = ".tmp-trl"  # TRL's output_dir inside OUT: removed as partial when a run starts
TASK_COLUMN = "llmcc_task"  # the task as JSON, a dataset column TRL hands the reward function
_EXTRA = ("pass_rate", "speedup_geomean", "changed_rate")  # logged besides TRL's reward


class GRPOError(LlmccError):
    """TRL refused the settings or failed to start."""


def trl_reward(reward_fn: RewardFn) -> Any:
    """``reward_fn`` as a TRL reward function: called with the prompts, completions and the
    dataset's columns as keyword lists; it logs pass rate and speedup through TRL."""

    def llmcc_reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
        tasks = [json.loads(t) for t in columns[TASK_COLUMN]]
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        scores = score(reward_fn, tasks, texts)
        log_metric = columns.get("log_metric")
        if log_metric is not None:
            summary = summarize(scores)
            for key in _EXTRA:
                if summary[key] is not None:
                    log_metric(key, summary[key])
        return scores.values

    return llmcc_reward


def train_grpo(run: Run, reward_fn: RewardFn) -> TrainResult:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    # TRL calls transformers' renamed gradient-checkpointing methods on every step
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\.")

    cfg = run.config
    staging = os.path.join(run.out, STAGING)
    start = run.resume.step if run.resume is not None else 0
    settings: dict[str, Any] = dict(
        output_dir=staging, max_steps=cfg.steps, per_device_train_batch_size=cfg.batch_size
        * cfg.samples, gradient_accumulation_steps=1, num_generations=cfg.samples,
        learning_rate=cfg.policy_lr, lr_scheduler_type="constant", warmup_steps=0,
        weight_decay=0.0, max_grad_norm=cfg.grad_clip if cfg.grad_clip > 0 else 1e9,
        beta=cfg.kl_coef, epsilon=cfg.clip, temperature=cfg.temperature, top_p=cfg.top_p,
        max_completion_length=cfg.max_new_tokens, seed=cfg.seed, data_seed=cfg.seed,
        logging_steps=1, save_strategy="steps", save_steps=cfg.save_every,
        report_to="none", remove_unused_columns=False, use_cpu=device().type == "cpu",
        bf16=False, fp16=False, dataloader_num_workers=0,
        disable_tqdm=not sys.stderr.isatty())  # off the terminal, TRL's bar prints dicts
    if cfg.generate_with:  # TRL's own vLLM server (`trl vllm-serve`): weights sync each step
        settings.update(use_vllm=True, vllm_mode="server",
                        vllm_server_base_url=cfg.generate_with.rstrip("/"))
    try:
        args = GRPOConfig(**settings)
    except (ValueError, TypeError) as exc:
        raise GRPOError(f"TRL's GRPOConfig refused the settings: {exc}") from None
    dataset = Dataset.from_list([{"prompt": t["prompt"], TASK_COLUMN: json.dumps(t)}
                                 for t in run.tasks])
    # from --model even when resuming: TRL loads the checkpoint's weights (or adapters) itself
    policy = load_policy(run.model_dir, cfg)
    callback = _callback_class()(run)
    try:
        trainer = GRPOTrainer(model=policy, reward_funcs=[trl_reward(reward_fn)], args=args,
                              train_dataset=dataset, processing_class=run.tokenizer,
                              callbacks=[callback])
    except (ValueError, ImportError, OSError) as exc:
        raise GRPOError(f"TRL's GRPOTrainer did not start: {exc}") from None
    log = callback.log = StepLog(run.out, start if run.resume is not None else None)
    if start < cfg.steps:
        trainer.train(resume_from_checkpoint=run.resume.path if run.resume else None)
    shutil.rmtree(staging, ignore_errors=True)
    records = log.records()
    return TrainResult(run.out, start, max(start, cfg.steps), records[-1] if records else {},
                       plot(records, run.out))


# Names TRL's key uses in its logs -> llmcc's names (others are kept, with "/" as "_").
_RENAME = {"reward": "reward_mean", "loss": "loss", "kl": "kl_ref"}


def log_record(step: int, logs: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"step": step}
    for key, value in logs.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            name = _RENAME.get(key, key.replace("/", "_"))
            record[name] = float(value)
    return record


def _callback_class() -> Any:
    from transformers import TrainerCallback

    class LlmccCallback(TrainerCallback):
        """Copies TRL's logs into the step log; moves each checkpoint TRL wrote into
        OUT/checkpoints (whole, by a rename) and publishes it; asks for a last one."""

        def __init__(self, run: Run) -> None:
            self.run = run
            self.log: StepLog | None = None  # set once the trainer has started

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if state.global_step >= state.max_steps:
                control.should_save = True
            return control

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None,
                   **kwargs: Any) -> Any:
            if logs and "reward" in logs and self.log is not None:  # not the final summary
                self.log.append(log_record(state.global_step, logs))
            return control

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

            written = os.path.join(args.output_dir, f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}")
            model = kwargs.get("model")
            self._adopt(written, state.global_step, model)
            if self.log is not None:
                plot(self.log.records(), self.run.out)
            return control

        def _adopt(self, written: str, step: int, model: Any) -> Checkpoint:
            run = self.run

            def write(folder: str) -> None:
                for name in os.listdir(written):
                    os.rename(os.path.join(written, name), os.path.join(folder, name))
                if model is not None and is_peft(model):
                    # TRL saved the adapter only; OUT must be a plain model folder
                    save_model_folder(model, run.tokenizer, folder)

            found = checkpoint.save(run.out, step, manifest(run), write,
                                    run.config.keep_checkpoints)
            shutil.rmtree(written, ignore_errors=True)
            return found

    return LlmccCallback
