"""Differential tests and ABI checks on real gcc code: correct variants pass, each kind of
wrong candidate is caught with its outcome and a counterexample."""

from __future__ import annotations

import re
import subprocess

import pytest
from corpus_tools import INLINED_HELPER, compile_levels

from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.verify.harness import Copy, harness_assembly, run_differential
from llmcc.verify.harness.assembly import POISON
from llmcc.verify.harness.inputs import compared_constants, may_overlap
from llmcc.verify.harness.report import COUNTEREXAMPLE_KINDS
from llmcc.verify.signature import signature_of

SOURCE = r"""
#include <stddef.h>
#include <string.h>
int total;
static int calls;
int sum(const int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
void scale(float *restrict out, const float *restrict in, size_t n, float k)
{ for (size_t i = 0; i < n; i++) out[i] = in[i] * k; }
size_t my_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
struct pt { int x; double y; };
struct pt mk(int x, double y) { struct pt p = {x, y * 2}; return p; }
void bump(int by) { total += by; calls++; }
void fill(unsigned char *dst, int n, unsigned char v) { memset(dst, v, (size_t)n); }
int at(const int *a, int i) { return a[i * 1000]; }
int apply(int (*f)(int), int x) { return f(x); }
int day_kind(int d)
{
    switch (d) {
    case 0: case 6: return 2;
    case 1: case 2: case 3: case 4: return 1;
    case 5: return 3;
    default: return 0;
    }
}
void axpy(float *y, const float *x, float a, int n)
{ for (int i = 0; i < n; i++) y[i] += a * x[i]; }
int recorded;
long recorded_sum;
long average(void) { return recorded ? recorded_sum / recorded : 0; }
struct acct { long balance; int deposits; int flags; };
long deposit(struct acct *acc, long amount)
{
    acc->balance += amount;
    acc->deposits++;
    if (acc->balance > 5000)
        acc->flags |= 2;
    return acc->balance;
}
void copy_block(char *dst, const char *src, unsigned long n) { memcpy(dst, src, n); dst[n] = 0; }
const char *yes_no(int x) { return x ? "yes" : "no"; }
double scaled(double x) { return x * 3.5 + 1.25; }
static const unsigned short squares[16] = {0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121,
                                           144, 169, 196, 225};
unsigned sq_sum(const unsigned char *p, int n)
{ unsigned s = 0; for (int i = 0; i < n; i++) s += squares[p[i] & 15]; return s; }
"""


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("harness")
    src, by_flags = compile_levels(folder, "t", SOURCE, [("-O3",), ("-O1",), ("-O2",), ("-Os",)])
    texts = {flags[0]: text for flags, text in by_flags.items()}
    return folder, src, parse_module(texts["-O3"]), texts


def check(tu, function, candidate, tests=60):
    folder, src, module, _ = tu
    sig = signature_of(src, function, "gcc", ("-O3",))
    return run_differential(module, sig, candidate, compiler="gcc", flags=("-O3",),
                            workdir=str(folder), tests=tests)


def mutate(tu, function, old, new):
    text = tu[2].function_text(function)
    assert old in text, text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("function", ["sum", "scale", "my_strlen", "mk", "bump", "fill",
                                      "day_kind", "axpy", "average", "deposit", "copy_block",
                                      "yes_no", "scaled", "sq_sum"])
@pytest.mark.parametrize("level", ["-O1", "-O2", "-Os"])
def test_other_optimization_levels_are_equivalent(tu, function, level):
    result = check(tu, function, tu[3][level])
    assert result.outcome is None, result.reason
    assert result.counts.valid >= 10


def test_changed_constant_is_a_mismatch_with_counterexample(tu):
    result = check(tu, "bump", mutate(tu, "bump", "addl\t$1, calls(%rip)",
                                      "addl\t$2, calls(%rip)"))
    assert result.outcome is Outcome.TEST_MISMATCH
    assert "by=" in result.reason  # the input that shows it


