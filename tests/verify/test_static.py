"""Static checks: gcc's own code always passes; each kind of bad candidate is caught with
the right outcome and a reason that names the line."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from corpus_tools import INLINED_HELPER, compile_levels

from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.verify.static import check_static, function_march, gas_march

SOURCE = r"""
#include <string.h>
int counter;
static const double scale = 2.5;
int add(int a, int b) { return a + b; }
static int helper(int x) { return x * 3 + counter; }
int use_helper(int x) { return helper(x) + 1; }
double scaled(double x) { return x * scale + 1.25; }
unsigned long len(const char *s) { return strlen(s); }
long to_int(long double x) { return (long)x; }
"""


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("static")
    (folder / "t.c").write_text(SOURCE)
    subprocess.run(["gcc", "-O3", "-fno-inline", "-S", "t.c", "-o", "t.s"], cwd=folder,
                   check=True)
    return folder, parse_module((folder / "t.s").read_text())


def judge(tu, name, text, flags=("-O3",)):
    folder, module = tu
    march = function_march("gcc", flags, module.function_text(name), str(folder))
    return check_static(text, name, module, compiler="gcc", march=march, workdir=str(folder))


def edit(tu, name, old, new, count=1):
    text = tu[1].function_text(name)
    assert old in text, text
    return text.replace(old, new, count)


def test_gccs_own_code_passes(tu):
    for name in ("add", "use_helper", "scaled", "len", "to_int", "helper"):
        assert judge(tu, name, tu[1].function_text(name)) is None, name


def test_a_whole_translation_unit_is_a_valid_candidate(tu):
    assert judge(tu, "scaled", tu[1].emit()) is None


@pytest.mark.parametrize(("name", "old", "new", "outcome", "words"), [
    ("add", "\tret", "\tmovl\t$39, %eax\n\tsyscall\n\tret", Outcome.FORBIDDEN_INSTRUCTION,
     "syscall"),
    ("add", "\tret", "\tcpuid\n\tret", Outcome.FORBIDDEN_INSTRUCTION, "cpuid"),
    ("add", "\tret", "\trdtsc\n\tret", Outcome.FORBIDDEN_INSTRUCTION, "rdtsc"),
    ("add", "\tret", "\tint\t$0x80\n\tret", Outcome.FORBIDDEN_INSTRUCTION, "int"),
    ("add", "\tret", "\tstd\n\tret", Outcome.FORBIDDEN_INSTRUCTION, "std"),
    ("add", "\tret", "\t.byte\t0x0f, 0x05\n\tret", Outcome.FORBIDDEN_INSTRUCTION, "raw data"),
    ("add", "\tret", "\tvpaddd\t%ymm0, %ymm0, %ymm0\n\tret", Outcome.UNSUPPORTED_ISA,
     "vpaddd"),
    ("add", "\tret", "\tpopcntl\t%edi, %eax\n\tret", Outcome.UNSUPPORTED_ISA, "popcnt"),
    ("add", "\t.globl\tadd\n", "", Outcome.BINDING_MISMATCH, "local in the candidate"),
    ("add", "\tret", "\tcall\tputs@PLT\n\tret", Outcome.UNKNOWN_SYMBOL, "puts"),
    ("add", "\tret", "\tmovl\t.LC9(%rip), %eax\n\tret", Outcome.UNKNOWN_SYMBOL, ".LC9"),
    ("add", "\tret", "\tmovl\t%eax, %xmm0, %ebx\n\tret", Outcome.ASSEMBLE_ERROR, "line"),
    ("add", "\tret", "\tjmp\t.Lnowhere\n\tret", Outcome.UNKNOWN_SYMBOL, ".Lnowhere"),
    ("add", "\tret", "\tmovl\t%eax %ebx\n\tret", Outcome.PARSE_ERROR, "column"),
    ("add", "\tret", "\t.section\t.data\n\t.long\t7\n\t.text\n\tret",
     Outcome.FORBIDDEN_DIRECTIVE, "section .data"),
    ("add", "\tret", "\t.incbin\t\"/etc/passwd\"\n\tret", Outcome.FORBIDDEN_DIRECTIVE,
     ".incbin"),
])
def test_bad_candidates_are_caught(tu, name, old, new, outcome, words):
    finding = judge(tu, name, edit(tu, name, old, new))
    assert finding is not None and finding.outcome is outcome, finding
    assert words in finding.reason


def test_renamed_function_is_wrong_function(tu):
    finding = judge(tu, "add", tu[1].function_text("add").replace("add", "sum"))
    assert finding.outcome is Outcome.WRONG_FUNCTION


def test_isa_follows_march(tu):
    text = edit(tu, "add", "\tret", "\tvpaddd\t%ymm0, %ymm0, %ymm0\n\tret")
    assert judge(tu, "add", text, flags=("-O3", "-march=x86-64-v3")) is None
    assert judge(tu, "add", text, flags=("-O3", "-mavx2")) is None
    assert judge(tu, "add", text, flags=("-O3", "-march=x86-64-v3", "-mno-avx2")).outcome \
        is Outcome.UNSUPPORTED_ISA


def test_state_changing_instruction_allowed_when_gcc_uses_it(tu):
    assert "fldcw" in tu[1].function_text("to_int")
    assert judge(tu, "to_int", tu[1].function_text("to_int")) is None


def test_gas_march_reads_gccs_feature_macros():
    assert gas_march("gcc", ("-O3",)) == "generic64+fxsr+mmx"
    v3 = gas_march("gcc", ("-march=x86-64-v3",)).split("+")
    assert {"avx2", "bmi2", "fma", "popcnt", "movbe"} <= set(v3)
    assert "avx512f" not in v3


def _corpus_function_passes(args) -> list[str]:
    tu, workdir = args
    module = parse_module(tu.text)
    os.makedirs(workdir, exist_ok=True)
    problems = []
    for fn in module.functions.values():
        # an ifunc resolver (target_clones) runs in the dynamic loader, before main: no
        # candidate may replace it (tests/verify/test_sections.py), gcc's own code included
        if fn.opaque or fn.name.endswith(".resolver"):
            continue
        text = module.function_text(fn.name)
        march = function_march("gcc", tu.flags, text, workdir)
        finding = check_static(text, fn.name, module, compiler="gcc", march=march,
                               workdir=workdir)
        if finding is not None:
            problems.append(f"{tu.id} {fn.name}: {finding.outcome.value}: {finding.reason}")
    return problems


def test_no_corpus_function_is_rejected_statically(corpus, tmp_path):
    """gcc's code for every corpus function (a quarter of the TUs) passes every static check."""
    chosen = corpus[::4]
    jobs = [(tu, str(tmp_path / str(n))) for n, tu in enumerate(chosen)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = [p for ps in pool.map(_corpus_function_passes, jobs) for p in ps]
    assert not problems, f"{len(problems)} false rejections:\n" + "\n".join(problems[:10])


def test_cf_protection_code_passes(tmp_path):
    """Ubuntu's gcc defaults to -fcf-protection: its endbr64 must not read as an ISA
    extension the target lacks, while without the flag it still does."""
    (tmp_path / "t.c").write_text(SOURCE)
    subprocess.run(["gcc", "-O3", "-fcf-protection", "-S", "t.c", "-o", "t.s"], cwd=tmp_path,
                   check=True)
    module = parse_module((tmp_path / "t.s").read_text())
    text = module.function_text("add")
    assert "endbr64" in text
    for flags, ok in (((("-O3", "-fcf-protection")), True), (("-O3",), False)):
        march = gas_march("gcc", flags)
        finding = check_static(text, "add", module, compiler="gcc", march=march,
                               workdir=str(tmp_path))
        assert (finding is None) == ok, finding


@pytest.fixture(scope="module", params=[(), ("-ffunction-sections",)],
                ids=["text", "function-sections"])
def helper_tu(request, tmp_path_factory):
    """101_inlined_helper.c at -O3 (the unit) and at -O2 (a variant that calls ``mix``)."""
    folder = tmp_path_factory.mktemp("helper")
    extra = request.param
    _, texts = compile_levels(folder, "helper", INLINED_HELPER.read_text(),
                              [("-O3", *extra), ("-O2", *extra)])
    o3, o2 = (parse_module(texts[(level, *extra)]) for level in ("-O3", "-O2"))
    return (folder, o3), o2


def test_a_variant_bringing_its_helper_passes_and_without_it_does_not(helper_tu):
    tu, o2 = helper_tu
    for name in ("hash_words", "hash_pair"):
        assert judge(tu, name, o2.candidate_text(name, tu[1])) is None, name
    finding = judge(tu, "hash_words", o2.function_text("hash_words"))
    assert finding.outcome is Outcome.UNKNOWN_SYMBOL and "mix" in finding.reason


def test_a_models_helper_of_its_own_name_passes(helper_tu):
    tu, o2 = helper_tu
    text = o2.candidate_text("hash_words", tu[1]).replace("mix.llmcc", "my_mix")
    assert judge(tu, "hash_words", text) is None


@pytest.mark.parametrize(("old", "new", "outcome", "words"), [
    # global: a second definition for every caller
    ("\t.type\tmix.llmcc, @function", "\t.globl\tmix.llmcc\n\t.type\tmix.llmcc, @function",
     Outcome.FORBIDDEN_DIRECTIVE, ".globl mix.llmcc"),
    # names the unit has: its data, its global function
    ("mix.llmcc", "hash_seed", Outcome.FORBIDDEN_DIRECTIVE, "defines hash_seed"),
    ("mix.llmcc", "hash_pair", Outcome.FORBIDDEN_DIRECTIVE, "defines hash_pair"),
    # code in writable data, an instruction no candidate may use
    ("\t.type\tmix.llmcc, @function", "\t.data\n\t.type\tmix.llmcc, @function",
     Outcome.FORBIDDEN_DIRECTIVE, "section .data"),
    ("\troll\t$13", "\trdtsc\n\troll\t$13", Outcome.FORBIDDEN_INSTRUCTION, "rdtsc"),
])
def test_a_bad_helper_is_rejected_by_name(helper_tu, old, new, outcome, words):
    tu, o2 = helper_tu
    text = o2.candidate_text("hash_words", tu[1])
    body = text[text.index("\t.type\tmix.llmcc"):]  # the helper's own lines
    assert old in body
    text = text.replace(body, body.replace(old, new, 1)) if old != "mix.llmcc" \
        else text.replace(old, new)
    finding = judge(tu, "hash_words", text)
    assert finding is not None and finding.outcome is outcome, finding
    assert words in finding.reason
