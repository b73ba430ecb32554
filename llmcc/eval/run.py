"""One evaluation: k answers per task from a sampler, judged by the reward's judge (in
parallel, cached), and the metrics of llmcc.eval.metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from llmcc.eval.metrics import Sample, compute
from llmcc.eval.samplers import Sampler


class EvalResult(NamedTuple):
    model: str
    k: int
    metrics: dict
    samples: list[Sample]
    seconds: dict[str, float]  # sampling, judging

    def as_json(self) -> dict:
        return {"model": self.model, "samples_per_task": self.k, **self.metrics,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
                "answers": [s._asdict() for s in self.samples]}


def evaluate(tasks: list[dict], sampler: Sampler, k: int, *, workers: int | None = None,
             progress: Callable[[str], None] | None = None) -> EvalResult:
    from llmcc.reward import score_batch

    start = time.monotonic()
    flat_tasks: list[dict] = []
    answers: list[str] = []
    for n, task in enumerate(tasks, start=1):
        if progress:
            progress(f"sampling {n}/{len(tasks)}: {task['id']}")
        got = sampler.sample(task, k)
        flat_tasks += [task] * len(got)
        answers += got
    sampled = time.monotonic()
    if progress:
        progress(f"judging {len(answers)} answers")
    rewards = score_batch(flat_tasks, answers, "guided", workers=workers)
    judged = time.monotonic()
    by_task: dict[str, list[Sample]] = {t["id"]: [] for t in tasks}
    for task, r in zip(flat_tasks, rewards, strict=True):
        group = by_task[task["id"]]
        group.append(Sample.of(task["id"], len(group), r))
    samples = [s for group in by_task.values() for s in group]
    return EvalResult(sampler.name, k, compute(by_task), samples,
                      {"sampling": sampled - start, "judging": judged - sampled})