def test_a_static_table_of_the_function_is_the_candidates_own(tu):
    """``squares`` is defined by the baseline unit and by each copy's text: the copy's is
    renamed, so the function is testable and a changed entry in it is caught."""
    assert "squares:" in tu[2].function_text("sq_sum")
    assert check(tu, "sq_sum", tu[2].function_text("sq_sum")).outcome is None
    result = check(tu, "sq_sum", mutate(tu, "sq_sum", ".value\t225", ".value\t224"))
    assert result.outcome is Outcome.TEST_MISMATCH


def test_write_to_a_static_global_is_compared(tu):
    result = check(tu, "bump", mutate(tu, "bump", "\taddl\t$1, calls(%rip)\n", ""))
    assert result.outcome is Outcome.TEST_MISMATCH


def test_clobbered_callee_saved_register_is_an_abi_violation(tu):
    result = check(tu, "sum", mutate(tu, "sum", "\tret", "\tmovq\t$7, %rbx\n\tret"))
    assert result.outcome is Outcome.ABI_VIOLATION and "callee-saved" in result.reason


def test_direction_flag_left_set_is_an_abi_violation(tu):
    result = check(tu, "sum", mutate(tu, "sum", "\tret", "\tstd\n\tret"))
    assert result.outcome is Outcome.ABI_VIOLATION and "direction flag" in result.reason


def test_infinite_loop_is_a_timeout(tu):
    result = check(tu, "sum", mutate(tu, "sum", "\tret", "\tjmp\t.\n\tret"), tests=20)
    assert result.outcome is Outcome.CANDIDATE_TIMEOUT


def test_write_past_a_buffer_hits_a_guard_page(tu):
    # my_strlen reads; make it also store one byte past the end of its string
    text = mutate(tu, "my_strlen", "\tret", "\tmovb\t$0, 4096(%rdi)\n\tret")
    result = check(tu, "my_strlen", text)
    assert result.outcome is Outcome.CANDIDATE_CRASH


def test_system_call_is_stopped_by_the_sandbox(tu):
    text = mutate(tu, "sum", "\tret", "\tmovl\t$2, %eax\n\tsyscall\n\tret")  # open(2)
    assert check(tu, "sum", text).outcome is Outcome.CANDIDATE_CRASH


def _on_entry(tu, function, *code):
    """``function`` doing ``code`` first thing, its argument registers kept."""
    saved = "\tpushq\t%rdi\n\tpushq\t%rsi\n"
    restored = "\tpopq\t%rsi\n\tpopq\t%rdi\n"
    lines = "".join(f"\t{line}\n" for line in code)
    return mutate(tu, function, "\t.cfi_startproc\n",
                  "\t.cfi_startproc\n" + saved + lines + restored)


@pytest.mark.parametrize("call", [
    ("movl $234, %eax", "movl $PID, %edi", "movl $PID, %esi", "movl $15, %edx"),  # tgkill
    ("movl $200, %eax", "movl $PID, %edi", "movl $15, %esi"),  # tkill
    ("movl $62, %eax", "movl $PID, %edi", "movl $15, %esi"),  # kill
])
def test_signalling_another_process_is_stopped_by_the_sandbox(tu, call):
    """SIGTERM to a process of the same user: the candidate dies, the process lives on."""
    victim = subprocess.Popen(["sleep", "60"])
    try:
        code = [line.replace("PID", str(victim.pid)) for line in call]
        result = check(tu, "sum", _on_entry(tu, "sum", *code, "syscall"), tests=20)
        assert result.outcome is Outcome.CANDIDATE_CRASH, result.reason
        assert victim.poll() is None, "the candidate's signal reached another process"
    finally:
        victim.kill()
        victim.wait()


