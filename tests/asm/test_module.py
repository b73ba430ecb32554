"""What a Function owns, extraction, splicing and renaming, on one small gcc -O3 TU."""

from __future__ import annotations

import subprocess

import pytest

from llmcc.asm import parse_module, rename_function, uniquify_local_labels
from llmcc.asm.objfile import function_bytes
from llmcc.errors import AsmModelError

SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
int counter;
int dense(int x) {
    switch (x) { case 0: return x * 7; case 1: return counter; case 2: return x << 3;
                 case 3: return x ^ 91; case 4: return x - 17; case 5: return counter + x;
                 default: return -1; }
}
double scale(double x) { return x * 3.25 + 1.5; }
double scale2(double x) { return x * 3.25; }
__attribute__((cold, noinline)) static void report(const char *what, long v)
{ counter++; fprintf(stderr, "error: %s (%ld)\n", what, v); }
__attribute__((cold, noreturn)) void fatal(const char *msg)
{ fprintf(stderr, "%s\n", msg); abort(); }
long checked(const long *v, int n) {
    long s = 0;
    if (__builtin_expect(v == NULL, 0)) { report("null vector", n); return -1; }
    for (int i = 0; i < n; i++) {
        if (__builtin_expect(v[i] < 0, 0)) { report("negative", v[i]); fatal("stop"); }
        s += v[i];
    }
    return s;
}
static int helper(int x) { return x * x + counter; }
int caller(int x) { return helper(x) + helper(x + 1); }
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tu")
    src = folder / "tu.c"
    src.write_text(SOURCE)
    asm = folder / "tu.s"
    subprocess.run(["gcc", "-O3", "-fno-inline", "-S", str(src), "-o", str(asm)], check=True)
    return folder, asm.read_text()


def assemble(folder, text, name="out"):
    path = folder / f"{name}.s"
    path.write_text(text)
    subprocess.run(["gcc", "-c", "-x", "assembler", str(path), "-o", str(folder / f"{name}.o")],
                   check=True, capture_output=True)
    return function_bytes(folder / f"{name}.o")


def test_functions_and_bindings(compiled):
    _, text = compiled
    module = parse_module(text)
    assert {"dense", "scale", "scale2", "checked", "caller"} <= set(module.functions)
    assert module.functions["dense"].binding == "global"
    assert module.functions["helper"].binding == "local"


def test_cold_part_is_owned(compiled):
    _, text = compiled
    fn = parse_module(text).functions["checked"]
    assert fn.cold == "checked.cold"
    owned = parse_module(text).function_text("checked")
    assert "checked.cold:" in owned and ".size\tchecked.cold" in owned


def test_jump_table_is_owned_with_the_body(compiled):
    _, text = compiled
    owned = parse_module(text).function_text("dense")
    assert ".section\t.rodata" in owned and "-.L" in owned  # .long .Lx-.Ly entries


def test_constants_used_by_one_function_are_owned_shared_ones_are_not(compiled):
    _, text = compiled
    module = parse_module(text)
    own = module.function_text("scale")
    # 1.5 is used only by scale; 3.25 by both, so it belongs to the module
    assert len(module.data_of("scale")) == 1 and not module.data_of("scale2")
    assert "1073217536" in own  # high word of 1.5


def test_unknown_function_is_a_clear_error(compiled):
    _, text = compiled
    with pytest.raises(AsmModelError, match="'nope' not found"):
        parse_module(text).function("nope")


def test_splicing_a_changed_function_changes_only_it(compiled):
    folder, text = compiled
    module = parse_module(text)
    before = assemble(folder, text, "before")
    new_scale2 = (
        "\t.text\n\t.p2align 4\n\t.globl\tscale2\n\t.type\tscale2, @function\nscale2:\n"
        "\tmulsd\t%xmm0, %xmm0\n\tret\n\t.size\tscale2, .-scale2\n"
    )
    after = assemble(folder, module.with_candidates({"scale2": new_scale2}, "t").emit(), "after")
    assert after["scale2"] != before["scale2"]
    for name in ("dense", "scale", "checked", "caller"):
        assert after[name] == before[name], name


def test_splice_takes_a_whole_translation_unit_as_candidate(compiled):
    folder, text = compiled
    module = parse_module(text)
    spliced = module.with_candidates({"checked": text, "dense": text}, "t").emit()
    assert assemble(folder, spliced, "whole") == assemble(folder, text, "orig")


def test_rename_function_renames_definition_cold_part_and_uses(compiled):
    folder, text = compiled
    renamed = rename_function(text, "checked", "checked__cand")
    got = assemble(folder, renamed, "renamed")
    assert "checked__cand" in got and "checked__cand.cold" in got and "checked" not in got
    assert "\tmovl\t" in renamed  # mnemonics untouched


def test_rename_leaves_strings_comments_and_mnemonics_alone():
    text = '\tcall\tadd\n\tadd\t$1, %eax\n\t.string\t"add"\n\tret\t# add\n'
    out = rename_function(text, "add", "add2")
    assert out == '\tcall\tadd2\n\tadd\t$1, %eax\n\t.string\t"add"\n\tret\t# add\n'


def test_uniquify_local_labels():
    text = ".L3:\n\tjne\t.L3\n\tjmp\t*.L4(,%rax,8)\n.L4:\n\t.quad\t.L3\n\tcall\t.Lfoo_external\n"
    out = uniquify_local_labels(text, "x")
    assert ".Lx_3:" in out and "jne\t.Lx_3" in out and ".quad\t.Lx_3" in out
    assert "*.Lx_4(" in out and ".Lfoo_external" in out
