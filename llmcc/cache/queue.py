"""The optimization queue of ``async`` mode: builds leave a job per unit whose functions the
cache knew nothing of; ``llmcc optimize`` takes jobs one at a time (claimed by an atomic
rename, so two workers never share one), decides the functions, and drops the project's
cached objects so the next build picks the decisions up."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from llmcc.cache.keys import compiler_identity, digest
from llmcc.cache.project import ProjectCache
from llmcc.cache.store import within
from llmcc.cache.trust import seal, sealed
from llmcc.errors import CacheError
from llmcc.files import replace_text

JOB_NAME_LENGTH = 24  # hex digits of a job's name: enough to tell units apart
MAX_JOB_BYTES = 1 << 20  # a job names one unit's flags and functions: far less than this


class Job(NamedTuple):
    """A unit a build of this user's queued, as it ran it."""

    name: str
    cwd: str
    compiler: str  # the absolute path the driver resolved (llmcc.driver.compiler.resolve)
    compiler_id: str  # its identity then (llmcc.cache.keys.compiler_identity)
    source: str
    flags: tuple[str, ...]
    functions: tuple[str, ...]


class Refused(NamedTuple):
    """A queue file that is not a job this user's llmcc wrote: it is never run."""

    name: str
    reason: str


def enqueue(project: ProjectCache, compiler: str, source: str, flags: tuple[str, ...],
            functions: tuple[str, ...]) -> None:
    """Queue a unit (once: the same unit with the same flags is one job), sealed as this
    user's (llmcc.cache.trust): the queue folder may be shared, and a job runs a compiler."""
    job = {"cwd": os.getcwd(), "compiler": compiler,
           "compiler_id": compiler_identity(compiler, project.shared), "source": source,
           "flags": list(flags), "functions": list(functions), "queued": time.time()}
    folder = project.folder / "queue"
    if not within(folder, project.root):
        raise CacheError(f"{folder} leads out of the cache folder {project.root}")
    folder.mkdir(parents=True, exist_ok=True)
    name = digest("job", job["cwd"], compiler, source, job["flags"])[:JOB_NAME_LENGTH]
    replace_text(folder / f"{name}.job", json.dumps(seal("job", name, job)))
    project.remember_project()


def pending(project: ProjectCache) -> list[str]:
    folder = project.folder / "queue"
    return sorted(p.name for p in folder.glob("*.job")) if folder.is_dir() else []


def claim(project: ProjectCache, more: Callable[[], bool] = lambda: True
          ) -> Iterator[Job | Refused]:
    """Jobs this worker alone now holds, oldest first; each is removed once the caller
    moves on to the next (a worker that dies leaves its claim for `--stale` recovery), and
    no further one is claimed once ``more()`` says no (a spent build budget). A file that
    is not a job this user's llmcc sealed comes as Refused."""
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
        yield _read(taken)
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


def _read(path: Path) -> Job | Refused:
    name = ascii(path.name.split(".", 1)[0])[1:-1]  # anyone may name a file: escaped
    try:  # a plain file of a job's size: not a link, a FIFO that blocks, or /dev/zero
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            text = fh.read(MAX_JOB_BYTES + 1) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        data = json.loads(text) if len(text) <= MAX_JOB_BYTES else None
    except (OSError, ValueError):
        data = None
    if data is None:
        return Refused(name, "not a job llmcc wrote")
    if not sealed("job", name, data):
        return Refused(name, "not sealed by this user's llmcc (written or changed by "
                             "someone else, or no secret in the user's state folder)")
    fields = ("cwd", "compiler", "compiler_id", "source")
    if not all(isinstance(data.get(f), str) for f in fields) or not all(
            isinstance(data.get(f), list) and all(isinstance(x, str) for x in data[f])
            for f in ("flags", "functions")):
        return Refused(name, "not a job this llmcc can read")
    return Job(name, *(data[f] for f in fields), tuple(data["flags"]),
               tuple(data["functions"]))