def test_signalling_another_thread_id_is_stopped_by_the_sandbox(tu):
    """tgkill to its own process but a thread id not its own (1; signal 0 only asks)."""
    text = _on_entry(tu, "sum", "movl $39, %eax", "syscall", "movl %eax, %edi",
                     "movl $1, %esi", "xorl %edx, %edx", "movl $234, %eax", "syscall")
    assert check(tu, "sum", text, tests=20).outcome is Outcome.CANDIDATE_CRASH


def test_signalling_its_own_thread_is_allowed(tu):
    """What glibc's raise() sends, tgkill(getpid(), gettid(), sig), still works (signal 0
    here): the filter knows the child's own ids."""
    text = _on_entry(tu, "sum", "movl $39, %eax", "syscall", "pushq %rax", "movl $186, %eax",
                     "syscall", "movl %eax, %esi", "popq %rdi", "xorl %edx, %edx",
                     "movl $234, %eax", "syscall")
    result = check(tu, "sum", text, tests=20)
    assert result.outcome is None, result.reason


def test_forged_harness_output_is_stopped_by_the_sandbox(tu):
    """The verifier reads COUNTS and VALID lines from its harness's stdout; a candidate
    writing its own through a system call hidden inside another instruction's bytes
    (``movl $0xc3050f`` holds ``syscall; ret``) is killed."""
    forged = "COUNTS run=60 valid=60 failed=0\nVALID 1 2 3\n"
    text = _on_entry(tu, "sum", "jmp .Lforge_go", ".Lforge_gadget: movl $0xc3050f, %eax",
                     ".Lforge_go: movl $1, %eax", "movl $1, %edi",
                     "leaq .Lforge_text(%rip), %rsi", f"movl ${len(forged)}, %edx",
                     "leaq .Lforge_gadget+1(%rip), %rcx", "call *%rcx")
    escaped = forged.replace("\n", "\\n")
    text += f'\t.section\t.rodata\n.Lforge_text:\n\t.string\t"{escaped}"\n'
    result = check(tu, "sum", text, tests=20)
    assert result.outcome is Outcome.CANDIDATE_CRASH, result.reason


def test_inputs_the_baseline_crashes_on_are_discarded(tu):
    result = check(tu, "at", tu[2].function_text("at"))
    assert result.counts.valid < result.counts.run  # large i reads far outside the buffer
    assert result.outcome in (None, Outcome.UNTESTABLE)


def test_function_pointer_parameter_is_untestable(tu):
    result = check(tu, "apply", tu[2].function_text("apply"))
    assert result.outcome is Outcome.UNTESTABLE and "function pointer" in result.reason


def test_relying_on_a_zero_upper_half_of_an_int_argument_is_caught(tu):
    """The ABI leaves bits 32-63 of a register holding an int undefined: a candidate that
    uses %rdi where gcc's code sign-extends %edi first is wrong, and the trampoline puts
    garbage there to show it."""
    module = tu[2]
    text = module.function_text("bump")
    assert "addl\t%edi, total(%rip)" in text
    wrong = text.replace("addl\t%edi, total(%rip)",
                         "movq\t%rdi, %rax\n\tshrq\t$32, %rax\n\taddl\t%eax, calls(%rip)\n"
                         "\taddl\t%edi, total(%rip)")
    result = check(tu, "bump", wrong)
    assert result.outcome is Outcome.TEST_MISMATCH


# -- inputs that tell apart what plain random inputs rarely do ---------------------------------

def test_read_past_a_table_sees_poison(tu):
    """A candidate that reads one entry past its switch table (for d == 7) is wrong however
    the unit's data happens to be laid out: its copy of the table is followed by poison."""
    result = check(tu, "day_kind", mutate(tu, "day_kind", "cmpl\t$6, %edi", "cmpl\t$7, %edi"))
    assert result.outcome is Outcome.TEST_MISMATCH and "d=7" in result.reason


