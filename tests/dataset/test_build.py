"""`llmcc dataset build`: function tasks from C sources, checked against the real gcc."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc.dataset.build import build_tasks, compile_flags
from llmcc.dataset.judge import function_setup
from llmcc.dataset.records import load_tasks
from llmcc.errors import LlmccError
from llmcc.propose.prompt import PROMPT_VERSION, extract_assembly

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HEADER = "#define SCALE 3\ntypedef unsigned char byte;\n"
SOURCE = """\
#include "scale.h"
#ifndef WIDTH
#error WIDTH must be defined
#endif
unsigned row_sum(const byte *p, int n)
{
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s += p[i] * SCALE + WIDTH;
    return s;
}

int apply(int (*f)(int), int x)
{
    int s = 0;
    for (int i = 0; i < x; i++)
        s += f(i);
    return s;
}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "scale.h").write_text(HEADER)
    src = tmp_path / "src" / "rows.c"
    src.parent.mkdir()
    src.write_text(SOURCE)
    return src


def test_tasks_hold_a_unit_that_compiles_alone(tmp_path):
    src = _project(tmp_path)
    result = build_tasks([str(src)], flags=(f"-I{tmp_path}/inc", "-D", "WIDTH=7", "-O2"),
                         root=str(tmp_path), eval_fraction=0.0)
    (task,) = result.tasks
    assert task["id"] == "src/rows.c:row_sum" and task["source"] == "src/rows.c"
    assert task["split"] == "train" and task["kind"] == "function"
    # the -O level becomes the baseline's; preprocessor options are gone with the header
    assert task["flags"] == ["-O3"]
    assert "#include" not in task["unit"] and "SCALE" not in task["unit"]
    assert task["c_source"].startswith("unsigned row_sum(const byte *p, int n)")
    assert task["harness"]["valid"] >= 10 and task["best"] is None
    assert task["prompt_version"] == PROMPT_VERSION
    assert task["signature"]["name"] == "row_sum"
    assert [p["name"] for p in task["signature"]["params"]] == ["p", "n"]
    assert task["messages"][1]["content"] in task["prompt"]
    # the prompt shows the baseline, and the baseline is what the unit compiles to here
    assert extract_assembly(task["messages"][1]["content"], "row_sum") is not None
    assert function_setup(task).baseline_text == task["baseline"]
    # a function taking a function pointer cannot be tested: it is left out, with why
    (why,) = result.skipped
    assert why.startswith("src/rows.c:apply: untestable: ")


def test_compile_flags_drop_only_preprocessor_options():
    assert compile_flags(("-Ifoo", "-I", "bar", "-DX=1", "-D", "Y", "-UZ", "-include", "h.h",
                          "-isystem", "s", "-O3", "-march=x86-64-v2", "-std=c11", "-c",
                          "-o", "x.o")) == ("-O3", "-march=x86-64-v2", "-std=c11")


def test_a_source_that_does_not_compile_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("int f( {\n")
    with pytest.raises(LlmccError, match=f"gcc cannot compile {bad}"):
        build_tasks([str(bad)])
    with pytest.raises(LlmccError, match="no such file"):
        build_tasks([str(tmp_path / "missing.c")])


def _llmcc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmcc", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_build_and_its_errors(tmp_path):
    _project(tmp_path)
    out = tmp_path / "tasks.jsonl"
    done = _llmcc("dataset", "build", "src/rows.c", "--out", str(out), "--split-eval", "1",
                  "--", "-Iinc", "-DWIDTH=7", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: 1 tasks (0 train, 1 eval); 1 left out"
    assert "left out src/rows.c:apply: untestable" in done.stderr
    assert [t["split"] for t in load_tasks(str(out))] == ["eval"]

    missing_flags = _llmcc("dataset", "build", "src/rows.c", "--out", "x.jsonl", cwd=tmp_path)
    assert missing_flags.returncode == 1 and not (tmp_path / "x.jsonl").exists()
    line, = missing_flags.stderr.strip().splitlines()
    assert line.startswith("llmcc dataset: error: gcc cannot compile src/rows.c: ")

    nothing = tmp_path / "tiny.c"
    nothing.write_text("int add(int a, int b) { return a + b; }\n")
    empty = _llmcc("dataset", "build", "tiny.c", "--out", "y.jsonl", cwd=tmp_path)
    assert empty.returncode == 1
    assert empty.stderr.strip() == ("llmcc dataset: error: no tasks from 1 source(s): "
                                    "nothing llmcc can optimize and test")


@pytest.mark.slow
def test_with_variants_the_fastest_accepted_variant_is_the_best(tmp_path):
    """adler32 runs about 1.2-1.4x faster with -funroll-loops on these machines."""
    result = build_tasks([str(EXAMPLES / "checksum.c")], root=str(EXAMPLES),
                         with_variants=True)
    task = next(t for t in result.tasks if t["function"] == "tk_adler32")
    best = task["best"]
    assert best is not None, "no variant of tk_adler32 was accepted"
    assert best["origin"].startswith("variants:") and best["ci_low"] > 1.0
    assert best["speedup"] >= best["ci_low"]
    assert extract_assembly(f"```asm\n{best['text']}```", "tk_adler32") is not None
    json.dumps(task)  # the whole task is JSON
