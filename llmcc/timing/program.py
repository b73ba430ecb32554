"""Program-level timing (`llmcc bench`): a benchmark command run alternately on the program
built without llmcc's rewrites (A) and with them (B), in random order per round, judged by
the function timer's statistics and rule over whole runs."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from typing import NamedTuple

from llmcc import subproc
from llmcc.outcome import Outcome
from llmcc.timing.stats import VERDICT_WORDS, Interval, Rule, median, median_interval

PLACEHOLDER = "{}"  # stands for the program's path in the benchmark command


class ProgramTiming(NamedTuple):
    # ACCEPTED (B faster), SLOWER, NOT_FASTER, MIXED_SPEED, TIMING_INCONCLUSIVE, TIMING_FAILED
    outcome: Outcome
    speedup: Interval | None  # B against A, as log time ratios
    rounds: int
    a_seconds: float  # median wall seconds of one run
    b_seconds: float
    reason: str = ""

    def as_json(self) -> dict:
        s = self.speedup
        return {"verdict": VERDICT_WORDS[self.outcome], "rounds": self.rounds,
                "reason": self.reason,
                "without_rewrites_s": round(self.a_seconds, 6),
                "with_rewrites_s": round(self.b_seconds, 6),
                "speedup": None if s is None else s.as_speedup().rounded().as_json()}


def command_for(command: Sequence[str], program: str) -> list[str]:
    return [arg.replace(PLACEHOLDER, program) for arg in command]


def time_programs(command: Sequence[str], a: str, b: str, *, min_effect: float = 0.03,
                  min_rounds: int = 10, look_every: int = 5, max_rounds: int = 200,
                  budget_s: float = 120.0, run_timeout_s: float = 600.0, seed: int = 1
                  ) -> ProgramTiming:
    """Rounds of one run of A and one of B until the rule decides, ``max_rounds`` or
    ``budget_s``; one warm-up run of each first (page cache, CPU frequency)."""
    rule = Rule(min_effect)
    order = random.Random(seed)
    times: dict[str, list[float]] = {"a": [], "b": []}
    logs: list[float] = []
    started = time.monotonic()
    programs = {"a": a, "b": b}

    def run(which: str) -> float | str:
        args = command_for(command, programs[which])
        begin = time.perf_counter()
        proc = subproc.run(args, timeout=run_timeout_s)
        took = time.perf_counter() - begin
        if not proc.ok:
            tail = " | ".join(proc.stderr.decode(errors="replace").split("\n")[-3:])
            return f"`{' '.join(args)}` exited {proc.returncode}: {tail.strip(' |')[-200:]}"
        return took

    outcome: Outcome | None = None
    reason = ""
    for which in ("a", "b"):  # warm-up
        got = run(which)
        if isinstance(got, str):
            return ProgramTiming(Outcome.TIMING_FAILED, None, 0, 0.0, 0.0, got)
    while len(logs) < max_rounds:
        pair = ["a", "b"] if order.randrange(2) else ["b", "a"]
        got = {which: run(which) for which in pair}
        failed = [v for v in got.values() if isinstance(v, str)]
        if failed:
            outcome, reason = Outcome.TIMING_FAILED, failed[0]
            break
        for which, took in got.items():
            times[which].append(took)
        logs.append(math.log(max(got["b"], 1e-9) / max(got["a"], 1e-9)))
        n = len(logs)
        if n >= min_rounds and (n - min_rounds) % look_every == 0:
            s = median_interval(logs)
            outcome = rule.decide(s, s, [s])
            if outcome is not None or time.monotonic() - started > budget_s:
                break
    if not logs:
        return ProgramTiming(Outcome.TIMING_FAILED, None, 0, 0.0, 0.0, reason)
    interval = median_interval(logs)
    if outcome is None:
        outcome = rule.decide(interval, interval, [interval]) or Outcome.TIMING_INCONCLUSIVE
    return ProgramTiming(outcome, interval, len(logs), median(times["a"]), median(times["b"]),
                         reason)
