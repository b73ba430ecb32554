"""Strings that end at a guard page: a candidate that reads one byte past a string's NUL
faults on some of the generated inputs, while gcc's code and glibc's (aligned reads that
never cross a page) do not, and no input the baseline survives is lost."""

from __future__ import annotations

import re
import subprocess

import pytest
from corpus_tools import compile_levels

from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.timing.timer import build_harnesses
from llmcc.verify.harness import (
    DEFAULT_TESTS,
    STRINGS_IN_PLACE,
    InputHints,
    inputs_source,
    run_differential,
)
from llmcc.verify.signature import signature_of

SOURCE = r"""
#include <stddef.h>
#include <string.h>
size_t my_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int count_vowels(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == 'a' || *s == 'e' || *s == 'i' || *s == 'o' || *s == 'u';
    return n;
}
int is_palindrome(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++)
        if (s[i] != s[n - 1 - i])
            return 0;
    return 1;
}
void to_upper(char *dst, const char *src)
{
    while (*src) {
        char c = *src++;
        *dst++ = (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    *dst = 0;
}
unsigned sum_bytes(const char *p, unsigned long n)
{ unsigned s = 0; for (unsigned long i = 0; i < n; i++) s += (unsigned char)p[i]; return s; }
"""
# the loop gcc -O3 otherwise turns into a call of strlen
LOOP = ("-O3", "-fno-tree-loop-distribute-patterns")
# the harness before strings ended at guard pages accepted both over-reads on seeds 10, 13,
# 17 and 18 with a build's 200 inputs (measured: it caught the strlen one on 16 of seeds
# 1-20, first at test 25 to 177; now every seed does, at test 2 or 4)
SEEDS = (10, 13, 17, 18, 1)


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("strings")
    src, texts = compile_levels(folder, "s", SOURCE, [("-O3",), LOOP, ("-O1",), ("-Os",)])
    return folder, src, texts


def check(tu, function, candidate, *, baseline=("-O3",), seed=1, tests=DEFAULT_TESTS):
    folder, src, texts = tu
    sig = signature_of(src, function, "gcc", ("-O3",))
    workdir = folder / f"{function}-{seed}-{abs(hash(candidate))}"
    workdir.mkdir(exist_ok=True)
    return run_differential(parse_module(texts[baseline]), sig, candidate, compiler="gcc",
                            flags=("-O3",), workdir=str(workdir), tests=tests, seed=seed)


def edited(tu, flags, function, pattern, insert):
    """``function``'s text under ``flags`` with ``insert`` put before the first line that
    matches ``pattern``."""
    text = parse_module(tu[2][flags]).function_text(function)
    lines = text.splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines) if re.match(pattern, line))
    return "".join([*lines[:at], insert, *lines[at:]])


def strlen_reading_past(tu):
    """gcc's strlen loop (len in %rax at the ret), loading s[len + 1] and dropping it."""
    text = edited(tu, LOOP, "my_strlen", r"\s+ret\b", "\tmovzbl\t1(%rdi,%rax), %edx\n")
    assert "1(%rdi,%rax)" in text and "strlen" not in text.replace("my_strlen", "")
    return text


