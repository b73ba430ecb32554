"""`llmcc verify`: verdicts as text and JSON, exit statuses, one-line errors."""

from __future__ import annotations

import json
import subprocess

import pytest
from test_cli import run

SOURCE = "int add(int a, int b) { return a + b; }\nint sub(int a, int b) { return a - b; }\n"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "v.c").write_text(SOURCE)
    subprocess.run(["gcc", "-O3", "-S", "v.c", "-o", "v.s"], cwd=tmp_path, check=True)
    text = (tmp_path / "v.s").read_text()
    (tmp_path / "syscall.s").write_text(text.replace("\tret", "\tsyscall\n\tret", 1))
    (tmp_path / "avx2.s").write_text(
        text.replace("\tret", "\tvpaddd\t%ymm0, %ymm0, %ymm0\n\tret", 1))
    (tmp_path / "garbage.s").write_text("add:\n\tmovl %eax %ebx\n")
    # code in .init (gas makes it executable) runs before main, ahead of the sandbox
    (tmp_path / "init.s").write_text(text.replace(
        "\tret", "\tret\n\t.section\t.init\n\tmovl\t$39, %eax\n\t.byte\t0x0f, 0x05\n\t.text", 1))
    (tmp_path / "secret.txt").write_text("llmcc_secret_51e0\n")
    (tmp_path / "include.s").write_text(text.replace(
        "\tret", f'\t.include\t"{tmp_path / "secret.txt"}"\n\tret', 1))
    return tmp_path


def test_gccs_own_code_is_correct_but_not_faster(files):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "v.s", "--json"], files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert (data["verdict"], data["stage"], data["outcome"]) == ("rejected", "timing",
                                                                  "not_faster")
    assert data["tests"]["valid"] == data["tests"]["run"] > 0 and data["tests"]["failed"] == 0
    speedup = data["speedup"]
    assert speedup["ci_low"] <= speedup["median"] <= speedup["ci_high"]
    assert speedup["ci_low"] < 1.031  # 1 / (1 - min_effect)


BITS = """#include <stdint.h>
int bits(uint64_t x) { int c = 0; while (x) { c += (int)(x & 1); x >>= 1; } return c; }
"""
POPCNT = """\t.text
\t.p2align 4
\t.globl\tbits
\t.type\tbits, @function
bits:
\tpopcntq\t%rdi, %rax
\tret
\t.size\tbits, .-bits
"""


def test_a_faster_candidate_is_accepted_with_its_speedup(files):
    (files / "bits.c").write_text(BITS)
    (files / "popcnt.s").write_text(POPCNT)
    args = ["bits.c", "--function", "bits", "--candidate", "popcnt.s"]
    # popcnt needs a -march that has it
    assert json.loads(run(["verify", *args, "--json"], files).stdout)["outcome"] == \
        "unsupported_isa"
    proc = run(["verify", *args, "--json", "--", "-march=x86-64-v2"], files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, data
    assert (data["verdict"], data["stage"]) == ("accepted", "timing")
    assert 1.5 < data["speedup"]["ci_low"] <= data["speedup"]["median"]


def test_bench_function_prints_the_table_per_input_and_offset(files):
    (files / "bits.c").write_text(BITS)
    (files / "popcnt.s").write_text(POPCNT)
    args = ["bits.c", "--function", "bits", "--candidate", "popcnt.s", "--", "-march=x86-64-v2"]
    proc = run(["bench-function", *args], files)
    assert proc.returncode == 0
    assert "timing: faster" in proc.stdout and "reproduction: faster" in proc.stdout
    rows = [ln.split() for ln in proc.stdout.splitlines() if ln.startswith("  ")
            and ln.split()[0].isdigit()]
    assert len(rows) == 24 and {r[1] for r in rows} == {"0", "16", "32", "48"}
    data = json.loads(run(["bench-function", "--json", *args], files).stdout)
    cells = data["timing"]["first"]["cells"]
    assert len(cells) == 12
    assert sum(c["candidate_ns"] < c["baseline_ns"] for c in cells) >= 4  # the slowest input
    # a wrong candidate is not timed
    proc = run(["bench-function", "v.c", "--function", "add", "--candidate", "syscall.s"],
               files)
    assert proc.returncode == 1 and "not timed" in proc.stdout


def test_a_wrong_candidate_is_rejected_with_a_counterexample(files):
    wrong = (files / "v.s").read_text().replace("\tleal\t(%rdi,%rsi), %eax",
                                                 "\tleal\t1(%rdi,%rsi), %eax")
    (files / "wrong.s").write_text(wrong)
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "wrong.s", "--json"], files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert (data["verdict"], data["stage"], data["outcome"]) == ("rejected", "tests",
                                                                  "test_mismatch")
    assert "a=" in data["reason"] and "b=" in data["reason"]
    assert data["tests"]["failed"] == 1


@pytest.mark.parametrize(("candidate", "stage", "outcome"), [
    ("syscall.s", "static", "forbidden_instruction"),
    ("avx2.s", "static", "unsupported_isa"),
    ("garbage.s", "parse", "parse_error"),
    ("init.s", "static", "forbidden_directive"),
    ("include.s", "static", "forbidden_directive"),
])
def test_bad_candidates_are_rejected_with_the_stage(files, candidate, stage, outcome):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", candidate, "--json"],
               files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert (data["verdict"], data["stage"], data["outcome"]) == ("rejected", stage, outcome)
    assert "llmcc_secret" not in proc.stdout + proc.stderr  # .include's file stays unread


def test_gcc_flags_after_double_dash_set_the_target(files):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "avx2.s", "--json", "--",
                "-O2", "-march=x86-64-v3"], files)
    assert json.loads(proc.stdout)["stage"] == "timing"  # past the static checks


@pytest.mark.parametrize(("args", "message"), [
    (["missing.c", "--function", "add", "--candidate", "v.s"], "missing.c: no such file"),
    (["v.c", "--function", "nope", "--candidate", "v.s"], "function 'nope' not found"),
    (["v.c", "--function", "add", "--candidate", "none.s"], "none.s: No such file"),
    (["v.c", "--function", "add", "--candidate", "v.s", "--", "-DX=\"", "-fnonsense"],
     "gcc cannot compile v.c"),
])
def test_bad_input_is_one_line_and_exit_2(files, args, message):
    proc = run(["verify", *args], files)
    assert proc.returncode == 2
    assert proc.stderr.startswith("llmcc verify: error: ") and message in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_minimum_valid_inputs_is_a_setting(files):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "v.s", "--json"], files,
               {"LLMCC_MIN_VALID_INPUTS": "100000"})
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert data["outcome"] == "untestable" and "at least 100000 needed" in data["reason"]
