"""Differential tests and ABI checks on real gcc code: correct variants pass, each kind of
wrong candidate is caught with its outcome and a counterexample."""

from __future__ import annotations

import subprocess

import pytest

from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.verify.harness import run_differential
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
"""


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("harness")
    src = folder / "t.c"
    src.write_text(SOURCE)
    texts = {}
    for level in ("-O3", "-O1", "-O2", "-Os"):
        out = folder / f"t{level}.s"
        subprocess.run(["gcc", level, "-S", str(src), "-o", str(out)], check=True)
        texts[level] = out.read_text()
    return folder, str(src), parse_module(texts["-O3"]), texts


def check(tu, function, candidate, tests=60):
    folder, src, module, _ = tu
    sig = signature_of(src, function, "gcc", ("-O3",))
    return run_differential(module, sig, candidate, compiler="gcc", flags=("-O3",),
                            workdir=str(folder), tests=tests)


def mutate(tu, function, old, new):
    text = tu[2].function_text(function)
    assert old in text, text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("function", ["sum", "scale", "my_strlen", "mk", "bump", "fill"])
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