def vowels_reading_past(tu):
    """gcc's counting loop exits with %rdi at the NUL (or at an empty string): it loads the
    byte after it and drops it."""
    text = parse_module(tu[2][("-O3",)]).function_text("count_vowels")
    exit_label = re.findall(r"\bje\s+(\.L\d+)", text)[0]
    return text.replace(f"{exit_label}:\n", f"{exit_label}:\n\tmovzbl\t1(%rdi), %ecx\n", 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_strlen_reading_one_byte_past_the_nul_is_rejected(tu, seed):
    """The baseline calls glibc's strlen, which reads aligned blocks up to the guard page."""
    result = check(tu, "my_strlen", strlen_reading_past(tu), seed=seed)
    assert result.outcome is Outcome.CANDIDATE_CRASH, result.reason
    assert "[strings end at a guard page]" in result.reason


@pytest.mark.parametrize("seed", SEEDS)
def test_a_counting_loop_reading_past_the_nul_is_rejected(tu, seed):
    result = check(tu, "count_vowels", vowels_reading_past(tu), seed=seed)
    assert result.outcome is Outcome.CANDIDATE_CRASH, result.reason


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("function,candidate_flags", [
    ("my_strlen", LOOP), ("my_strlen", ("-O1",)), ("count_vowels", ("-Os",)),
    ("is_palindrome", ("-O1",)), ("to_upper", ("-Os",)), ("sum_bytes", ("-O1",))])
def test_correct_candidates_pass(tu, function, candidate_flags, seed):
    candidate = parse_module(tu[2][candidate_flags]).function_text(function)
    result = check(tu, function, candidate, seed=seed)
    assert result.outcome is None, result.reason
    if function in ("my_strlen", "count_vowels", "is_palindrome"):
        # they only read their string: nothing its place could make the baseline (glibc's
        # strlen included) fail on (to_upper's overlapping buffers and sum_bytes' sizes
        # past the buffer fail as before; their counts are as before)
        assert result.counts.valid == result.counts.run == DEFAULT_TESTS


def test_strings_end_at_the_guard_page_on_a_share_of_tests(tu, tmp_path):
    """Generated inputs themselves: for a read-only string, 3 tests in 8 put its NUL on the
    last byte before a page the harness made PROT_NONE; for a string the function may write
    (a destination, perhaps), 1 in 4; the rest where they always were."""
    src = tu[1]
    sig = signature_of(src, "to_upper", "gcc", ("-O3",))
    probe = tmp_path / "probe.c"
    probe.write_text(inputs_source(sig, ["to_upper"], InputHints()) + r"""
/* 1 if the string at p ends within its buffer on the last byte of a page */
static int at_end(const char *p, const unsigned char *buf, size_t len) {
    size_t room = (size_t)(buf + len - (const unsigned char *)p), n = strnlen(p, room);
    return n < room && ((uintptr_t)p + n + 1) % (uintptr_t)sysconf(_SC_PAGESIZE) == 0;
}
int main(void) {
    int dst = 0, src = 0, plain = 0;
    for (int t = 0; t < 200; t++) {
        struct inputs in;
        llmcc_input(&in, t, 1);
        dst += at_end(in.p0, in.buf0, in.len0);
        src += at_end(in.p1, in.buf1, in.len1);
        llmcc_input(&in, t | LLMCC_STRINGS_IN_PLACE, 1);
        plain += (unsigned char *)in.p1 != in.buf1 || llmcc_moved;
    }
    printf("%d %d %d\n", dst, src, plain);
    return 0;
}
""")
    exe = tmp_path / "probe"
    subprocess.run(["gcc", "-O1", "-w", str(probe), "-o", str(exe)], check=True)
    dst, src, plain = map(int, subprocess.run([str(exe)], capture_output=True, text=True,
                                              check=True).stdout.split())
    # 200 tests: 50 with test % 4 == 2, 25 more with test % 8 == 4; a string 63 bytes long
    # (its buffer's size, less one) is at the end of an even test's buffer anyway
    assert 50 <= dst <= 60 and 75 <= src <= 85, (dst, src)
    assert plain == 0


def test_a_buffer_of_given_size_keeps_its_inputs(tu):
    """``sum_bytes`` reads ``n`` bytes, whatever the NUL: where its bytes moved to end at the
    guard page make the baseline itself fault, the test runs with them in place, and the
    timer, given the same ids, makes the same inputs."""
    result = check(tu, "sum_bytes", parse_module(tu[2][("-O3",)]).function_text("sum_bytes"))
    assert result.outcome is None, result.reason
    kept = [t for t in result.valid_inputs if t & STRINGS_IN_PLACE]
    moved = [t for t in result.valid_inputs
             if not t & STRINGS_IN_PLACE and (t % 4 == 2 or t % 8 == 4)]
    assert kept and moved, (kept, moved)

    folder, src, texts = tu
    sig = signature_of(src, "sum_bytes", "gcc", ("-O3",))
    module = parse_module(texts[("-O3",)])
    workdir = folder / "timing"
    workdir.mkdir(exist_ok=True)
    exe, _ = build_harnesses(module, sig, module.function_text("sum_bytes"), "gcc",
                             ("-O3",), str(workdir))

    def timing_run(ids):  # no rounds: the harness only calls A once per input to rank them
        return subprocess.run([exe, "1", "1000", "0", "5", "3", *map(str, ids)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)

    ok = timing_run([*kept[:8], *moved[:8]])  # the timer takes a few dozen at most
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith("END"), ok.stdout[-300:]
    # the same tests with their strings moved: the baseline faults, in the timer too
    assert timing_run([t & ~STRINGS_IN_PLACE for t in kept]).returncode != 0
