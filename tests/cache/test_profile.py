"""`llmcc profile`: perf's samples of a real program, ranked per function of the project's
binaries and stored; later builds offer the hottest function first (or only sampled ones);
each way it can fail is one line and an exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.cache import profile as profiles
from llmcc.cache.project import ProjectCache

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))
PERF = shutil.which("perf")
# nothing listens there: the model proposer fails at once (the function stays undecided)
DEAD_MODEL = "http://127.0.0.1:9/v1"

# hot_spin is small and runs for 0.3 s of CPU; big_loops is larger, has loops, never runs:
# the default policy offers big_loops first, a profile hot_spin
LIB = """
unsigned long hot_spin(unsigned long n, unsigned long s)
{ for (unsigned long i = 0; i < n; i++) s = s * 6364136223846793005UL + i; return s; }

long big_loops(const int *a, const int *b, int *out, int n)
{
    long s = 0;
    for (int i = 0; i < n; i++) out[i] = a[i] * b[i] + (a[i] >> 3) - (b[i] << 1);
    for (int i = 0; i < n; i++) s += (long)out[i] * a[i] - b[i];
    for (int i = 1; i < n; i++) out[i] ^= out[i - 1] * 3;
    return s;
}
"""
MAIN = """
#include <stdio.h>
#include <time.h>
unsigned long hot_spin(unsigned long n, unsigned long s);
int main(int argc, char **argv)
{
    unsigned long s = (unsigned long)argc;
    do s = hot_spin(100000, s);
    while (clock() < CLOCKS_PER_SEC * 3 / 10);
    printf("%lu\\n", s);
    return argc > 1 ? 3 : 0;
}
"""


def _perf_works() -> bool:
    if PERF is None:
        return False
    probe = subprocess.run([PERF, "record", "-q", "-e", "cpu-clock", "-o", "/dev/null", "--",
                            "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _perf_works(),
                                reason="perf cannot sample cpu-clock here")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "llmcc.toml").write_text("")  # the project's root
    (tmp_path / "lib.c").write_text(LIB)
    (tmp_path / "main.c").write_text(MAIN)
    subprocess.run(["gcc", "-O2", "main.c", "lib.c", "-o", "prog"], cwd=tmp_path, check=True)
    return tmp_path


def _env(folder: Path, **settings) -> dict[str, str]:
    env = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_MODE": "sync",
           "LLMCC_PROPOSERS": "model", "LLMCC_MODEL_URL": DEAD_MODEL,
           "LLMCC_LOG": str(folder / "llmcc.log")}
    env.update({f"LLMCC_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def llmcc(folder: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([LLMCC, *args], cwd=folder, env=env.pop("environ", None)
                          or _env(folder, **env), capture_output=True, text=True, timeout=300)


def _offered(folder: Path) -> list[str]:
    """Functions offered to proposers, in order, by the compiles logged so far."""
    log = (folder / "llmcc.log").read_text().splitlines()
    return [line.split(" function=")[1].split()[0] for line in log if " function " in line]


def test_the_hot_function_is_ranked_first_and_builds_offer_it_first(project):
    first = llmcc(project, "-O2", "-c", "lib.c", "-o", "lib.o", max_functions=1)
    assert first.returncode == 0 and _offered(project) == ["big_loops"]

    done = llmcc(project, "profile", "--", "./prog")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].isdigit()  # the program's own output comes through
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert rows[0] == ["share", "samples", "function"] and rows[1][2] == "hot_spin", done.stdout
    stored = profiles.load(ProjectCache(project / "cache", project).folder)
    assert stored.ranked()[0][0] == "hot_spin" and stored.commands == ("./prog",)
    # 0.3 s of CPU at perf's default 4000 Hz: most of the program's samples are hot_spin's
    assert stored.functions["hot_spin"] >= 200
    assert stored.share(stored.functions["hot_spin"]) > 0.5
    assert "big_loops" not in stored.functions

    # the object cached before the profile is not used: the next build offers hot_spin
    again = llmcc(project, "-O2", "-c", "lib.c", "-o", "lib.o", max_functions=1)
    assert again.returncode == 0 and _offered(project) == ["big_loops", "hot_spin"]
    shown = llmcc(project, "profile", "--show")
    assert shown.returncode == 0 and "command: ./prog" in shown.stdout
    assert "hot_spin" in shown.stdout


def test_offered_puts_sampled_functions_first_and_profile_only_keeps_just_them(project):
    subprocess.run(["gcc", "-O3", "-S", "lib.c", "-o", "lib.s"], cwd=project, check=True)
    unit = parse_module((project / "lib.s").read_text())
    assert [f.name for f in pipeline.offered(unit)] == ["big_loops", "hot_spin"]
    hot = {"hot_spin": 900, "not_here": 5}
    assert [f.name for f in pipeline.offered(unit, samples=hot)] == ["hot_spin", "big_loops"]
    assert [f.name for f in pipeline.offered(unit, samples=hot, only_sampled=True)] \
        == ["hot_spin"]
    # profile_only without a profile is the default policy, as its help says
    assert [f.name for f in pipeline.offered(unit, only_sampled=True)] \
        == ["big_loops", "hot_spin"]
    # in a build: profile_only leaves unsampled functions alone
    assert llmcc(project, "profile", "--", "./prog").returncode == 0
    built = llmcc(project, "-O2", "-c", "lib.c", "-o", "lib.o", profile_only="true")
    assert built.returncode == 0 and _offered(project) == ["hot_spin"]


def test_add_sums_runs_and_clear_forgets(project):
    assert llmcc(project, "profile", "--", "./prog").returncode == 0
    folder = ProjectCache(project / "cache", project).folder
    one = profiles.load(folder)
    assert llmcc(project, "profile", "--add", "--", "./prog").returncode == 0
    two = profiles.load(folder)
    assert two.commands == ("./prog", "./prog") and two.total > one.total
    assert two.functions["hot_spin"] > one.functions["hot_spin"]
    cleared = llmcc(project, "profile", "--clear")
    assert cleared.returncode == 0 and profiles.load(folder) is None
    shown = llmcc(project, "profile", "--show")
    assert shown.returncode == 1
    assert shown.stderr.startswith("llmcc profile: error: no profile for ")


def test_a_failing_command_is_reported_and_not_stored_unless_asked(project):
    failed = llmcc(project, "profile", "--", "./prog", "fail")
    assert failed.returncode == 3
    assert failed.stderr.strip().splitlines() == [
        "llmcc profile: error: ./prog fail exited with status 3; profile not stored "
        "(--keep-failed stores it anyway)"]
    folder = ProjectCache(project / "cache", project).folder
    assert profiles.load(folder) is None
    kept = llmcc(project, "profile", "--keep-failed", "--", "./prog", "fail")
    assert kept.returncode == 0 and profiles.load(folder).ranked()[0][0] == "hot_spin"


@pytest.mark.parametrize(("command", "message"), [
    (["true"], "llmcc profile: error: none of the "),  # ran, but outside the project
    (["./no-such-program"], "llmcc profile: error: cannot run './no-such-program': not found"),
])
def test_commands_that_give_nothing_to_rank_are_one_line_errors(project, command, message):
    done = llmcc(project, "profile", "--", *command)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith(message)


def test_without_perf_the_command_says_so(project):
    env = {**_env(project), "PATH": str(project)}  # a PATH without perf (nor anything else)
    done = llmcc(project, "profile", "--", "./prog", environ=env)
    assert done.returncode == 1
    assert done.stderr.strip() == ("llmcc profile: error: perf not found on PATH "
                                   "(Debian/Ubuntu: apt-get install linux-perf)")


def test_perf_script_lines_are_counted_per_function_of_the_projects_binaries(tmp_path):
    prog = tmp_path / "prog"
    text = "\n".join([
        f"    55d6a3e5621e hot_spin ({prog})",
        f"    55d6a3e5621f hot_spin ({prog})",
        f"    55d6a3e56230 main ({prog} (deleted))",  # rebuilt while it ran
        f"    55d6a3e56240 [unknown] ({prog})",
        "    7fdd46d6889e memcpy (/usr/lib/x86_64-linux-gnu/libc.so.6)",
        " ffffffff821eb5f6 copy_mc_enhanced_fast_string ([kernel.kallsyms])",
        "               0 [unknown] ([unknown])",
        "not a sample line",
    ])
    samples = profiles.parse_script(text, tmp_path)
    assert samples.functions == Counter({"hot_spin": 2, "main": 1})
    assert samples.binaries == Counter({str(prog): 4}) and samples.unnamed == 1
    assert samples.total == 7
