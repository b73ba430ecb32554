"""The optimization queue of ``async`` mode: builds leave a job per unit whose functions the
cache knew nothing of; ``llmcc optimize`` takes jobs one at a time (claimed by an atomic
rename, so two workers never share one), decides the functions, and drops the project's
cached objects so the next build picks the decisions up."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator

from llmcc.cache.keys import digest
from llmcc.cache.project import ProjectCache
from llmcc.files import replace_text


def enqueue(project: ProjectCache, compiler: str, source: str, flags: tuple[str, ...],
            functions: tuple[str, ...]) -> None:
    """Queue a unit (once: the same unit with the same flags is one job)."""
    job = {"cwd": os.getcwd(), "compiler": compiler, "source": source, "flags": list(flags),
           "functions": list(functions), "queued": time.time()}
    folder = project.folder / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    name = digest("job", job["cwd"], compiler, source, job["flags"])[:24]
    replace_text(folder / f"{name}.job", json.dumps(job))
    project.remember_project()


def pending(project: ProjectCache) -> list[str]:
    folder = project.folder / "queue"
    return sorted(p.name for p in folder.glob("*.job")) if folder.is_dir() else []


def claim(project: ProjectCache, more: Callable[[], bool] = lambda: True) -> Iterator[dict]:
    """Jobs this worker alone now holds, oldest first; each is removed once the caller
    moves on to the next (a worker that dies leaves its claim for `--stale` recovery), and
    no further one is claimed once ``more()`` says no (a spent build budget)."""
    folder = project.folder / "queue"
    while True:
        jobs = sorted(folder.glob("*.job"), key=lambda p: p.stat().st_mtime) \
            if folder.is_dir() else []
        if not jobs:
            return
        taken = None
        for job in jobs:
            mine = job.with_suffix(f".claimed-{os.getpid()}")
            with contextlib.suppress(OSError):
                os.rename(job, mine)  # atomic: only one worker's rename succeeds
                taken = mine
                break
        if taken is None:
            continue
        try:
            data = json.loads(taken.read_text())
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            yield data
        with contextlib.suppress(OSError):
            taken.unlink()
        if not more():
            return


def requeue_stale(project: ProjectCache, age_s: float = 3600) -> int:
    """Claims older than ``age_s`` (their worker died) go back to the queue."""
    folder = project.folder / "queue"
    count = 0
    for claimed in folder.glob("*.claimed-*") if folder.is_dir() else []:
        with contextlib.suppress(OSError):
            if time.time() - claimed.stat().st_mtime > age_s:
                os.rename(claimed, claimed.with_suffix(".job"))
                count += 1
    return count
