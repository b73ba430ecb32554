"""`llmcc bench`: builds without and with the rewrites (LLMCC_EXCLUDE_REWRITES=all, then
none), times the benchmark on both programs and says which is faster; bad input is one
line and exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

PROGRAM = r"""
#include <stdio.h>
int main(void) {
    volatile unsigned long s = 0;
#ifdef SLOW
    for (unsigned long i = 0; i < 24000000UL; i++) s += i;
#else
    for (unsigned long i = 0; i < 8000000UL; i++) s += i;
#endif
    printf("%lu\n", s != 0);
    return 0;
}
"""
# The build honours what llmcc bench asks of it: every rewrite left out gives the slow
# program, so "with rewrites" is about 3x faster.
BUILD = ('if [ "$LLMCC_EXCLUDE_REWRITES" = all ]; then gcc -O1 -DSLOW prog.c -o prog; '
         'else gcc -O1 prog.c -o prog; fi')


def bench(folder, *args, toml=""):
    (folder / "llmcc.toml").write_text(toml)
    env = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache")}
    return subprocess.run([LLMCC, "bench", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)


def setup(folder, build=BUILD):
    (folder / "prog.c").write_text(PROGRAM)
    return f"check_build = '{build}'\nbench_program = 'prog'\n"


def test_a_faster_build_is_found_and_the_tree_is_left_with_rewrites(tmp_path):
    toml = setup(tmp_path)
    out = bench(tmp_path, "--json", "--", "{}", toml=toml)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["verdict"] == "faster"
    assert 2.0 < result["speedup"]["median"] < 4.5
    assert result["speedup"]["ci_low"] <= result["speedup"]["median"]
    assert result["without_rewrites_s"] > result["with_rewrites_s"]
    # the last build is the one with the rewrites
    fast = subprocess.run(["gcc", "-O1", "prog.c", "-o", "ref"], cwd=tmp_path)
    assert fast.returncode == 0
    assert (tmp_path / "prog").read_bytes() == (tmp_path / "ref").read_bytes()


def test_the_same_program_twice_is_not_faster(tmp_path):
    toml = setup(tmp_path, build="gcc -O1 prog.c -o prog")
    out = bench(tmp_path, "--budget", "20", "--", "{}", toml=toml)
    assert out.returncode == 0, out.stderr
    assert "verdict           faster" not in out.stdout
    assert "speedup" in out.stdout


def test_bad_input_is_one_line(tmp_path):
    toml = setup(tmp_path)
    no_build = bench(tmp_path, "--", "{}", toml="bench_program = 'prog'\n")
    assert no_build.returncode == 2 and "set check_build" in no_build.stderr
    no_placeholder = bench(tmp_path, "--", "./prog", toml=toml)
    assert no_placeholder.returncode == 2 and "{}" in no_placeholder.stderr
    nothing = bench(tmp_path, toml=toml)
    assert nothing.returncode == 2 and "nothing to time" in nothing.stderr
    broken = bench(tmp_path, "--", "{}", toml=setup(tmp_path, build="gcc nosuch.c -o prog"))
    assert broken.returncode == 1 and "build without rewrites failed" in broken.stderr
    for out in (no_build, no_placeholder, nothing, broken):
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    failing = bench(tmp_path, "--", "sh", "-c", "exit 3; {}", toml=toml)
    assert failing.returncode == 1 and "exited 3" in failing.stdout
