"""A multi-file project built with ``make CC=llmcc``: a function that calls into another
unit and reads its table is tested with the project's objects (issue 14), not left
untestable; the first build, before those objects exist, tests it with stand-ins and
decides it again once the project defines them; objects stay gcc's when nothing is
accepted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from program_tools import B_C

from llmcc.cache.decisions import read_records
from llmcc.cache.project import ProjectCache

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

A_C = """\
extern const unsigned weights[16];
unsigned mix(unsigned x);

unsigned score(const unsigned char *p, int n) {
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s += weights[p[i] & 15] * (unsigned)p[i];
    if (n > 3)
        s = mix(s);
    return s;
}
"""
C_C = """\
#include <stdio.h>
unsigned score(const unsigned char *p, int n);
int main(void) {
    unsigned char buf[64];
    for (int i = 0; i < 64; i++) buf[i] = (unsigned char)(i * 7);
    printf("%u\\n", score(buf, 64));
    return 0;
}
"""
MAKEFILE = """\
CFLAGS = -O2
prog: a.o b.o c.o
\t$(CC) $(CFLAGS) -o $@ a.o b.o c.o -lm
clean:
\trm -f *.o prog
"""


def _project(folder: Path) -> Path:
    folder.mkdir()
    for name, text in (("a.c", A_C), ("b.c", B_C), ("c.c", C_C), ("Makefile", MAKEFILE)):
        (folder / name).write_text(text)
    return folder


def _make(folder: Path, cc: str, *targets: str, **env: str) -> str:
    full = {k: v for k, v in os.environ.items() if not k.startswith("LLMCC_")}
    full.update(env)
    proc = subprocess.run(["make", f"CC={cc}", *targets], cwd=folder, env=full,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.skipif(LLMCC is None or shutil.which("make") is None,
                    reason="needs the llmcc console script and make")
def test_a_function_calling_another_unit_is_tested_with_the_projects_objects(tmp_path):
    gcc_side, llm_side = _project(tmp_path / "gcc"), _project(tmp_path / "llmcc")
    # -O2 builds: llmcc's baseline is -O3, so the reference is gcc's -O3 objects
    _make(gcc_side, "gcc", "CFLAGS=-O3")
    cache = tmp_path / "cache"
    # min_effect 0.9: no candidate is accepted, so every object must be gcc's
    env = {"LLMCC_CACHE_DIR": str(cache), "LLMCC_PROPOSERS": "variants", "LLMCC_MODE": "sync",
           "LLMCC_MIN_EFFECT": "0.9", "LLMCC_LOG": str(tmp_path / "llmcc.log")}
    _make(llm_side, LLMCC, **env)

    def records():
        project = ProjectCache(cache, llm_side.resolve())
        return {r.function: r for r in read_records(project)}

    # first build: a.c is compiled before b.o exists; stand-ins for mix and weights
    first = records()["score"]
    assert first.waiting == ("mix", "weights"), first.notes
    assert any(n.startswith("stand-ins: weights (64 zero bytes); functions mix (")
               for n in first.notes), first.notes
    tested = [v for v in first.verdicts if v.tests is not None]
    assert tested and all(v.tests.stand_in > 0 for v in tested)
    assert all(v.outcome.value != "untestable" for v in first.verdicts), first.verdicts
    # the timer's harness is linked as the verifier's was: its candidates were measured
    assert any(v.stage == "timing" and v.outcome.value != "timing_failed"
               for v in first.verdicts), first.verdicts
    for name in ("a.o", "b.o", "c.o"):
        assert (llm_side / name).read_bytes() == (gcc_side / name).read_bytes(), name

    # b.o defined what score waited for: the cached objects went, and the next build
    # decides score again, linked with b.o
    _make(llm_side, LLMCC, "clean", **env)
    _make(llm_side, LLMCC, **env)
    again = records()["score"]
    assert again.waiting == ()
    assert again.notes[0] == "decided again: the project defines mix, weights now " \
                             "(stand-ins before)"
    assert any(n.startswith("harness linked with 1 of the project's objects (b.o); -lm")
               for n in again.notes), again.notes
    assert not any(n.startswith("stand-ins") for n in again.notes), again.notes
    assert again.verdicts and all(v.outcome.value != "untestable" for v in again.verdicts)
    assert all(v.tests.stand_in == 0 and v.tests.valid > 100
               for v in again.verdicts if v.tests is not None)
    assert any(v.stage == "timing" and v.outcome.value != "timing_failed"
               for v in again.verdicts), again.verdicts
    for name in ("a.o", "b.o", "c.o"):
        assert (llm_side / name).read_bytes() == (gcc_side / name).read_bytes(), name
    run = subprocess.run(["./prog"], cwd=llm_side, capture_output=True, text=True)
    assert run.stdout == subprocess.run(["./prog"], cwd=gcc_side, capture_output=True,
                                        text=True).stdout

    # `llmcc cache show` tells why inputs were not valid
    shown = subprocess.run([LLMCC, "cache", "show", "score"], cwd=llm_side,
                           env={**os.environ, **env}, capture_output=True, text=True)
    assert "decided again" in shown.stdout and "tests run 200" in shown.stdout, shown.stdout


@pytest.mark.skipif(LLMCC is None, reason="needs the llmcc console script")
def test_compiles_and_links_are_recorded_as_the_program(tmp_path):
    from llmcc.cache.program import ProgramIndex

    folder = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LLMCC_")},
           "LLMCC_CACHE_DIR": str(cache), "LLMCC_LOG": str(tmp_path / "llmcc.log")}

    def llmcc(*args: str) -> None:
        proc = subprocess.run([LLMCC, *args], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr

    llmcc("-O3", "a.c", "b.c", "c.c", "-o", "whole")  # compile and link in one call
    llmcc("-O2", "-c", "a.c")
    llmcc("-O2", "-c", "b.c")
    llmcc("-O2", "-c", "c.c")
    llmcc("-O2", "-o", "prog", "a.o", "b.o", "c.o", "-Llib", "-lm", "-pthread")  # link only
    index = ProgramIndex(ProjectCache(cache, folder.resolve()))
    paths = {o.path for o in index.objects()}
    root = str(folder.resolve())
    assert paths == {f"{root}/whole(a.o)", f"{root}/whole(b.o)", f"{root}/whole(c.o)",
                     f"{root}/a.o", f"{root}/b.o", f"{root}/c.o"}
    links = {link["output"]: link for link in index.links()}
    assert links[f"{root}/prog"]["objects"] == [f"{root}/a.o", f"{root}/b.o", f"{root}/c.o"]
    assert links[f"{root}/prog"]["options"] == [f"-L{root}/lib", "-lm", "-pthread"]
    assert len(links[f"{root}/whole"]["objects"]) == 3
    # the harness of a.c's functions: the objects of a.o's link first, never a.c's own
    parts = index.parts(str(folder / "a.c"))
    assert {o.path for o in parts.objects[:2]} == {f"{root}/b.o", f"{root}/c.o"}
    assert all(o.source != str(folder.resolve() / "a.c") for o in parts.objects)
    assert parts.libraries == (f"-L{root}/lib", "-lm", "-pthread")
