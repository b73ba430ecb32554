#!/usr/bin/env python3
"""Wall time of building a multi-file C project with CC=llmcc (no proposers) vs plain gcc.

Builds each project from clean, alternating gcc and llmcc in random order per
round, and prints the median wall time of each and their ratio (goal: <= 1.15).

    .venv/bin/python bench/build_overhead.py [--rounds 7] [--jobs 1] [--project DIR ...]

Projects: examples/ (its own Makefile) and tests/corpus/ (100 TUs, built by a
generated Makefile with -O2 -g), plus any --project DIR whose Makefile has
`all` and `clean` targets and honours CC (it is copied first). The machine is
shared and noisy: read the medians and the ratio, not single runs.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLMCC = str(Path(sys.executable).parent / "llmcc")

CORPUS_MAKEFILE = """\
CFLAGS = -O2 -g -Wall
SRCS := $(wildcard *.c)
OBJS := $(SRCS:.c=.o)
all: $(OBJS)
%.o: %.c
\t$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
clean:
\trm -f *.o *.d
"""


def prepare(tmp: Path, extra: list[str]) -> dict[str, Path]:
    examples = tmp / "examples"
    shutil.copytree(ROOT / "examples", examples)
    corpus = tmp / "corpus"
    corpus.mkdir()
    for src in (ROOT / "tests" / "corpus").glob("*.c"):
        shutil.copy(src, corpus)
    (corpus / "Makefile").write_text(CORPUS_MAKEFILE)
    projects = {"examples": examples, "corpus (100 TUs)": corpus}
    for folder in extra:
        copy = tmp / Path(folder).name
        shutil.copytree(folder, copy)
        projects[Path(folder).name] = copy
    return projects


def build(project: Path, cc: str, jobs: int, env: dict[str, str]) -> float:
    subprocess.run(["make", "-s", "clean"], cwd=project, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run(["make", "-s", f"-j{jobs}", f"CC={cc}", "all"], cwd=project, check=True,
                   capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--project", action="append", default=[],
                        help="another project folder to build (repeatable)")
    opts = parser.parse_args()
    # the wrapper's own cost: no proposers, and no cache (bench/cache_rebuild.py measures it)
    env = dict(os.environ, LLMCC_PROPOSERS="none", LLMCC_LOG="off", LLMCC_MODE="off")
    # measure llmcc as users run it: with its bytecode compiled and cached
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "llmcc"),
                    str(ROOT / "grammar")], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="llmcc-bench-") as tmp:
        projects = prepare(Path(tmp), opts.project)
        print(f"{'project':<18} {'gcc median':>11} {'llmcc median':>13} {'ratio':>7}  rounds")
        for name, folder in projects.items():
            times: dict[str, list[float]] = {"gcc": [], LLMCC: []}
            build(folder, "gcc", opts.jobs, env)  # warm the page cache
            for _ in range(opts.rounds):
                order = ["gcc", LLMCC]
                random.shuffle(order)
                for cc in order:
                    times[cc].append(build(folder, cc, opts.jobs, env))
            gcc_med = statistics.median(times["gcc"])
            llmcc_med = statistics.median(times[LLMCC])
            ratios = [b / a for a, b in zip(times["gcc"], times[LLMCC], strict=True)]
            print(f"{name:<18} {gcc_med:10.2f}s {llmcc_med:12.2f}s {llmcc_med / gcc_med:7.3f}"
                  f"  {opts.rounds} (paired ratios {min(ratios):.3f}..{max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