def test_poison_follows_only_the_candidates_read_only_data(tu):
    module = tu[2]
    poison = "\t.byte\t" + ", ".join(f"0x{b:02x}" for b in POISON)

    def parts(function):
        """The harness unit's baseline part and what the copy adds to it."""
        before = harness_assembly(module, function, []).removesuffix(f"\t.globl\t{function}\n")
        text = harness_assembly(module, function, [Copy(f"{function}__c", module.emit(), "cand",
                                                        poison=True)])
        assert text.startswith(before)
        return before, text[len(before):]

    table = "\n".join(["\t.long\t2", *["\t.long\t1"] * 4, "\t.long\t3", "\t.long\t2"])
    before, copy = parts("day_kind")
    assert poison not in before and f"{table}\n" in before  # the baseline's, as gcc made it
    moved = copy[copy.index('\t.pushsection\t.rodata.llmcc.cand,"a",@progbits'):]
    assert re.search(r"\t\.balign\t16\nCSWTCH\.\d+\.cand:\n" + re.escape(f"{table}\n{poison}"),
                     moved)
    # constants leave their mergeable section for a plain one, aligned as they were
    _, copy = parts("scaled")
    assert copy.count("\t.balign\t8\n.Lcand_C") == 2 and copy.count(poison) == 2
    # string literals stay mergeable: a pointer to one compares equal across the copies
    _, copy = parts("yes_no")
    assert poison not in copy and '"aMS"' in copy


def test_partial_overlap_either_way_round(tu):
    """The vectorized loop runs only when y and x are far enough apart; a candidate whose
    overlap check is broken is wrong when y starts 1-3 elements after x: x, the earlier
    parameter in the other direction, points into y."""
    result = check(tu, "axpy", mutate(tu, "axpy", "\tsubq\t%rdi, %rax\n", ""), tests=200)
    assert result.outcome is Outcome.TEST_MISMATCH


def test_buffers_passed_to_memcpy_never_partly_overlap(tu):
    """memcpy's behaviour on overlapping buffers is undefined: a candidate may copy in
    another order, so functions that call it get no partly overlapping buffers."""
    assert not may_overlap(tu[2].function_text("copy_block"))
    assert not may_overlap("\tjmp\t*__strcpy_chk@GOTPCREL(%rip)\n")
    assert may_overlap(tu[2].function_text("axpy"))
    assert may_overlap("\tcall\tmemmove@PLT\n")
    result = check(tu, "copy_block", tu[3]["-Os"], tests=200)
    assert result.outcome is None, result.reason


def test_globals_start_from_other_values(tu):
    """A candidate that always returns 0 agrees with the baseline while the unit's globals
    are all zero; some tests start both from other values."""
    result = check(tu, "average", mutate(tu, "average", "\tje\t", "\tjmp\t"))
    assert result.outcome is Outcome.TEST_MISMATCH
    assert "globals set" in result.reason
    # the inputs handed on to the timer are those that start from the unit's own values
    result = check(tu, "average", tu[3]["-O1"])
    assert result.outcome is None and result.valid_inputs
    assert len(result.valid_inputs) < result.counts.valid
    assert all(t % 4 != 2 for t in result.valid_inputs)


def test_writable_data_without_addresses_is_listed_for_setting():
    text = ("\t.globl\tn\n\t.data\n\t.align 4\nn:\n\t.long\t5\n"
            '\t.section\t.data.rel.local,"aw"\n\t.align 8\np:\n\t.quad\tn\n'
            '\t.section\t.data.rel.ro.local,"aw"\n\t.align 8\nk:\n\t.long\t4\n\t.zero\t4\n'
            "\t.quad\tn\n"  # a const object: gcc may have built its values into code
            "\t.bss\n\t.align 8\nz:\n\t.zero\t16\n\t.local\tc\n\t.comm\tc,4,4\n")
    out = harness_assembly(parse_module(text), "f", [])
    table = out[out.index("llmcc_tu_fields"):]
    assert [line.split("\t")[-1] for line in table.splitlines() if ".quad" in line] == [
        ".Lllmcc_g0, .Lllmcc_g0_e, 4", ".Lllmcc_g1, .Lllmcc_g1_e, 8",
        ".Lllmcc_g2, .Lllmcc_g2_e, 4"]
    assert "p:\n\t.quad\tn" in out  # an address is never changed


