#!/usr/bin/env python3
"""Reward evaluations per second (llmcc.reward.score_batch), by kind of answer.

    .venv/bin/python bench/reward_rate.py [--answers 24] [--workers 1 2 4] [--flags ...]

- settled without judging: answers with no assembly, and copies of the baseline;
- judged: distinct answers that run the whole pipeline (static checks, differential tests,
  and the timer for correct ones): wrong ones (stopped by the tests) and correct ones (the
  baseline slowed by N delay iterations, each N a distinct answer, all timed), with 1 and
  more worker processes (timers take turns unless LLMCC_REWARD_TIMERS says otherwise);
- cache hits: the same answers scored again.

The task is tests/reward_cases.py's (a 64-step bit-counting loop).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reward_cases import answers, build_task, fenced, swar_text, with_entry_delay  # noqa: E402

from llmcc import reward  # noqa: E402


def rate(label: str, task: dict, texts: list[str], workers: int) -> None:
    start = time.perf_counter()
    got = reward.score_batch([task] * len(texts), texts, "guided", workers=workers)
    took = time.perf_counter() - start
    outcomes: dict[str, int] = {}
    for r in got:
        outcome = r.judgement.outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(f"{label:<44} workers={workers:<2} {len(texts):>4} answers in {took:7.2f} s = "
          f"{len(texts) / took:8.2f}/s   {outcomes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=24)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--flags", nargs="*", default=[],
                        help="gcc flags of the task (e.g. -fcf-protection=none)")
    opts = parser.parse_args()
    n = opts.answers
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[reward.CACHE_ENV] = os.path.join(tmp, "cache")
        task = build_task(Path(tmp), flags=tuple(opts.flags))
        by_name = answers(task)
        print(f"task {task['id']}, {os.cpu_count()} CPUs\n")
        rate("no assembly (settled without judging)", task, [by_name["garbage"]] * n, 1)
        rate("copies (settled without judging)", task, [by_name["copy"]] * n, 1)
        wrong = swar_text(task)
        for workers in opts.workers:
            # distinct wrong answers: the shift changed by a different amount each time
            texts = [fenced(wrong.replace("shrq\t$56", f"shrq\t${1 + k % 55}")
                            .replace("bits:\n", "bits:\n" + "\tnop\n" * (k // 55 + workers)))
                     for k in range(n)]
            rate(f"wrong (differential tests), {workers} worker(s)", task, texts, workers)
        offset = 0
        for workers in opts.workers:
            texts = [fenced(with_entry_delay(task["baseline"], "bits", 1 + offset + k))
                     for k in range(n)]
            offset += n
            rate(f"correct (tests + timer), {workers} worker(s)", task, texts, workers)
        rate("cache hits (the correct ones again)", task, texts, 1)
    reward.shutdown()


if __name__ == "__main__":
    main()
