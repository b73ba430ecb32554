"""`llmcc train`: train a Hugging Face causal LM on llmcc's reward (ppo, grpo, rrhf, sft), or
write the files of a verl run (--engine verl).

    llmcc train --algo ppo|grpo|rrhf|sft --model HF_DIR --data tasks.jsonl --out DIR

OUT becomes a Hugging Face model folder (the latest checkpoint's model), with the
checkpoints in OUT/checkpoints, the step log OUT/train-log.jsonl and its plot.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from llmcc.errors import LlmccError
from llmcc.reward import DESIGNS
from llmcc.train.config import ALGOS, CRITICS, TrainConfig
from llmcc.train.metrics import LOG


def build_parser() -> argparse.ArgumentParser:
    helps = TrainConfig.help_texts()
    defaults = TrainConfig()
    p = argparse.ArgumentParser(prog="llmcc train", description=__doc__.split("\n\n")[0]
                                .removeprefix("`llmcc train`: ").replace("\n", " "))
    p.add_argument("--algo", choices=ALGOS, default="ppo", help="the training algorithm")
    p.add_argument("--model", required=True, help="a Hugging Face model folder (causal LM)")
    p.add_argument("--data", required=True, help="tasks.jsonl (llmcc dataset build); "
                   "the tasks of split 'train' are used")
    p.add_argument("--out", required=True, help="the output folder (a model folder again)")
    p.add_argument("--reward", choices=DESIGNS, default="guided",
                   help="reward design (llmcc.reward)")
    p.add_argument("--reward-workers", type=int, default=None, metavar="N",
                   help="processes judging answers (default: one per CPU)")
    p.add_argument("--engine", choices=("local", "verl"), default="local",
                   help="local: train here; verl: write parquet files and the verl command")
    p.add_argument("--generate-with", default="", metavar="URL", dest="generate_with",
                   help=helps["generate_with"] + "; for grpo a `trl vllm-serve` server")
    p.add_argument("--generate-model", default="", metavar="NAME", help=helps["generate_model"])
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint")
    p.add_argument("--lora", action="store_true", help=helps["lora"])
    p.add_argument("--critic", choices=CRITICS, default=defaults.critic, help=helps["critic"])
    for name, kind in (("steps", int), ("batch_size", int), ("samples", int),
                       ("max_new_tokens", int), ("max_prompt_tokens", int),
                       ("temperature", float), ("top_p", float), ("lr", float),
                       ("critic_lr", float), ("kl_coef", float), ("clip", float),
                       ("gamma", float), ("lam", float), ("ppo_epochs", int),
                       ("minibatch_size", int), ("rrhf_sft_weight", float),
                       ("lora_r", int), ("save_every", int), ("keep_checkpoints", int),
                       ("seed", int)):
        flag = "--" + name.replace("_", "-")
        p.add_argument(flag, type=kind, default=getattr(defaults, name), dest=name,
                       metavar=kind.__name__.upper(), help=helps[name])
    verl = p.add_argument_group("--engine verl", "the files and command of a verl PPO run "
                                "(--data, --out, --model, --reward, --batch-size, --samples, "
                                "--max-new-tokens and --max-prompt-tokens apply too)")
    verl.add_argument("--gpus", type=int, default=1, help="GPUs per node")
    verl.add_argument("--nodes", type=int, default=1, help="nodes")
    verl.add_argument("--epochs", type=int, default=1, help="passes over the training tasks")
    verl.add_argument("--reward-manager", choices=("naive", "batch"), default="batch",
                      help="verl's reward manager: batch judges a step's answers in parallel")
    verl.add_argument("--verl-arg", action="append", default=[], metavar="KEY=VALUE",
                      help="another override for verl.trainer.main_ppo (repeatable)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return p


def config_from(opts: argparse.Namespace) -> TrainConfig:
    names = set(TrainConfig.help_texts())
    return TrainConfig(**{k: v for k, v in vars(opts).items() if k in names})


def reward_function(design: str, workers: int | None) -> Any:
    """llmcc's reward (one judgement per distinct answer, in worker processes, cached)."""
    from llmcc.reward import score_batch

    def reward(tasks: list[dict], completions: list[str]) -> list[Any]:
        return score_batch(tasks, completions, design=design, workers=workers)

    return reward


