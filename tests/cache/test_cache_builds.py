"""The cache through real compiles: a hit gives gcc's object, dependency file and warnings
byte for byte, anything that changes the object misses, damage is repaired, modes and
projects behave, and recorded function decisions are reused (re-timed on another CPU)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.cache.decisions import DecisionCache
from llmcc.cache.project import ProjectCache
from llmcc.outcome import Outcome
from llmcc.records import Candidate, Speedup

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

UNIT = """#include "scale.h"
int unused_warning(int x) { int y; return x + SCALE; }
long sum(const int *v, int n)
{ long s = 0; for (int i = 0; i < n; i++) s += v[i] * SCALE; return s; }
"""


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "unit.c").write_text(UNIT)
    (tmp_path / "scale.h").write_text("#define SCALE 3\n")
    (tmp_path / "llmcc.toml").write_text('log = "llmcc.log"\n')
    return tmp_path


def llmcc(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), **(env or {})}
    return subprocess.run([LLMCC, *args], cwd=folder, env=full, capture_output=True,
                          timeout=300)


def outcomes(folder: Path) -> list[str]:
    log = (folder / "llmcc.log").read_text()
    return [ln.split("outcome=")[1].split()[0] for ln in log.splitlines() if " compile " in ln]


COMPILE = ("-O2", "-g", "-Wall", "-MMD", "-c", "unit.c", "-o", "unit.o")


def test_a_hit_gives_the_same_object_dependency_file_and_warnings(project):
    first = llmcc(project, *COMPILE)
    made = {name: (project / name).read_bytes() for name in ("unit.o", "unit.d")}
    for name in made:
        (project / name).unlink()
    second = llmcc(project, *COMPILE)
    assert outcomes(project) == ["unchanged", "cached"]
    assert {name: (project / name).read_bytes() for name in made} == made
    assert b"unused" in first.stderr and second.stderr == first.stderr
    assert second.returncode == first.returncode == 0
    gcc = subprocess.run(["gcc", "-O3", *COMPILE[1:5], "unit.c", "-o", "gcc.o"],
                         cwd=project, capture_output=True)
    assert gcc.returncode == 0 and (project / "gcc.o").read_bytes() == made["unit.o"]


def test_what_changes_the_object_misses(project):
    llmcc(project, *COMPILE)
    llmcc(project, "-O2", "-g", "-Wall", "-DEXTRA", "-MMD", "-c", "unit.c", "-o", "unit.o")
    (project / "scale.h").write_text("#define SCALE 5\n")
    llmcc(project, *COMPILE)
    (project / "unit.c").write_text(UNIT + "int more(void) { return 1; }\n")
    llmcc(project, *COMPILE)
    wrapper = project / "mygcc"  # another compiler: its contents differ
    wrapper.write_text('#!/bin/sh\nexec gcc "$@"\n')
    wrapper.chmod(0o755)
    llmcc(project, str(wrapper), *COMPILE)
    assert outcomes(project) == ["unchanged"] * 5
    llmcc(project, str(wrapper), *COMPILE)
    assert outcomes(project)[-1] == "cached"


def test_a_damaged_entry_is_a_miss_and_is_replaced(project):
    llmcc(project, *COMPILE)
    objects = list((project / "cache").glob("projects/*/obj/*/*"))
    assert len(objects) == 1
    objects[0].write_bytes(objects[0].read_bytes()[:-10])
    llmcc(project, *COMPILE)
    llmcc(project, *COMPILE)
    assert outcomes(project) == ["unchanged", "unchanged", "cached"]


def test_mode_off_touches_no_cache_and_projects_are_apart(project, tmp_path_factory):
    llmcc(project, *COMPILE, env={"LLMCC_MODE": "off"})
    assert not (project / "cache").exists()
    other = tmp_path_factory.mktemp("other")
    for name in ("unit.c", "scale.h", "llmcc.toml"):
        shutil.copy(project / name, other / name)
    shared = {"LLMCC_CACHE_DIR": str(project / "cache")}
    llmcc(project, *COMPILE, env=shared)
    llmcc(other, *COMPILE, env=shared)
    assert outcomes(other) == ["unchanged"]  # not the first project's object
    for folder in (project, other):
        stats = json.loads(llmcc(folder, "cache", "stats", "--json", env=shared).stdout)
        assert stats["project"] == str(folder) and stats["counters"]["object_misses"] == 1


# -- function decisions ----------------------------------------------------------------

SOURCE = "int twice(int x) { return x + x; }\n"
BETTER = "\t.text\n\t.globl\ttwice\n\t.type\ttwice, @function\ntwice:\n" \
         "\tleal\t(%rdi,%rdi), %eax\n\tret\n\t.size\ttwice, .-twice\n"


class Counting:
    name = "counting"

    def __init__(self):
        self.calls = 0

    def propose(self, task, budget_s):
        self.calls += 1
        return [Candidate(task.name, BETTER, "counting:0")]


class Builds:
    """The pipeline on one unit with a counting proposer and a timer stub that accepts
    (and records what it timed), against a cache folder of the test's choice."""

    def __init__(self, folder):
        self.folder = folder
        (folder / "t.c").write_text(SOURCE)
        subprocess.run(["gcc", "-O3", "-S", "t.c", "-o", "t.s"], cwd=folder, check=True)
        self.unit = parse_module((folder / "t.s").read_text())
        self.proposer = Counting()
        self.timed = []

    def timer(self, candidate, task, evidence):
        self.timed.append(candidate.origin)
        return pipeline.Verdict(candidate, Outcome.ACCEPTED, "timing", "stub", Speedup(1.5))

    def build(self, cache_dir, **kw):
        cache = DecisionCache(ProjectCache(cache_dir, self.folder), ("counting",))
        return pipeline.optimize(pipeline.UnitTask(
            self.unit, proposers=[self.proposer], source=str(self.folder / "t.c"),
            compiler="gcc", flags=("-O3",), workdir=str(self.folder), min_instructions=1,
            cache=cache, **kw), [pipeline.static_checks, pipeline.differential_tests,
                                 self.timer])


