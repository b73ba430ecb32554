#!/usr/bin/env python3
"""Where one PPO step's time goes (generation, reward, update) for a tiny Llama on the CPU.

    .venv/bin/python bench/ppo_step.py [--data tasks.jsonl] [--steps 3] [--threads 1]

Without --data, tasks are built from examples/bits.c and examples/checksum.c (real prompts,
so real prompt lengths). The reward is llmcc's (guided design, cache off, one worker); a
tiny random model writes no usable assembly, so its reward time is the cost of reading
answers; --judge-best scores the known faster versions instead, each judged in full
(compile, tests, timing) once per distinct answer and step. Prints the median over the
steps after one warm-up step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tiny_hf import build_tiny_llama  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a tasks.jsonl (default: built from examples/)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps (after a warm-up)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--judge-best", action="store_true",
                        help="score each task's known faster version (built with the variants "
                        "proposer) instead of the model's answers: what judging a correct "
                        "answer costs (compile, tests, timing)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default); on a busy machine 1 is faster")
    opts = parser.parse_args()
    os.environ.setdefault("LLMCC_REWARD_CACHE", "off")

    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)

    from llmcc.cli.train_cmd import reward_function
    from llmcc.dataset.records import write_tasks
    from llmcc.train.config import TrainConfig
    from llmcc.train.data import batch_for_step
    from llmcc.train.loop import load_run_policy, prepare_run, seed_step
    from llmcc.train.ppo import PPO

    with tempfile.TemporaryDirectory(prefix="llmcc-ppo-bench-") as tmp:
        data = opts.data
        if data is None:
            from llmcc.dataset.build import build_tasks

            began = time.perf_counter()
            built = build_tasks([str(ROOT / "examples" / n) for n in ("bits.c", "checksum.c")],
                                root=str(ROOT), eval_fraction=0.0,
                                with_variants=opts.judge_best)
            data = os.path.join(tmp, "tasks.jsonl")
            write_tasks(data, [{**t, "split": "train"} for t in built.tasks])
            print(f"built {len(built.tasks)} tasks in {time.perf_counter() - began:.1f} s")
        model = build_tiny_llama(os.path.join(tmp, "model"), hidden=opts.hidden,
                                 layers=opts.layers)
        config = TrainConfig(algo="ppo", steps=opts.steps + 1, batch_size=opts.batch_size,
                             samples=opts.samples, max_new_tokens=opts.max_new_tokens)
        run = prepare_run(config, model, data, os.path.join(tmp, "out"), resume=False)
        reward = reward_function("guided", 1)
        if opts.judge_best:
            from llmcc.train.data import target_completion

            with_best = [t for t in run.tasks if target_completion(t)]
            if not with_best:
                print("no task has a known faster version to judge", file=sys.stderr)
                return 1
            run = run._replace(tasks=with_best)
            model_reward = reward

            def reward(tasks, completions):
                return model_reward(tasks, [target_completion(t) for t in tasks])

        ppo = PPO(run, load_run_policy(run), reward)
        params = sum(p.numel() for p in ppo.policy.parameters())
        prompt_tokens = statistics.median(len(run.tokenizer(t["prompt"]).input_ids)
                                          for t in run.tasks)
        print(f"model: {params:,} parameters (hidden {opts.hidden}, {opts.layers} layers); "
              f"{len(run.tasks)} tasks, median prompt {prompt_tokens:.0f} tokens; "
              f"torch {torch.__version__}, {torch.get_num_threads()} threads")
        records = []
        for step in range(config.steps):
            seed_step(config.seed, step)
            records.append(ppo.step(batch_for_step(run.tasks, config.batch_size, config.seed,
                                                   step), step))
        timed = records[1:]
        n = config.batch_size * config.samples
        print(f"one PPO step, {config.batch_size} prompts x {config.samples} samples = {n} "
              f"completions, median of {len(timed)} steps after a warm-up:")
        parts = {k: statistics.median(r[k] for r in timed)
                 for k in ("gen_s", "reward_s", "update_s")}
        total = sum(parts.values())
        for key, label in (("gen_s", "generation"), ("reward_s", "reward"),
                           ("update_s", "update (old log-probs, values, GAE, backward)")):
            print(f"  {label:<48} {parts[key]:8.3f} s  {100 * parts[key] / total:5.1f}%")
        print(f"  {'total':<48} {total:8.3f} s")
        tokens = statistics.median(r["completion_tokens"] for r in timed)
        print(f"  completion tokens per answer (median): {tokens:.0f}; "
              f"generated tokens per second: {tokens * n / parts['gen_s']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