def main(args: list[str]) -> int:
    opts = build_parser().parse_args(args)
    config = config_from(opts)
    if opts.engine == "verl":
        return _verl(opts, config)
    from llmcc.train.loop import prepare_run

    run = prepare_run(config, opts.model, opts.data, opts.out, opts.resume)
    try:
        result = _train(run, reward_function(opts.reward, opts.reward_workers))
    except KeyboardInterrupt:
        from llmcc.train.checkpoint import latest

        last = latest(opts.out)
        where = f"step {last.step}" if last else "the start (no checkpoint yet)"
        print(f"llmcc train: interrupted; --resume continues from {where}", file=sys.stderr)
        return 130
    data = {"algo": config.algo, "out": result.out, "first_step": result.first_step,
            "last_step": result.last_step, "last": result.last, "plot": result.plot}
    if opts.json:
        print(json.dumps(data, indent=1, sort_keys=True))
        return 0
    if result.first_step >= config.steps:
        print(f"llmcc train: {result.out} is already at step {result.first_step} "
              f"(--steps {config.steps}): nothing to do")
        return 0
    print(f"llmcc train: {config.algo} steps {result.first_step + 1}..{result.last_step} "
          f"done; the model is in {result.out}")
    shown = {k: v for k, v in result.last.items()
             if k in ("reward_mean", "pass_rate", "speedup_geomean", "loss", "policy_loss",
                      "value_loss") and v is not None}
    if shown:
        print("  last step: " + ", ".join(f"{k} {v:.4g}" for k, v in shown.items()))
    print(f"  log: {result.out}/{LOG}" + (f", plot: {result.plot}" if result.plot
                                                    else ""))
    return 0


def _train(run: Any, reward_fn: Any) -> Any:
    from llmcc.train.loop import load_run_policy, train

    algo = run.config.algo
    if algo == "grpo":
        from llmcc.train.grpo import train_grpo

        return train_grpo(run, reward_fn)
    policy = load_run_policy(run)
    if algo == "ppo":
        from llmcc.train.ppo import PPO

        return train(run, PPO(run, policy, reward_fn))
    if algo == "rrhf":
        from llmcc.train.rrhf import RRHF

        return train(run, RRHF(run, policy, reward_fn))
    from llmcc.train.sft import SFT

    return train(run, SFT(run, policy))


def _verl(opts: argparse.Namespace, config: TrainConfig) -> int:
    """Write verl's parquet files, reward wiring and script (llmcc.train.verl); print the
    command to run on the cluster."""
    if config.algo != "ppo":
        raise LlmccError("--engine verl runs PPO (GAE and a critic): use --algo ppo")
    from llmcc.train.verl import export_verl

    ex = export_verl(opts.data, opts.out, opts.model, design=opts.reward, n_gpus=opts.gpus,
                     nnodes=opts.nodes, epochs=opts.epochs, batch_size=config.batch_size,
                     rollout_n=config.samples, max_prompt_length=config.max_prompt_tokens,
                     max_response_length=config.max_new_tokens,
                     reward_manager=opts.reward_manager, extra=tuple(opts.verl_arg))
    if opts.json:
        print(json.dumps({**ex._asdict(), "command_line": ex.command_line}, indent=1))
        return 0
    print(f"llmcc train: wrote {ex.train}, {ex.eval}, {ex.wiring} and {ex.script}")
    for note in ex.notes:
        print(f"  note: {note}")
    print(f"run it on the cluster's head node (Ray started, verl installed):\n  {ex.script}\n"
          f"or:\n  {ex.command_line}")
    return 0