def test_sum_of_member_and_argument_reaches_a_compared_constant(tu):
    """``balance + amount > 5000``: a candidate comparing with 4999 differs only when the
    sum is exactly 5000, which independent random inputs almost never give."""
    assert compared_constants(tu[2].function_text("deposit")) == [4999, 5000, 5001]
    wrong = mutate(tu, "deposit", "cmpq\t$5000,", "cmpq\t$4999,")
    result = check(tu, "deposit", wrong, tests=200)
    assert result.outcome is Outcome.TEST_MISMATCH


def test_every_failure_kind_the_harness_reports_has_an_outcome():
    """The harness names why a test failed with a code the parent maps to an Outcome; a
    code without a mapping would turn a crash or an ABI break into a plain mismatch."""
    from llmcc.verify import templates

    main = templates.load("llmcc.verify.harness", "differential_main.c").text
    written = set(re.findall(r'kind = "(\w+)"', main))
    assert written == set(COUNTEREXAMPLE_KINDS)
    assert {*COUNTEREXAMPLE_KINDS.values()} == {Outcome.TEST_MISMATCH, Outcome.CANDIDATE_CRASH,
                                                 Outcome.CANDIDATE_TIMEOUT, Outcome.ABI_VIOLATION}


# -- candidates that bring helpers along ---------------------------------------------------

@pytest.fixture(scope="module")
def helper_tu(tmp_path_factory):
    """101_inlined_helper.c: the unit at -O3 (``mix`` inlined), candidates from -O2, whose
    ``hash_words`` calls ``mix`` and keeps values in registers ``mix`` leaves alone."""
    folder = tmp_path_factory.mktemp("helper")
    src, texts = compile_levels(folder, "helper", INLINED_HELPER.read_text(),
                                [("-O3",), ("-O2",)])
    o3, o2 = parse_module(texts[("-O3",)]), parse_module(texts[("-O2",)])
    return (folder, src, o3, texts), o2.candidate_text("hash_words", o3)


@pytest.mark.parametrize("helper", ["mix.llmcc", "my_mix"])
def test_a_candidate_with_its_helper_passes_and_a_wrong_helper_is_caught(helper_tu, helper):
    tu, candidate = helper_tu
    candidate = candidate.replace("mix.llmcc", helper)
    result = check(tu, "hash_words", candidate)
    assert result.outcome is None and result.counts.valid >= 10, result.reason
    wrong = candidate.replace("$-1253433917", "$-1253433915")  # in the helper alone
    assert wrong.count("$-1253433915") == 1
    assert check(tu, "hash_words", wrong).outcome is Outcome.TEST_MISMATCH


@pytest.mark.parametrize("helper", ["mix.llmcc", "my_mix"])
def test_copies_of_a_candidate_bring_helpers_of_their_own(helper_tu, helper, tmp_path):
    """The timer adds a copy at every entry offset: each renames its helpers."""
    (_, _, o3, _), candidate = helper_tu
    candidate = candidate.replace("mix.llmcc", helper)
    copies = [Copy(f"hash_words__b{off}", candidate, f"b{off}", off) for off in (0, 16)]
    (tmp_path / "h.s").write_text(harness_assembly(o3, "hash_words", copies))
    subprocess.run(["gcc", "-c", "h.s"], cwd=tmp_path, check=True)
    symbols = subprocess.run(["nm", "h.o"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout.split()
    assert {f"{helper}.b0", f"{helper}.b16", "hash_words__b0", "hash_words__b16"} \
        <= set(symbols) and helper not in symbols
