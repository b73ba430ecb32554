"""The variants proposer with the real gcc: which compiles it runs, what it offers, and that
it never fails a build."""

from __future__ import annotations

import os
import subprocess
import time

from corpus_tools import INLINED_HELPER

from llmcc import propose
from llmcc.asm.module import Module
from llmcc.asm.rename import normalized
from llmcc.config import Settings
from llmcc.propose.variants import VARIANTS, Variant, Variants, variant_args
from llmcc.records import FunctionTask

ROW_SUM = """
unsigned row_sum(const unsigned char *p, int n)
{
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}
"""

ADD = "int add(int a, int b) { return a + b; }\n"

# fails to compile unless WIDTH is defined and the header's folder is on the include path
NEEDS_FLAGS = """
#include "width.h"
#ifndef WIDTH
#error WIDTH must be defined
#endif
unsigned row_sum(const unsigned char *p)
{
    unsigned s = 0;
    for (int i = 0; i < WIDTH; i++)
        s += p[i] * SCALE;
    return s;
}
"""


def make_task(tmp_path, source: str, name: str, flags: tuple[str, ...] = ("-O3",),
              compiler: str = "gcc", baseline: tuple[str, ...] | None = None) -> FunctionTask:
    """The task the pipeline would build: the unit compiled by gcc with ``baseline`` (the
    flags, unless they are the driver's, which hold more)."""
    src = tmp_path / "unit.c"
    src.write_text(source)
    asm = tmp_path / "unit.s"
    base = flags if baseline is None else baseline
    subprocess.run(["gcc", *base, "-S", str(src), "-o", str(asm)], check=True)
    module = Module(asm.read_text())
    work = tmp_path / "work"
    work.mkdir()
    return FunctionTask(module, module.function(name), str(src), compiler, flags, str(work))


def test_registered():
    (proposer,) = propose.load(Settings(proposers=("variants",)))
    assert proposer.name == "variants"


def test_o2_differs_from_o3(tmp_path):
    task = make_task(tmp_path, ROW_SUM, "row_sum")
    candidates = Variants().propose(task, 30.0)
    origins = [c.origin for c in candidates]
    assert any(o.startswith("variants:-O2") for o in origins), origins
    assert len(set(origins)) == len(origins)
    keys = {normalized(task.baseline_text)}
    for cand in candidates:
        assert cand.function == "row_sum"
        fn = Module(cand.text).function("row_sum")
        assert not fn.opaque
        keys.add(normalized(cand.text))
    assert len(keys) == len(candidates) + 1  # none is the baseline or another candidate
    assert not [f for f in os.listdir(task.workdir)]  # its scratch files are gone


def test_dependency_options_write_no_file(tmp_path, monkeypatch):
    """Flags as a user's make passes them: the variants' compiles write no .d file."""
    monkeypatch.chdir(tmp_path)
    flags = ("-O3", "-MMD", "-MF", "unit.d", "-MQ", "unit.o", "-Wp,-MD,other.d")
    task = make_task(tmp_path, ROW_SUM, "row_sum", flags, baseline=("-O3",))
    assert any(c.origin == "variants:-O2" for c in Variants().propose(task, 30.0))
    assert not (tmp_path / "unit.d").exists() and not (tmp_path / "other.d").exists()


def test_identical_everywhere_gives_nothing(tmp_path):
    task = make_task(tmp_path, ADD, "add")
    assert Variants().propose(task, 30.0) == []


def test_user_flags_kept(tmp_path):
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "width.h").write_text("#define SCALE 3\n")
    task = make_task(tmp_path, NEEDS_FLAGS, "row_sum", ("-I", str(inc), "-DWIDTH=64", "-O3"))
    candidates = Variants().propose(task, 30.0)
    assert candidates
    for cand in candidates:
        Module(cand.text).function("row_sum")


def test_no_budget_returns_at_once(tmp_path):
    task = make_task(tmp_path, ROW_SUM, "row_sum")
    start = time.monotonic()
    assert Variants().propose(task, 0.0) == []
    assert Variants().propose(task, 0.05) == []
    assert time.monotonic() - start < 1.0


def test_broken_compiler_gives_nothing(tmp_path):
    task = make_task(tmp_path, ROW_SUM, "row_sum", compiler=str(tmp_path / "no-such-gcc"))
    assert Variants().propose(task, 30.0) == []


