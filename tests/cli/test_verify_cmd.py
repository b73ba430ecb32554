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
    return tmp_path


def test_gccs_own_code_is_accepted_on_correctness(files):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "v.s", "--json"], files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert (data["verdict"], data["stage"]) == ("accepted", "tests")
    assert data["tests"]["valid"] == data["tests"]["run"] > 0 and data["tests"]["failed"] == 0
    assert data["speedup"] is None  # no timer yet


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
])
def test_bad_candidates_are_rejected_with_the_stage(files, candidate, stage, outcome):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", candidate, "--json"],
               files)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert (data["verdict"], data["stage"], data["outcome"]) == ("rejected", stage, outcome)


def test_gcc_flags_after_double_dash_set_the_target(files):
    proc = run(["verify", "v.c", "--function", "add", "--candidate", "avx2.s", "--json", "--",
                "-O2", "-march=x86-64-v3"], files)
    assert json.loads(proc.stdout)["verdict"] == "accepted"


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
