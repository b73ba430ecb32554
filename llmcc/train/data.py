"""The tasks a run trains on: reading and checking tasks.jsonl, the batch of each step, and
the known faster version of a task written as the completion a model should give."""

from __future__ import annotations

import random

from llmcc.dataset.records import DatasetError, select
from llmcc.dataset.records import load_tasks as read_tasks

# A completion prompt ends inside the answer's opening fence (llmcc.propose.prompt's
# COMPLETION_PRIMER), so a full answer is the assembly and the closing fence.
CLOSING_FENCE = "```"


def load_tasks(path: str) -> list[dict]:
    """The train split of the tasks file ``path``, read and checked by llmcc.dataset.records;
    DatasetError naming the file when there are none."""
    tasks = read_tasks(path)
    for task in tasks:
        best = task.get("best")
        if best is not None and not (isinstance(best, dict) and isinstance(best.get("text"), str)):
            raise DatasetError(f"{path}: task {task['id']!r}: 'best' must be null or an "
                               "object with a text")
    chosen = select(tasks, "train")
    if not chosen:
        raise DatasetError(f"{path}: none of its {len(tasks)} tasks is in split 'train'")
    return chosen


def batch_for_step(tasks: list, batch_size: int, seed: int, step: int) -> list:
    """The tasks of step ``step`` (0-based): epochs of shuffled passes over ``tasks``, a
    function of (seed, step) only, so a resumed run sees the batches the first run would."""
    n = len(tasks)
    orders: dict[int, list[int]] = {}
    out = []
    for k in range(step * batch_size, (step + 1) * batch_size):
        epoch, index = divmod(k, n)
        if epoch not in orders:
            orders[epoch] = list(range(n))
            random.Random(f"{seed}:{epoch}").shuffle(orders[epoch])
        out.append(tasks[orders[epoch][index]])
    return out


def target_completion(task: dict) -> str | None:
    """The known faster version (``best.text``) as the completion of the task's prompt; None
    when the task has none."""
    best = task.get("best")
    if not best or not best.get("text", "").strip():
        return None
    text = best["text"]
    return (text if text.endswith("\n") else text + "\n") + CLOSING_FENCE
