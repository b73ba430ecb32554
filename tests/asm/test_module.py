"""What a Function owns, extraction, splicing and renaming, on one small gcc -O3 TU."""

from __future__ import annotations

import subprocess

import pytest
from corpus_tools import CORPUS, INLINED_HELPER, compile_levels

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


def test_uniquify_renames_the_helpers_it_is_given_and_cold_parts_follow():
    text = ("mix:\n\tjmp\tmix.cold\nmix.cold:\n\tret\nf.part.0:\n\tjmp\tf.part.0.cold\n"
            "f.part.0.cold:\n\tcall\tmix\n\tret\nf.cold:\n\tret\n")
    out = uniquify_local_labels(text, "x", keep=("f", "f.cold"), also=["mix"])
    assert "mix.x:" in out and "mix.x.cold:" in out and "jmp\tmix.x.cold" in out
    assert "f.part.0.x:" in out and "f.part.0.x.cold:" in out and "call\tmix.x" in out
    assert "\nf.cold:" in out  # the kept function's cold part keeps its name


@pytest.fixture(scope="module")
def helper_levels(tmp_path_factory):
    """101_inlined_helper.c at -O3 (``mix`` inlined everywhere) and -O2 (``mix`` called)."""
    folder = tmp_path_factory.mktemp("helper")
    src, texts = compile_levels(folder, "helper", INLINED_HELPER.read_text(),
                                [("-O3",), ("-O2",)])
    return folder, src, parse_module(texts[("-O3",)]), parse_module(texts[("-O2",)])


def test_helpers_the_baseline_inlined_come_along_renamed(helper_levels):
    _, _, o3, o2 = helper_levels
    assert "mix" not in o3.functions and o2.helpers("hash_words", o3) == ["mix"]
    text = o2.candidate_text("hash_words", o3)
    cand = parse_module(text)
    assert list(cand.functions) == ["hash_words", "mix.llmcc"]  # the function first
    assert cand.functions["mix.llmcc"].binding == "local"
    assert "\tcall\tmix.llmcc\n" in text and "\tjmp\tmix.llmcc\n" in text
    assert "mix:" not in text and "\tcall\tmix\n" not in text
    assert cand.helpers("hash_words", o3) == ["mix.llmcc"]
    assert o2.helpers("hash_words", o2) == []  # the unit's own code brings nothing


def test_a_helper_the_unit_has_with_the_same_code_stays_the_units(compiled):
    """``caller`` calls ``helper``, which the unit has: with the same code the candidate's
    copy is dropped (its calls go to the unit's); with other code it comes along, since
    callers may rely on the registers their callee leaves alone (-fipa-ra). A global
    function the unit has is always the unit's."""
    module = parse_module(compiled[1])
    caller, helper = module.function_text("caller"), module.function_text("helper")
    assert parse_module(caller + helper).helpers("caller", module) == []
    changed = helper.replace("\tret", "\tnop\n\tret")
    assert parse_module(caller + changed).helpers("caller", module) == ["helper"]
    checked = module.function_text("checked")
    others = module.function_text("report") + module.function_text("fatal")
    assert parse_module(checked + others).helpers("checked", module) == []


def test_splicing_brings_each_candidates_helpers_under_names_of_their_own(helper_levels):
    """Two functions' candidates each bring a copy of ``mix`` (tests/test_pipeline.py links
    and runs such a unit)."""
    folder, _, o3, o2 = helper_levels
    spliced = o3.with_candidates({name: o2.candidate_text(name, o3)
                                  for name in ("hash_words", "hash_pair")}, "t").emit()
    code = assemble(folder, spliced, "spliced")
    assert {"mix.llmcc.t0", "mix.llmcc.t1"} <= set(code) and "mix.llmcc" not in code


SCORE = """
static const unsigned short weights[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
static unsigned score(unsigned acc, unsigned x)
{
    static const unsigned char bits[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    for (int r = 0; r < 2; r++) {
        acc = acc * 31 + weights[x & 15] * bits[(x >> 4) & 15];
        acc ^= acc >> 11;
        x = x * 0x9e3779b1u + acc;
        acc += weights[acc & 15];
    }
    return acc;
}
unsigned score_words(const unsigned *p, int n)
{
    unsigned acc = 0;
    for (int i = 0; i < n; i++)
        acc = score(acc, p[i]);
    return score(acc, (unsigned)n);
}
unsigned weight_of(unsigned x) { return weights[x & 15] + weights[(x >> 4) & 15]; }
"""


