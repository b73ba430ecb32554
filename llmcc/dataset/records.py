"""tasks.jsonl: one task per line as a JSON object, checked when read, written atomically.

A function task is one function of one C translation unit::

    {"id": "<relpath>.c:<function>", "kind": "function", "split": "train" | "eval",
     "source": relpath, "unit": the unit preprocessed (gcc -E) so it compiles alone,
     "function": name, "compiler": "gcc", "flags": [effective baseline flags],
     "prompt": completion prompt, "messages": chat messages, "baseline": its -O3 assembly,
     "c_source": its C text, "signature": DWARF signature as JSON or null,
     "harness": {"run": n, "valid": n}, "best": {"text", "speedup", "ci_low", "origin"} or null,
     "prompt_version": n}

A program task is a whole C program with stdin/stdout tests (the research benchmark's shape)::

    {"id", "kind": "program", "split", "program": C source, "tests": [{"input", "output"}],
     "baseline": the whole -O3 assembly, "prompt", "messages", "compiler", "flags"}
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable

from llmcc.errors import LlmccError

KINDS = ("function", "program")
SPLITS = ("train", "eval")

# key -> the type every record of that kind must hold there
_COMMON = {"id": str, "kind": str, "split": str, "baseline": str, "prompt": str,
           "messages": list, "compiler": str, "flags": list}
REQUIRED = {
    "function": {**_COMMON, "source": str, "unit": str, "function": str, "c_source": str},
    "program": {**_COMMON, "program": str, "tests": list},
}


class DatasetError(LlmccError):
    """A tasks file or a source of tasks that llmcc cannot use."""


def load_tasks(path: str) -> list[dict]:
    """Every task in ``path``; DatasetError naming the file (and line) when it is missing,
    empty, or holds anything but well-formed tasks."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.readlines()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    tasks: list[dict] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            task = json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"{path}: line {number}: not JSON ({exc})") from None
        problem = check_task(task)
        if problem:
            raise DatasetError(f"{path}: line {number}: {problem}")
        if task["id"] in seen:
            raise DatasetError(f"{path}: line {number}: task id {task['id']!r} appears twice")
        seen.add(task["id"])
        tasks.append(task)
    if not tasks:
        raise DatasetError(f"{path}: no tasks in the file")
    return tasks


def check_task(task: object) -> str:
    """What is wrong with ``task`` as a task record; "" when nothing is."""
    if not isinstance(task, dict):
        return "a task must be a JSON object"
    kind = task.get("kind")
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)} (got {kind!r})"
    for key, kind_of in REQUIRED[kind].items():
        if key not in task:
            return f"a {kind} task needs {key!r}"
        if not isinstance(task[key], kind_of):
            return f"{key!r} must be a {kind_of.__name__}"
    if task["split"] not in SPLITS:
        return f"split must be one of {', '.join(SPLITS)} (got {task['split']!r})"
    if kind == "program":
        for n, test in enumerate(task["tests"]):
            if not (isinstance(test, dict) and isinstance(test.get("input"), str)
                    and isinstance(test.get("output"), str)):
                return f"test {n} must be an object with string input and output"
        if not task["tests"]:
            return "a program task needs at least one test"
    return ""


def write_tasks(path: str, tasks: Iterable[dict]) -> int:
    """Write ``tasks`` to ``path`` (replacing it only once all are written); their number."""
    tmp = f"{path}.{os.getpid()}.tmp"
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for task in tasks:
                fh.write(json.dumps(task, ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, path)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return count


def split_of(name: str, eval_fraction: float) -> str:
    """``eval`` for about ``eval_fraction`` of names, decided by the name's hash alone, so a
    source keeps its split when others are added (no leakage between dataset versions)."""
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return "eval" if h < eval_fraction else "train"


def select(tasks: list[dict], split: str) -> list[dict]:
    """The tasks of ``split`` (train, eval, or all)."""
    return tasks if split == "all" else [t for t in tasks if t["split"] == split]


def baseline_hash(task: dict) -> str:
    return hashlib.sha256(task["baseline"].encode("utf-8", "surrogateescape")).hexdigest()
