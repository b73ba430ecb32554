"""Program tasks from the research benchmark's files (JSONL or parquet), with llmcc's own -O3
baseline and prompt.

Each row is read through one documented mapping (fields are looked up in the row, then in
its ``extra_info`` object, as in the verl parquet files of "Improving Assembly Code
Performance with LLMs via RL", whose rows keep ``c_code``, ``inputs`` and ``outputs`` there):

- the program: ``c_code``, ``src_code``, ``program``, ``source`` or ``code``;
- the tests: ``tests`` (a list of ``{"input", "output"}``), or the lists ``inputs`` and
  ``outputs``, or one ``input`` and ``output``;
- the id: ``id``, ``problem_id``, ``problem_idx``, ``index`` or ``submission_id`` (else the
  row number);
- the split: ``split`` (``train``; ``val``, ``valid``, ``validation``, ``test``, ``eval``
  count as eval), else by the id's hash.

The baseline is always compiled here (``gcc -O3 -S``): the benchmark's own assembly may come
from another gcc, and one of its fields is named ``unoptimized_assembly``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from llmcc import subproc
from llmcc.dataset.build import BuildResult
from llmcc.dataset.records import DatasetError, split_of
from llmcc.files import private_dir, remove_dir
from llmcc.propose.prompt import COMPLETION_PRIMER, SYSTEM, target_isa

PROGRAM_FIELDS = ("c_code", "src_code", "program", "source", "code")
ID_FIELDS = ("id", "problem_id", "problem_idx", "index", "submission_id")
EVAL_SPLITS = frozenset({"val", "valid", "validation", "test", "eval"})

# Part of every program task: raise it whenever the program prompt's wording changes.
PROGRAM_PROMPT_VERSION = 1

_PROGRAM_INSTRUCTIONS = """\
Rewrite the x86-64 assembly of the C program below so that it runs faster with identical \
behaviour: the same standard output and exit status for every input.

- Write AT&T syntax for the GNU assembler, in the form gcc emits it, for the whole program; \
it is linked with gcc and the C library as it is.
- Use only instructions the target allows: {isa}.
- Output only the complete assembly, in one ```asm fenced block."""


def program_messages(program: str, assembly: str, isa: str) -> list[dict[str, str]]:
    user = "\n".join([_PROGRAM_INSTRUCTIONS.format(isa=isa), "", "C program:", "```c",
                      program.strip("\n"), "```", "", "gcc -O3 assembly:", "```asm",
                      assembly.strip("\n"), "```"]) + "\n"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def program_completion_prompt(messages: list[dict[str, str]]) -> str:
    return (f"{messages[0]['content']}\n\n{messages[1]['content']}\nThe faster assembly:\n"
            f"{COMPLETION_PRIMER}")


Progress = Callable[[str], None]