def test_decisions_are_reused_and_retimed_on_another_cpu(tmp_path):
    runs = Builds(tmp_path)
    unit, proposer, timed = runs.unit, runs.proposer, runs.timed
    project = ProjectCache(tmp_path / "cache", tmp_path)

    def build(**kw):
        return runs.build(tmp_path / "cache", **kw)

    assert build().rewritten == ["twice"] and proposer.calls == 1
    again = build()
    assert again.rewritten == ["twice"] and proposer.calls == 1 and len(timed) == 1
    assert "cache: decided before" in again.decisions[0].notes
    # recorded on another CPU model: the acceptance is judged (and timed) again
    entry = next(project.store.entries("fn"))
    record = project.store.get_json("fn", entry.key)
    project.store.put_json("fn", entry.key, {**record, "cpu": "another CPU"})
    assert build().rewritten == ["twice"] and len(timed) == 2 and proposer.calls == 1
    # cache-only with an empty cache proposes nothing
    empty = ProjectCache(tmp_path / "empty", tmp_path)
    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=[proposer], source=str(tmp_path / "t.c"), compiler="gcc",
        flags=("-O3",), workdir=str(tmp_path), min_instructions=1,
        cache=DecisionCache(empty, ("counting",)), cache_only=True))
    assert result.decisions == [] and proposer.calls == 1
    # and the CLI shows it
    env = {**os.environ, "LLMCC_CACHE_DIR": str(tmp_path / "cache")}
    shown = subprocess.run([LLMCC, "cache", "show", "twice"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert "* 0: counting:0: accepted at timing" in shown.stdout
    listed = json.loads(subprocess.run([LLMCC, "cache", "list", "--json"], cwd=tmp_path,
                                       env=env, capture_output=True, text=True).stdout)
    assert [(r["function"], r["status"]) for r in listed] == [("twice", "rewritten")]
    diff = subprocess.run([LLMCC, "cache", "diff", "twice"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert diff.returncode == 0 and "(counting:0)" in diff.stdout
    missing = subprocess.run([LLMCC, "cache", "show", "nope"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "no cached decision for 'nope'" in missing.stderr
    cleared = subprocess.run([LLMCC, "cache", "clear"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert "removed" in cleared.stdout and not list(project.store.entries("fn"))


def test_export_import_retimes_and_report(tmp_path):
    runs = Builds(tmp_path)
    build, proposer, timed = runs.build, runs.proposer, runs.timed

    build(tmp_path / "here")
    assert len(timed) == 1 and proposer.calls == 1

    def cli(cache_dir, *args):
        env = {**os.environ, "LLMCC_CACHE_DIR": str(cache_dir)}
        return subprocess.run([LLMCC, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True)

    assert "exported 1 decisions (1 rewrites)" in cli(tmp_path / "here", "cache", "export",
                                                      "d.jsonl").stdout
    assert cli(tmp_path / "there", "cache", "import", "d.jsonl").returncode == 0
    # on the other machine the rewrite is verified and timed again, not proposed again
    assert build(tmp_path / "there").rewritten == ["twice"]
    assert len(timed) == 2 and proposer.calls == 1
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    bad = cli(tmp_path / "there", "cache", "import", "bad.jsonl")
    assert bad.returncode == 1 and "bad.jsonl:1: not a decision" in bad.stderr
    report = cli(tmp_path / "there", "report").stdout
    assert "### `twice`" in report and "speedup 1.500x" in report and "```diff" in report
    page = cli(tmp_path / "there", "report", "--html", "-o", "r.html")
    assert page.returncode == 0 and "<h3>`twice` (" in (tmp_path / "r.html").read_text()
