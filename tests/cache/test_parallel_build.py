"""A real `make -j4 CC=llmcc` whose processes are killed at random moments, then finished:
the store holds only whole, valid entries, and the finished build's objects are gcc's."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmcc.cache.project import ProjectCache
from llmcc.cache.queue import pending

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))
UNITS = 12
MAKEFILE = """\
SRCS := $(wildcard u*.c)
OBJS := $(SRCS:.c=.o)
CFLAGS = -O3 -MMD
all: prog
prog: $(OBJS)
\t$(CC) $(CFLAGS) $(OBJS) -o prog
clean:
\trm -f $(OBJS) $(OBJS:.o=.d) prog
-include $(OBJS:.o=.d)
"""


def _project(folder: Path) -> None:
    (folder / "Makefile").write_text(MAKEFILE)
    calls = []
    for n in range(UNITS):
        (folder / f"u{n}.c").write_text(
            f"long f{n}(const long *v, int k) {{ long s = {n}; "
            f"for (int i = 0; i < k; i++) s = s * 3 + v[i] * {n + 1}; return s; }}\n")
        calls.append(f"f{n}(v, 4)")
    decls = "".join(f"long f{n}(const long *, int);\n" for n in range(UNITS))
    (folder / "umain.c").write_text(
        f"#include <stdio.h>\n{decls}int main(void) {{ long v[4] = {{1, 2, 3, 4}};\n"
        f"printf(\"%ld\\n\", {' + '.join(calls)}); return 0; }}\n")


def _env(folder: Path) -> dict[str, str]:
    return {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_MODE": "async",
            "LLMCC_PROPOSERS": "variants", "LLMCC_LOG": str(folder / "llmcc.log")}


def _make(folder: Path, *args: str, kill_after: float | None = None) -> int | None:
    """Run make; with ``kill_after``, SIGKILL make and every llmcc it started after that
    many seconds (they share the process group)."""
    proc = subprocess.Popen(["make", "-s", "-j4", f"CC={LLMCC}", *args], cwd=folder,
                            env=_env(folder), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    if kill_after is None:
        return proc.wait(timeout=600)
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def _assert_consistent(project: ProjectCache) -> int:
    """Every entry reads back whole (a torn one would be removed by ``get`` and counted)."""
    entries = list(project.store.entries())
    torn = [e for e in entries if project.store.get(e.kind, e.key) is None]
    assert torn == []
    return len(entries)


@pytest.mark.slow
def test_killed_parallel_builds_leave_a_consistent_store(tmp_path):
    _project(tmp_path)
    plain = tmp_path / "plain"
    shutil.copytree(tmp_path, plain)
    assert subprocess.run(["make", "-s", "-j4", "CC=gcc"], cwd=plain).returncode == 0

    project = ProjectCache(tmp_path / "cache", tmp_path)
    delays = random.Random(5).sample([0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3], 4)
    killed = 0
    for delay in delays:
        killed += _make(tmp_path, kill_after=delay) is None
        _make(tmp_path, "clean")
        _assert_consistent(project)
    assert killed >= 2  # the kills did land mid-build

    # A background optimizer killed mid-write, then run to the end.
    worker = subprocess.Popen([LLMCC, "optimize"], cwd=tmp_path, env=_env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    time.sleep(2.0)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    _assert_consistent(project)

    assert _make(tmp_path) == 0
    assert _assert_consistent(project) > 0
    done = subprocess.run([LLMCC, "optimize"], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert pending(project) == []
    _make(tmp_path, "clean")
    assert _make(tmp_path) == 0
    assert _assert_consistent(project) > 0
    run = subprocess.run(["./prog"], cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout == subprocess.run(["./prog"], cwd=plain, capture_output=True,
                                        text=True).stdout
    # functions whose decision kept gcc's code give gcc's object byte for byte
    stats = subprocess.run([LLMCC, "cache", "stats"], cwd=tmp_path, env=_env(tmp_path),
                           capture_output=True, text=True)
    assert stats.returncode == 0
    listed = subprocess.run([LLMCC, "cache", "list"], cwd=tmp_path, env=_env(tmp_path),
                            capture_output=True, text=True).stdout
    for n in range(UNITS):
        line = next((ln for ln in listed.splitlines() if f"f{n} " in ln + " "), "")
        if "rewritten" not in line:
            assert (tmp_path / f"u{n}.o").read_bytes() == (plain / f"u{n}.o").read_bytes()