def read_rows(path: str) -> list[dict]:
    """The rows of a JSONL, JSON (an array) or parquet file."""
    if not os.path.isfile(path):
        raise DatasetError(f"{path}: no such file")
    if path.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise DatasetError(f"{path}: reading parquet needs pyarrow "
                               "(pip install pyarrow)") from None
        try:
            return pq.read_table(path).to_pylist()
        except Exception as exc:
            raise DatasetError(f"{path}: not a readable parquet file ({exc})") from None
    rows = []
    try:
        with open(path, encoding="utf-8") as fh:
            if path.endswith(".json"):
                data = json.load(fh)
                rows = data if isinstance(data, list) else [data]
            else:
                for number, line in enumerate(fh, start=1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except ValueError as exc:
                            raise DatasetError(f"{path}: line {number}: not JSON ({exc})") \
                                from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def _field(row: dict, names: tuple[str, ...]):
    extra = row.get("extra_info") if isinstance(row.get("extra_info"), dict) else {}
    for where in (row, extra):
        for name in names:
            if where.get(name) not in (None, ""):
                return where[name]
    return None


def map_row(row: object, number: int) -> tuple[str, str, list[dict], str | None]:
    """(id, program, tests, split or None) of one row; DatasetError naming what is missing
    for a row of unknown shape."""
    if not isinstance(row, dict):
        raise DatasetError(f"row {number}: not an object")
    program = _field(row, PROGRAM_FIELDS)
    tests = _tests(row)
    if not isinstance(program, str) or tests is None:
        keys = sorted(row) + [f"extra_info.{k}" for k in sorted(row.get("extra_info") or {})
                              if isinstance(row.get("extra_info"), dict)]
        want = ("a C program (" + " | ".join(PROGRAM_FIELDS) + ") and tests (tests | inputs"
                "+outputs | input+output)")
        raise DatasetError(f"row {number}: unknown task shape: has {', '.join(keys) or 'nothing'}"
                           f"; needs {want}")
    ident = _field(row, ID_FIELDS)
    split = _field(row, ("split",))
    if isinstance(split, str):
        split = "eval" if split.lower() in EVAL_SPLITS else "train" if split == "train" else None
    return (str(ident) if ident is not None else str(number), program, tests,
            split if isinstance(split, str) else None)


def _tests(row: dict) -> list[dict] | None:
    tests = _field(row, ("tests",))
    if isinstance(tests, list) and tests and all(
            isinstance(t, dict) and isinstance(t.get("input"), str)
            and isinstance(t.get("output"), str) for t in tests):
        return [{"input": t["input"], "output": t["output"]} for t in tests]
    inputs, outputs = _field(row, ("inputs",)), _field(row, ("outputs",))
    if isinstance(inputs, list) and isinstance(outputs, list) and inputs and \
            len(inputs) == len(outputs) and all(isinstance(x, str) for x in inputs + outputs):
        return [{"input": i, "output": o} for i, o in zip(inputs, outputs, strict=True)]
    single_in, single_out = _field(row, ("input",)), _field(row, ("output",))
    if isinstance(single_in, str) and isinstance(single_out, str):
        return [{"input": single_in, "output": single_out}]
    return None


def import_tasks(path: str, *, compiler: str = "gcc", flags: tuple[str, ...] = ("-O3",),
                 eval_fraction: float = 0.2, limit: int | None = None,
                 progress: Progress | None = None) -> BuildResult:
    """Program tasks from the rows of ``path``. An unknown shape is an error naming the file;
    a program gcc cannot compile is left out (``skipped``)."""
    rows = read_rows(path)
    if limit is not None:
        rows = rows[:limit]
    stem = os.path.splitext(os.path.basename(path))[0]
    try:
        return import_rows(rows, stem, compiler=compiler, flags=flags,
                           eval_fraction=eval_fraction, progress=progress)
    except DatasetError as exc:
        raise DatasetError(f"{path}: {exc}") from None


def import_rows(rows: list, stem: str, *, compiler: str = "gcc",
                flags: tuple[str, ...] = ("-O3",), eval_fraction: float = 0.2,
                progress: Progress | None = None) -> BuildResult:
    """Program tasks from research-shaped ``rows``, with ids ``<stem>:<id>``."""
    tasks: list[dict] = []
    skipped: list[str] = []
    seen: set[str] = set()
    workdir = private_dir("")
    try:
        for number, row in enumerate(rows, start=1):
            ident, program, tests, split = map_row(row, number)
            task_id = f"{stem}:{ident}"
            if task_id in seen:
                task_id = f"{stem}:{ident}#{number}"
            seen.add(task_id)
            if progress:
                progress(task_id)
            baseline = compile_program(program, compiler, flags, workdir)
            if baseline.startswith("error: "):
                skipped.append(f"{task_id}: {baseline[7:]}")
                continue
            messages = program_messages(program, baseline, target_isa(flags))
            tasks.append({
                "id": task_id, "kind": "program",
                "split": split or split_of(task_id, eval_fraction),
                "program": program, "tests": tests, "baseline": baseline,
                "prompt": program_completion_prompt(messages), "messages": messages,
                "compiler": compiler, "flags": list(flags),
                "prompt_version": PROGRAM_PROMPT_VERSION,
            })
    finally:
        remove_dir(workdir)
    return BuildResult(tasks, skipped)


def compile_program(program: str, compiler: str, flags: tuple[str, ...], workdir: str) -> str:
    """The program's whole assembly, or ``"error: ..."`` with gcc's first error."""
    src = os.path.join(workdir, "program.c")
    out = os.path.join(workdir, "program.s")
    with open(src, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(program)
    proc = subproc.run([compiler, *flags, "-w", "-S", src, "-o", out], timeout=120)
    if not proc.ok:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        return "error: gcc: " + next((ln for ln in lines if "error" in ln),
                                     lines[0] if lines else "failed")
    with open(out, encoding="utf-8", errors="surrogateescape") as fh:
        return fh.read()