def test_a_helpers_data_is_the_units_object_or_a_renamed_copy(tmp_path):
    """``weights`` is a C object the unit has: the helper uses the unit's. ``bits.0`` is a
    name gcc made up for this compile: the helper brings a copy under a name of its own."""
    _, texts = compile_levels(tmp_path, "score", SCORE, [("-O3",), ("-O2",)])
    o3, o2 = parse_module(texts[("-O3",)]), parse_module(texts[("-O2",)])
    assert o2.helpers("score_words", o3) == ["score"]
    text = o2.candidate_text("score_words", o3)
    assert "weights(%rip)" in text and "weights:" not in text
    assert "bits.0.llmcc(%rip)" in text and "\nbits.0.llmcc:" in text and "bits.0:" not in text
    assemble(tmp_path, o3.with_candidates({"score_words": text}, "t").emit(), "spliced")


def _unit(f_body: str) -> str:
    return ("\t.text\n\t.type\th.part.0, @function\nh.part.0:\n\tret\n"
            "\t.size\th.part.0, .-h.part.0\n"
            f"\t.globl\tf\n\t.type\tf, @function\nf:\n{f_body}\t.size\tf, .-f\n")


def test_made_up_names_and_aliases_of_helpers():
    """``h.part.0`` has the same code in the unit, but a name gcc made up means something
    else in another compile: it is the unit's only where the unit's ``f`` uses it too. ``a``
    is another name of ``h`` (identical code folding): calls to it call ``h``'s copy."""
    variant = parse_module(
        "\t.text\n\t.type\th, @function\nh:\n\tmovl\t%edi, %eax\n\tret\n\t.size\th, .-h\n"
        "\t.set\ta,h\n" + _unit("\tcall\ta\n\tjmp\th.part.0\n"))
    unit = parse_module(_unit("\tmovl\t%edi, %eax\n\tret\n"))
    assert variant.function_aliases == {"a": "h"}
    assert variant.helpers("f", unit) == ["h", "h.part.0"]
    text = variant.candidate_text("f", unit)
    assert "\tcall\th.llmcc\n" in text and "\tjmp\th.part.0.llmcc\n" in text
    assert "\tcall\ta\n" not in text and ".set" not in text
    assert parse_module(text).helpers("f", unit) == ["h.llmcc", "h.part.0.llmcc"]
    unit = parse_module(_unit("\tjmp\th.part.0\n"))
    assert variant.helpers("f", unit) == ["h"]


def test_a_spliced_candidate_keeps_its_constants_alignment(tmp_path):
    """A vectorized candidate spliced into a unit that has no 16-byte constants of its own
    brings ``.align 16`` with them: without it the section is 1-aligned in the object and a
    ``pmaxsd .LC0(%rip)`` may fault in the user's program (the harness realigns its copies,
    so only the object shows it)."""
    from elftools.elf.elffile import ELFFile

    source = CORPUS / "004_vec_int.c"
    flat = subprocess.run(["gcc", "-O3", "-fno-tree-vectorize", "-S", "-o", "-", str(source)],
                          check=True, capture_output=True, text=True).stdout
    vector = subprocess.run(["gcc", "-O3", "-S", "-o", "-", str(source)], check=True,
                            capture_output=True, text=True).stdout
    base, variant = parse_module(flat), parse_module(vector)
    assert ".rodata.cst16" not in flat
    text = variant.candidate_text("vec_max_i32", base)
    out = tmp_path / "spliced.s"
    out.write_text(base.with_candidates({"vec_max_i32": text}, "llmcc").emit())
    obj = tmp_path / "spliced.o"
    subprocess.run(["gcc", "-c", str(out), "-o", str(obj)], check=True)
    with open(obj, "rb") as fh:
        section = ELFFile(fh).get_section_by_name(".rodata.cst16")
        assert section is not None and section["sh_addralign"] >= 16
