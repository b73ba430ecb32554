"""Async mode: builds never wait for proposers, they queue what the cache does not know;
`llmcc optimize` works the queue (each job once, even with two workers) and the next build
uses the decisions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from llmcc.cache.project import ProjectCache
from llmcc.cache.queue import pending

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

# gcc gives this the same code under every variant: the proposer finds nothing, quickly
POLY = "long poly{n}(long x) {{ return x * x * x + {n} * x * x - 7 * x + 11; }}\n"
# -O3 -funroll-loops wins here, as the examples show (tk_vec_mul_u32)
VEC = """#include <stddef.h>
#include <stdint.h>
void vmul(uint32_t *restrict out, const uint32_t *restrict a, const uint32_t *restrict b,
          size_t n)
{ for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i]; }
"""


def env_for(folder):
    return {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_MODE": "async",
            "LLMCC_PROPOSERS": "variants", "LLMCC_LOG": str(folder / "llmcc.log")}


def run(folder, *args):
    return subprocess.run([LLMCC, *args], cwd=folder, env=env_for(folder),
                          capture_output=True, text=True, timeout=600)


def test_async_build_queues_and_optimize_decides(tmp_path):
    (tmp_path / "vec.c").write_text(VEC)
    project = ProjectCache(tmp_path / "cache", tmp_path)
    for _ in range(2):  # the same unit twice is one job
        assert run(tmp_path, "-O2", "-c", "vec.c", "-o", "vec.o").returncode == 0
    assert len(pending(project)) == 1
    log = (tmp_path / "llmcc.log").read_text()
    assert " function " not in log  # nothing was proposed during the build
    done = run(tmp_path, "optimize")
    assert done.returncode == 0 and "1 queued units done" in done.stdout
    assert pending(project) == []
    assert "vec.c: 1 functions offered" in done.stdout
    run(tmp_path, "-O2", "-c", "vec.c", "-o", "vec.o")
    listed = run(tmp_path, "cache", "list").stdout
    assert "vmul" in listed
    last = (tmp_path / "llmcc.log").read_text().splitlines()[-1]
    if "rewritten" in listed.split("vmul")[1].split("\n")[0]:
        assert "outcome=optimized" in last
    assert "outcome=cached" not in last  # decisions changed: the object was rebuilt


def test_two_workers_take_each_job_once(tmp_path):
    for n in range(4):
        (tmp_path / f"p{n}.c").write_text(POLY.format(n=n + 2))
        assert run(tmp_path, "-O2", "-c", f"p{n}.c").returncode == 0
    project = ProjectCache(tmp_path / "cache", tmp_path)
    assert len(pending(project)) == 4
    workers = [subprocess.Popen([LLMCC, "optimize"], cwd=tmp_path, env=env_for(tmp_path),
                                stdout=subprocess.PIPE, text=True) for _ in range(2)]
    lines = [ln for w in workers for ln in w.communicate(timeout=600)[0].splitlines()
             if ln.startswith("p")]
    assert sorted(ln.split(":")[0] for ln in lines) == [f"p{n}.c" for n in range(4)]
    assert pending(project) == []


def test_optimize_without_proposers_is_an_error(tmp_path):
    env = {**env_for(tmp_path), "LLMCC_PROPOSERS": "none"}
    proc = subprocess.run([LLMCC, "optimize"], cwd=tmp_path, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "no proposers configured" in proc.stderr