def test_only_if_and_unit_cache(tmp_path):
    """A conditional variant runs only for a baseline that matches; builds are shared by
    the functions of a unit."""
    source = ROW_SUM + "void clear(char *p, int n) { for (int i = 0; i < n; i++) p[i] = 0; }\n"
    task = make_task(tmp_path, source, "row_sum")
    distribute = next(v for v in VARIANTS if v.only_if)  # loops kept, not made mem* calls
    proposer = Variants((Variant(("-O2",)), distribute))
    first = proposer.propose(task, 30.0)
    assert [c.origin for c in first] == ["variants:-O2"]
    assert len(proposer._builds) == 1  # row_sum makes no mem* call: one compile
    clear = task._replace(function=task.module.function("clear"))
    assert "memset" in clear.baseline_text
    origins = [c.origin for c in proposer.propose(clear, 30.0)]
    assert "variants:-O3 -fno-tree-loop-distribute-patterns" in origins
    assert len(proposer._builds) == 2  # the -O2 build of the unit was reused


def test_variant_args():
    flags = ("-O3", "-g", "-Wp,-MD,x.d,-DA=1", "-MMD", "-MFx.d", "-DX=1", "-MQ", "u.o",
             "-march=haswell")
    va = variant_args(flags, Variant(("-O2", "-funroll-loops")))
    assert va is not None
    assert va.args == ("-g", "-Wp,-DA=1", "-DX=1", "-march=haswell", "-O2", "-funroll-loops")
    assert variant_args(("-O3",), Variant(("-O3",))) is None  # the baseline itself
    # -Ofast keeps its semantics: -O3 means -Ofast, -O2 gets -ffast-math
    assert variant_args(("-Ofast",), Variant(("-O3", "-funroll-loops"))).args == (
        "-Ofast", "-funroll-loops")
    assert variant_args(("-Ofast",), Variant(("-O2",))).args == ("-O2", "-ffast-math")
    # a value that looks like an option stays with its option
    assert variant_args(("-include", "-MD", "-O3"), Variant(("-O2",))).args == (
        "-include", "-MD", "-O2")


BASE = """\
\t.text
\t.p2align 4
\t.globl\tf
\t.type\tf, @function
f:
.LFB0:
\t.file 1 "u.c"
\t.loc 1 2 1 view -0
\t.cfi_startproc
\ttestl\t%esi, %esi
\tjle\t.L4   # the loop is skipped
.L3:
\taddl\t(%rdi), %eax
\tjmp\t.L3
.L4:
\tmovss\t.LC0(%rip), %xmm0
\tret
\t.cfi_endproc
.LFE0:
\t.size\tf, .-f
\t.section\t.rodata.cst4,"aM",@progbits,4
.LC0:
\t.long\t1065353216
"""


def test_normalized():
    renumbered = (BASE.replace(".L3", ".L17").replace(".L4", ".L9").replace(".LC0", ".LC5")
                  .replace(".LFB0", ".LFB7").replace("view -0", "view .LVU3")
                  .replace("\tret", "  ret  ").replace("1 2 1", "1 9 3"))
    without_lines = "\n".join(ln for ln in BASE.splitlines() if ".loc" not in ln)
    assert normalized(renumbered) == normalized(BASE) == normalized(without_lines)
    changed = BASE.replace("addl\t(%rdi), %eax", "subl\t(%rdi), %eax")
    assert normalized(changed) != normalized(BASE)
    swapped = BASE.replace("jle\t.L4", "jle\t.L3")
    assert normalized(swapped) != normalized(BASE)


def test_a_helper_the_baseline_inlined_comes_along(tmp_path):
    """-O2 keeps ``mix`` a function of its own, which -O3 inlined: the -O2 candidate brings
    a local copy of it under a name the unit has not; the -O3 variants need none."""
    task = make_task(tmp_path, INLINED_HELPER.read_text(), "hash_words")
    assert "mix" not in task.module.functions
    candidates = {c.origin: c.text for c in Variants().propose(task, 60.0)}
    o2 = Module(candidates["variants:-O2"])
    assert list(o2.functions) == ["hash_words", "mix.llmcc"]
    assert o2.functions["mix.llmcc"].binding == "local"
    assert o2.helpers("hash_words", task.module) == ["mix.llmcc"]
    for origin, text in candidates.items():
        if origin.startswith("variants:-O3"):
            assert Module(text).helpers("hash_words", task.module) == [], origin
