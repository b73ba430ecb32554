"""`llmcc optimize` runs only what a build of this user's queued: a job changed by anyone
else (its compiler, its flags) is refused with one line and never runs, and even a job of
the user's own runs only the compiler the build ran and flags a build optimizes with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc.cache import trust
from llmcc.cache.project import ProjectCache
from llmcc.cache.queue import pending

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))
POLY = "long poly(long x) { return x * x * x + 5 * x * x - 7 * x + 11; }\n"
# what a job's compiler or plugin does when it runs: the test fails if this file appears
EVIL_SCRIPT = '#!/bin/sh\ntouch "{marker}"\nexec gcc "$@"\n'
EVIL_PLUGIN = """#include <fcntl.h>
int plugin_is_GPL_compatible;
int plugin_init(void *info, void *version) { return 0; }
__attribute__((constructor)) static void loaded(void) { creat("%s", 0644); }
"""


@pytest.fixture
def queued(tmp_path, monkeypatch):
    """A project whose async build queued one job; the user's state (its secret) is the
    test's own, shared by this process and the llmcc it runs."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(trust, "_secret", None)
    (tmp_path / "p.c").write_text(POLY)
    assert run(tmp_path, "-O3", "-c", "p.c", "-o", "p.o").returncode == 0
    project = ProjectCache(tmp_path / "cache", tmp_path)
    (name,) = pending(project)
    return project, project.folder / "queue" / name


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_MODE": "async",
           "LLMCC_PROPOSERS": "variants", "LLMCC_LOG": str(folder / "llmcc.log")}
    return subprocess.run([LLMCC, *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)


def evil_tools(folder: Path) -> tuple[Path, Path, Path]:
    """A compiler script and a gcc plugin that each create ``marker`` when run, and it."""
    marker = folder / "marker"
    script = folder / "evilcc"
    script.write_text(EVIL_SCRIPT.format(marker=marker))
    script.chmod(0o755)
    (folder / "evil.c").write_text(EVIL_PLUGIN % marker)
    subprocess.run(["gcc", "-shared", "-fPIC", "evil.c", "-o", "evil.so"], cwd=folder,
                   check=True)
    return script, folder / "evil.so", marker


def test_jobs_changed_by_someone_else_are_refused_and_never_run(queued, tmp_path):
    project, path = queued
    job = json.loads(path.read_text())
    script, plugin, marker = evil_tools(tmp_path)
    # a forger may keep the identity of the build's compiler, but cannot seal the change
    tampered = {
        "compiler": {**job, "compiler": str(script)},
        "shell": {**job, "compiler": "/bin/sh"},
        "plugin": {**job, "flags": [*job["flags"], f"-fplugin={plugin}"]},
        "wrapper": {**job, "flags": [*job["flags"], "-wrapper", str(script)]},
        "unsealed": {k: v for k, v in job.items() if k != trust.MAC},
    }
    for what, forged in tampered.items():
        path.write_text(json.dumps(forged))
        done = run(tmp_path, "optimize")
        assert not marker.exists(), what
        assert done.returncode == 0 and "0 queued units done" in done.stdout, what
        (line,) = done.stderr.splitlines()
        assert line == f"llmcc optimize: queued job {path.stem} refused: not sealed by " \
            "this user's llmcc (written or changed by someone else, or no secret in the " \
            "user's state folder)", what
        assert pending(project) == [], what
    assert (tmp_path / "llmcc.log").read_text().count("queue action=refused") == 5
    # the job as the build wrote it runs
    path.write_text(json.dumps(job))
    done = run(tmp_path, "optimize")
    assert "1 queued units done" in done.stdout and done.stderr == ""


def test_even_a_sealed_job_runs_only_its_builds_compiler_and_flags(queued, tmp_path):
    project, path = queued
    job = json.loads(path.read_text())
    script, plugin, marker = evil_tools(tmp_path)
    refusals = {  # as if this user's llmcc had written them (sealed with the user's secret)
        "compiler": ({**job, "compiler": "/bin/sh"}, "its compiler is not the one its "
                     "build ran"),
        "wrapper": ({**job, "flags": [*job["flags"], "-wrapper", str(script)]},
                    "flags a build would not optimize with (unsupported_option: -wrapper)"),
        "plugin": ({**job, "flags": [*job["flags"], f"-fplugin={plugin}"]},
                   "flags a build would not optimize with (unsupported_option: -fplugin="),
        "response file": ({**job, "flags": [*job["flags"], f"@{tmp_path / 'flags'}"]},
                          "a response file among its flags"),
    }
    (tmp_path / "flags").write_text(f"-fplugin={plugin}\n")
    for what, (forged, reason) in refusals.items():
        path.write_text(json.dumps(trust.seal("job", path.stem, forged)))
        done = run(tmp_path, "optimize")
        assert not marker.exists(), what
        assert f"queued job {path.stem} refused: {reason}" in done.stderr, what
        assert "0 queued units done" in done.stdout and pending(project) == [], what
