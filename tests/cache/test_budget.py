"""The build budget: one limit for all compiles of a build, held across parallel processes,
spent functions left to gcc and said so in the log and the counters, and a new build after a
pause longer than build_gap_s."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.cache.budget import BuildBudget
from llmcc.cache.project import ProjectCache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "propose"))
from stub_server import Reply, StubServer

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))
# three functions the default policy offers, per unit
UNIT = "".join(f"long poly{{u}}_{n}(long x) {{{{ return x * x * x + {n} * x * x - 7 * x + 11; "
               "}}\n" for n in range(3))

CLAIMER = """
import sys
from pathlib import Path
from llmcc.cache.budget import BuildBudget
budget = BuildBudget(Path(sys.argv[1]), 7, 0.0, 300.0)
print(sum(budget.claim(1.0) is not None for _ in range(10)))
"""


def test_the_function_limit_holds_across_concurrent_processes(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    granted = [int(p.communicate(timeout=120)[0]) for p in procs]
    assert sum(granted) == 7, granted
    assert BuildBudget(tmp_path, 7, 0.0, 300.0).state().functions == 7


def test_seconds_are_summed_over_compiles_and_cap_what_a_function_gets(tmp_path):
    first, second = (BuildBudget(tmp_path, 0, 10.0, 300.0) for _ in range(2))
    assert first.claim(30.0) == 10.0
    first.spend(4.0)
    assert second.claim(30.0) == 6.0  # another compile of the build sees the same counts
    assert second.claim(2.0) == 2.0
    second.spend(6.5)
    assert first.claim(30.0) is None and first.spent()
    assert first.describe(first.state()) == "3 functions, 10.5 s of 10 s"


def test_a_pause_longer_than_the_gap_starts_a_new_build(tmp_path):
    budget = BuildBudget(tmp_path, 1, 0.0, 1.0)
    assert budget.claim(1.0) is not None and budget.claim(1.0) is None
    for _ in range(5):  # compiles keep touching: 1.5 s in all, yet one build
        time.sleep(0.3)
        budget.touch()
        assert budget.spent()
    time.sleep(1.3)
    assert not budget.spent()
    budget.touch()  # the first compile after the pause starts the new build
    assert budget.state()[:1] == (2,) and budget.state().functions == 0
    assert budget.claim(1.0) is not None and budget.claim(1.0) is None


def test_the_proposers_budget_is_cut_to_what_the_build_has_left(tmp_path):
    (tmp_path / "u.c").write_text(UNIT.format(u=0))
    subprocess.run(["gcc", "-O3", "-S", "u.c", "-o", "u.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "u.s").read_text())
    asked = []

    class Slow:
        name = "slow"

        def propose(self, task, budget_s):
            asked.append(budget_s)
            time.sleep(0.3)
            return []

    budget = BuildBudget(tmp_path / "cache", 0, 0.5, 300.0)
    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=[Slow()], source=str(tmp_path / "u.c"), compiler="gcc",
        flags=("-O3",), workdir=str(tmp_path), budget_s=30.0, build_budget=budget))
    # the first function may use 0.5 s, the second what the first left; then it is spent
    assert len(asked) == 2 and asked[0] == 0.5 and 0 < asked[1] <= 0.2, asked
    assert len(result.over_budget) == 1 and result.budget.value == "build_budget_spent"


@pytest.fixture
def empty_model():
    """A model server that answers at once with nothing: a function is offered (claimed and
    decided) without minutes of verifying and timing. (A server that is down would be no
    decision: test_outage.py.)"""
    with StubServer([Reply("")]) as stub:
        yield stub.url


def _env(folder, model_url, **settings):
    env = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_MODE": "sync",
           "LLMCC_PROPOSERS": "model", "LLMCC_MODEL_URL": model_url,
           "LLMCC_LOG": str(folder / "llmcc.log")}
    env.update({f"LLMCC_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def _compile_together(folder, units, env):
    """Build ``units`` with ``make -B -j`` and llmcc as CC: parallel llmcc processes."""
    objects = " ".join(f"{u}.o" for u in units)
    (folder / "Makefile").write_text(f"all: {objects}\n%.o: %.c\n\t$(CC) -O2 -c $< -o $@\n")
    done = subprocess.run(["make", "-B", f"-j{len(units)}", f"CC={LLMCC}"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _offered(folder) -> list[str]:
    """The functions offered to proposers so far: each has its decision in the cache."""
    return [r["function"] for r in ProjectCache(folder / "cache", folder).decisions()]


def _skipped(folder) -> list[int]:
    """Per budget line of the log, how many functions it left to gcc."""
    log = (folder / "llmcc.log").read_text().splitlines()
    lines = [line for line in log if " budget " in line]
    assert all(" outcome=build_budget_spent " in line and 'used="4 of 4 functions, ' in line
               for line in lines), lines
    return [int(line.split(" skipped=")[1].split()[0]) for line in lines]


def test_compiles_of_one_build_share_the_budget_and_a_later_build_gets_a_new_one(
        tmp_path, empty_model):
    for u in ("a", "b"):
        (tmp_path / f"{u}.c").write_text(UNIT.format(u=u))
    env = _env(tmp_path, empty_model, build_max_functions=4, build_gap_s=60)
    _compile_together(tmp_path, ["a", "b"], env)
    offered = _offered(tmp_path)
    assert len(offered) == 4 and len(set(offered)) == 4, offered
    cut = _skipped(tmp_path)  # one line per unit cut short (one unit, or both)
    assert sum(cut) == 2 and len(cut) in (1, 2), cut
    # what the budget left untried is gcc's own code
    for u in ("a", "b"):
        subprocess.run(["gcc", "-O3", "-c", f"{u}.c", "-o", f"{u}.gcc.o"], cwd=tmp_path,
                       check=True)
        assert (tmp_path / f"{u}.o").read_bytes() == (tmp_path / f"{u}.gcc.o").read_bytes()
    stats = subprocess.run([LLMCC, "cache", "stats"], cwd=tmp_path, env=env,
                           capture_output=True, text=True).stdout
    assert "skipped  build_budget_spent" in stats and stats.rstrip().endswith(" 2")
    summary = subprocess.run([LLMCC, "log", "--summary"], cwd=tmp_path, env=env,
                             capture_output=True, text=True).stdout
    assert "build_budget_spent" in summary and "4 functions offered" in summary

    # what was cut off waits in the queue; the objects were cached, so the same build
    # going on (make -B) compiles nothing and spends nothing
    from llmcc.cache.queue import pending

    project = ProjectCache(tmp_path / "cache", tmp_path)
    queued = [json.loads((project.folder / "queue" / name).read_text())["functions"]
              for name in pending(project)]
    assert sum(len(functions) for functions in queued) == 2, queued
    _compile_together(tmp_path, ["a", "b"], env)
    assert len(_offered(tmp_path)) == 4 and _skipped(tmp_path) == cut
    assert "outcome=cached" in (tmp_path / "llmcc.log").read_text().splitlines()[-1]

    # after a pause longer than the gap, llmcc optimize has a new budget for what was left
    time.sleep(1.2)
    done = subprocess.run([LLMCC, "optimize"], cwd=tmp_path, capture_output=True, text=True,
                          env=_env(tmp_path, empty_model, build_max_functions=4,
                                   build_gap_s=1),
                          timeout=300)
    assert done.returncode == 0, done.stderr
    offered = _offered(tmp_path)
    assert len(offered) == 6 and len(set(offered)) == 6, offered
    assert pending(project) == []
    assert BuildBudget(project.folder, 4, 0, 60).state().build == 2


def test_the_queue_worker_stops_when_the_budget_is_spent_and_leaves_the_rest_queued(
        tmp_path, empty_model):
    from llmcc.cache.queue import pending

    env = _env(tmp_path, empty_model, mode="async", build_max_functions=1)
    for u in ("a", "b", "c"):
        (tmp_path / f"{u}.c").write_text(UNIT.format(u=u))
        subprocess.run([LLMCC, "-O2", "-c", f"{u}.c", "-o", f"{u}.o"], cwd=tmp_path, env=env,
                       check=True)
    project = ProjectCache(tmp_path / "cache", tmp_path)
    assert len(pending(project)) == 3
    done = subprocess.run([LLMCC, "optimize"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "3 functions offered, 0 rewritten; 2 left untried (build_budget_spent)" in done.stdout
    assert "build budget spent (1 of 1 functions, " in done.stdout
    assert "2 queued units left for later" in done.stdout and len(pending(project)) == 2
    assert len(_offered(tmp_path)) == 1
