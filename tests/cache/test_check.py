"""`llmcc check`: a rewrite that slipped past the verifier but breaks the project's own
test is found among the accepted ones, rejected, and the rebuilt project passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.cache.decisions import DecisionCache
from llmcc.cache.project import ProjectCache
from llmcc.config import Settings
from llmcc.outcome import Outcome
from llmcc.propose import decision_identity
from llmcc.records import Candidate, Speedup

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

UNIT = """
long poly(long x) { return x * x * x + 3 * x * x - 7 * x + 11; }
long mix(long x) { return (x ^ (x >> 7)) * 31 + (x << 3) - 5; }
long sat(long x) { return x > 1000 ? 1000 : x < -1000 ? -1000 : x * 2 + 1; }
"""
MAIN = """#include <stdio.h>
long poly(long), mix(long), sat(long);
int main(void) {
    long ok = poly(3) == 44 && mix(1000) == 39212 && sat(7) == 15;
    puts(ok ? "ok" : "WRONG");
    return !ok;
}
"""
BUILD_AND_TEST = "llmcc -O2 -c unit.c -o unit.o && gcc main.c unit.o -o prog && ./prog"


class Recorded:
    """Proposes the texts it is given, like the variants proposer would have."""

    name = "variants"

    def __init__(self, texts):
        self.texts = texts

    def propose(self, task, budget_s):
        return [Candidate(task.name, self.texts[task.name], "variants:test")]


def accept(candidate, task, evidence):  # a timer that accepts everything
    return pipeline.Verdict(candidate, Outcome.ACCEPTED, "timing", "stub", Speedup(1.2))


def broken_project(tmp_path):
    """A project whose cache holds three accepted rewrites, one of them wrong (as if the
    verifier had missed it: mix subtracts 4 instead of 5); returns the environment."""
    (tmp_path / "unit.c").write_text(UNIT)
    (tmp_path / "main.c").write_text(MAIN)
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "LLMCC_CACHE_DIR": str(cache_dir),
           "PATH": os.path.dirname(LLMCC) + os.pathsep + os.environ["PATH"]}
    subprocess.run(["gcc", "-O3", "-S", "unit.c", "-o", "unit.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "unit.s").read_text())
    texts = {name: unit.function_text(name) for name in ("poly", "mix", "sat")}
    assert "leaq\t-5(" in texts["mix"]
    texts["mix"] = texts["mix"].replace("leaq\t-5(", "leaq\t-4(")
    assert subprocess.run(["sh", "-c", BUILD_AND_TEST.replace("llmcc", "gcc")], cwd=tmp_path,
                          capture_output=True, text=True).stdout == "ok\n"
    project = ProjectCache(cache_dir, tmp_path)
    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=[Recorded(texts)], source=str(tmp_path / "unit.c"), compiler="gcc",
        flags=("-O3",), workdir=str(tmp_path),
        cache=DecisionCache(project, decision_identity(Settings(proposers=("variants",))))),
        [pipeline.static_checks, accept])
    assert sorted(result.rewritten) == ["mix", "poly", "sat"]
    return env


def test_check_finds_rejects_and_rebuilds(tmp_path):
    (tmp_path / "llmcc.toml").write_text('proposers = ["variants"]\nlog = "llmcc.log"\n')
    env = broken_project(tmp_path)
    failing = subprocess.run(["sh", "-c", BUILD_AND_TEST], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert "WRONG" in failing.stdout  # the build used the cached, wrong rewrite

    checked = subprocess.run([LLMCC, "check", "--", BUILD_AND_TEST], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "rejected mix" in checked.stdout and "rejected poly" not in checked.stdout
    assert "the tests pass" in checked.stdout.splitlines()[-1]
    shown = subprocess.run([LLMCC, "cache", "show", "mix"], cwd=tmp_path, env=env,
                           capture_output=True, text=True).stdout
    assert "user_test_failed at user_tests" in shown
    again = subprocess.run(["sh", "-c", BUILD_AND_TEST], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert again.stdout.strip() == "ok"
    # with every rewrite fine, check says so
    passing = subprocess.run([LLMCC, "check", "--", BUILD_AND_TEST], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
    assert passing.returncode == 0 and "pass with all 2 accepted rewrites" in passing.stdout


def test_check_without_tests_is_a_usage_error(tmp_path):
    proc = subprocess.run([LLMCC, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and "nothing to check" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_check_with_stdin_stdout_cases_from_the_config(tmp_path):
    (tmp_path / "llmcc.toml").write_text(
        'proposers = ["variants"]\nlog = "llmcc.log"\n'
        'check_build = "llmcc -O2 -c unit.c -o unit.o && gcc filter.c unit.o -o filter"\n'
        'test_program = "filter"\ntest_cases = "cases"\n')
    env = broken_project(tmp_path)
    (tmp_path / "filter.c").write_text(
        '#include <stdio.h>\nlong mix(long);\n'
        'int main(void) { long x; while (scanf("%ld", &x) == 1) printf("%ld\\n", mix(x));'
        ' return 0; }\n')
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "one.in").write_text("1000\n0\n")
    (tmp_path / "cases" / "one.out").write_text("39212\n-5\n")
    checked = subprocess.run([LLMCC, "check"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "filter < one.in: output differs from one.out" in checked.stdout
    assert "rejected mix" in checked.stdout and "the tests pass" in checked.stdout


def test_exclude_all_leaves_every_rewrite_out(tmp_path):
    (tmp_path / "llmcc.toml").write_text('proposers = ["variants"]\n')
    env = broken_project(tmp_path)
    built = subprocess.run(["sh", "-c", BUILD_AND_TEST], cwd=tmp_path, capture_output=True,
                           env={**env, "LLMCC_EXCLUDE_REWRITES": "all"}, text=True)
    assert built.stdout == "ok\n"  # gcc's mix, not the cached wrong rewrite
    plain = subprocess.run(["gcc", "-O3", "-c", "unit.c", "-o", "gcc.o"], cwd=tmp_path)
    assert plain.returncode == 0
    assert (tmp_path / "unit.o").read_bytes() == (tmp_path / "gcc.o").read_bytes()
    with_rewrites = subprocess.run(["sh", "-c", BUILD_AND_TEST], cwd=tmp_path, env=env,
                                   capture_output=True, text=True)
    assert "WRONG" in with_rewrites.stdout
