"""What an evaluation reports, from the judged samples of every task.

Per sample: compile rate (usable assembly), pass rate (correct on every test), correct and
changed (not the baseline's own code), optimized (significantly faster, reproduced: what
llmcc would accept). Speedups without clamping: the geometric mean and median of the timer's
median over every correct, changed, timed sample, and per task what llmcc would ship (the
fastest accepted sample, else the baseline: 1.0).

For comparison, the research's numbers, with their flaws: the clamped average (per task the
best correct sample's speedup, at least 1, and 1 for a task with none; copies count as
correct), and PerfRL's, as PIE defines them: %OPT (tasks whose best correct sample is at
least 10% faster by its median), SP (the clamped average again) and RTR (the mean runtime
reduction ``1 - 1/s`` in percent, 0 for tasks without a faster correct sample).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from llmcc.timing.stats import median

if TYPE_CHECKING:
    from llmcc.reward import Reward

# PIE's (and PerfRL's) threshold for an "optimized" program: 10% faster
PIE_OPT_SPEEDUP = 1.10


class Sample(NamedTuple):
    """One judged answer as the results list it (``answers``, flat for JSON): what metrics
    need of its Reward and Judgement."""

    task: str
    index: int
    outcome: str  # the Outcome's value
    stage: str
    compiled: bool
    correct: bool
    changed: bool
    faster: bool  # significantly faster (accepted)
    speedup: float | None  # the timer's median
    ci_low: float | None
    ci_high: float | None
    reward: float  # under the guided design
    reason: str = ""

    @classmethod
    def of(cls, task: str, index: int, reward: Reward) -> Sample:
        j = reward.judgement
        s = j.speedup
        return cls(task, index, j.outcome.value, j.stage, j.compiled, j.correct, j.changed,
                   j.faster, s.median if s else None, s.low if s else None,
                   s.high if s else None, reward.value, j.reason)


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _geomean(xs: list[float]) -> float | None:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def best_correct_speedup(samples: list[Sample]) -> float | None:
    """The task's best-of-k as the research picks it: the highest median among correct
    samples (untimed ones, such as copies, count as 1.0); None when none is correct."""
    correct = [s.speedup if s.speedup is not None else 1.0 for s in samples if s.correct]
    return max(correct) if correct else None


def shipped_speedup(samples: list[Sample]) -> float:
    """What llmcc would ship for the task: its fastest accepted sample, else the baseline."""
    accepted = [s.speedup for s in samples if s.faster and s.speedup is not None]
    return max(accepted) if accepted else 1.0


def compute(by_task: dict[str, list[Sample]]) -> dict:
    """Every metric of an evaluation (see the module's docstring), as one JSON object."""
    samples = [s for group in by_task.values() for s in group]
    timed = [s.speedup for s in samples if s.correct and s.changed and s.speedup is not None]
    shipped = [shipped_speedup(group) for group in by_task.values()]
    best = [best_correct_speedup(group) for group in by_task.values()]
    clamped = [max(1.0, b) if b is not None else 1.0 for b in best]
    n_tasks = len(by_task)
    return {
        "tasks": n_tasks,
        "samples": len(samples),
        "per_sample": {
            "compile_rate": _rate([s.compiled for s in samples]),
            "pass_rate": _rate([s.correct for s in samples]),
            "correct_and_changed_rate": _rate([s.correct and s.changed for s in samples]),
            "optimized_rate": _rate([s.faster for s in samples]),
        },
        "per_task": {
            "pass_at_k": _rate([any(s.correct for s in g) for g in by_task.values()]),
            "correct_and_changed_at_k": _rate([any(s.correct and s.changed for s in g)
                                               for g in by_task.values()]),
            "optimized_at_k": _rate([any(s.faster for s in g) for g in by_task.values()]),
        },
        "speedup": {
            "timed_samples": len(timed),
            "geomean": _geomean(timed),
            "median": median(timed) if timed else None,
            "shipped_geomean": _geomean(shipped),
        },
        "research": {
            "clamped_mean_speedup": sum(clamped) / n_tasks if n_tasks else None,
        },
        "perfrl": {
            "opt_percent": 100.0 * _rate([b is not None and b >= PIE_OPT_SPEEDUP
                                          for b in best]),
            "sp": sum(clamped) / n_tasks if n_tasks else None,
            "rtr_percent": (100.0 * sum(1.0 - 1.0 / c for c in clamped) / n_tasks
                            if n_tasks else None),
        },
    }
