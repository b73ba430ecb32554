"""Program tasks (the research benchmark's shape): `llmcc dataset import` from JSONL and
verl parquet, and answers judged by linking, running the stdin/stdout tests and timing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc.dataset import programs
from llmcc.dataset.importer import import_tasks, read_rows
from llmcc.dataset.judge import judge_assembly, judge_completion
from llmcc.dataset.records import DatasetError, load_tasks
from llmcc.eval.samplers import program_variants
from llmcc.outcome import Outcome
from llmcc.timing.stats import TIMER_OUTCOMES

PROGRAM = r"""#include <stdio.h>
static int a[1000];

int main(void)
{
    int n;
    long s = 0;
    if (scanf("%d", &n) != 1 || n < 0 || n > 1000)
        return 1;
    for (int i = 0; i < n; i++)
        if (scanf("%d", &a[i]) != 1)
            return 2;
    for (int i = 0; i < n; i++)
        s += (long)a[i] * a[i];
    printf("%ld\n", s);
    return 0;
}
"""
TESTS = [{"input": "3\n1 2 3\n", "output": "14\n"}, {"input": "0\n", "output": "0\n"},
         {"input": "2\n-5 5\n", "output": "50\n"}]


@pytest.fixture(scope="module")
def task(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("import") / "bench.jsonl"
    path.write_text(json.dumps({"problem_id": "p00001", "src_code": PROGRAM, "tests": TESTS,
                                "split": "test"}) + "\n")
    (task,) = import_tasks(str(path)).tasks
    return task


def test_import_maps_the_flat_shape(task):
    assert task["id"] == "bench:p00001" and task["kind"] == "program"
    assert task["split"] == "eval"  # "test" in the row
    assert task["tests"] == TESTS and task["program"] == PROGRAM
    assert "main:" in task["baseline"] and task["flags"] == ["-O3"]
    assert "gcc -O3 assembly:" in task["messages"][1]["content"]
    assert task["prompt"].endswith("```asm\n")


def test_import_reads_the_research_verl_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{"data_source": "train", "prompt": [{"role": "user", "content": "q"}],
             "ability": "code", "reward_model": {"style": "rule", "ground_truth": "asm"},
             "extra_info": {"split": split, "index": i, "c_code": code,
                            "inputs": [t["input"] for t in TESTS],
                            "outputs": [t["output"] for t in TESTS],
                            "unoptimized_assembly": "not used"}}
            for i, (split, code) in enumerate([("train", PROGRAM), ("val", PROGRAM),
                                               ("train", "int main( {")])]
    path = tmp_path / "llm_superoptimizer_ds_train.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    result = import_tasks(str(path))
    assert [t["id"] for t in result.tasks] == ["llm_superoptimizer_ds_train:0",
                                               "llm_superoptimizer_ds_train:1"]
    assert [t["split"] for t in result.tasks] == ["train", "eval"]
    assert result.tasks[0]["tests"] == TESTS
    (why,) = result.skipped  # the program that does not compile is left out, with gcc's error
    assert why.startswith("llm_superoptimizer_ds_train:2: gcc: ")


@pytest.mark.parametrize("row, message", [
    ({"question": "q", "answer": "a"}, "row 1: unknown task shape: has answer, question"),
    ({"c_code": PROGRAM}, "needs a C program"),
    ({"c_code": PROGRAM, "inputs": ["1"], "outputs": []}, "unknown task shape"),
])
def test_an_unknown_shape_is_one_error_naming_the_file(tmp_path, row, message):
    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DatasetError) as err:
        import_tasks(str(path))
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_unreadable_inputs(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        read_rows(str(tmp_path / "none.jsonl"))
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DatasetError, match="not a readable parquet file"):
        read_rows(str(tmp_path / "bad.parquet"))
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{oops\n')
    with pytest.raises(DatasetError, match="line 2: not JSON"):
        read_rows(str(tmp_path / "bad.jsonl"))


def _main_prologue(task: dict, extra: str) -> str:
    """The baseline with ``extra`` run first thing in main."""
    return task["baseline"].replace("main:\n", "main:\n" + extra, 1)


def test_program_answers_are_judged_by_running_the_tests(task):
    base = task["baseline"]
    broken = base.replace('"%ld\\n"', '"%lx\\n"', 1)  # prints hex: right for 0 only
    assert broken != base
    cases = {
        "no asm": (judge_completion(task, "no code here"), Outcome.PARSE_ERROR, "parse"),
        "copy": (judge_assembly(task, base.replace("\t", " ")), Outcome.NOT_FASTER, "copy"),
        "syscall": (judge_assembly(task, _main_prologue(task, "\tsyscall\n")),
                    Outcome.FORBIDDEN_INSTRUCTION, "static"),
        "link": (judge_assembly(task, base + "\t.text\nmain:\n\tret\n"),  # main twice
                 Outcome.ASSEMBLE_ERROR, "link"),
        "system": (judge_assembly(task, _main_prologue(task, "\tcall\tsystem@PLT\n")),
                   Outcome.UNKNOWN_SYMBOL, "static"),
        "crash": (judge_assembly(task, _main_prologue(task, "\tmovq\t$0, %rax\n"
                                                      "\tmovq\t(%rax), %rax\n")),
                  Outcome.CANDIDATE_CRASH, "tests"),
        "wrong": (judge_assembly(task, broken), Outcome.TEST_MISMATCH, "tests"),
    }
    for name, (got, outcome, stage) in cases.items():
        assert (got.outcome, got.stage) == (outcome, stage), (name, got)
    wrong = cases["wrong"][0]
    assert (wrong.tests_passed, wrong.tests_total) == (1, 3)
    assert not cases["copy"][0].changed


# system calls a stdin -> stdout program has no business making, raw (the answer's text
# is linked and run directly, past the static checks)
FORBIDDEN_CALLS = {
    "openat": ("movl $257, %eax", "movl $-100, %edi", "leaq .Lpath(%rip), %rsi",
               "xorl %edx, %edx", "syscall"),
    "write_fd3": ("movl $1, %eax", "movl $3, %edi", "leaq .Lpath(%rip), %rsi",
                  "movl $1, %edx", "syscall"),
    "kill": ("movl $62, %eax", "movl $PID, %edi", "movl $15, %esi", "syscall"),
    "tgkill": ("movl $234, %eax", "movl $PID, %edi", "movl $PID, %esi", "movl $15, %edx",
               "syscall"),
    "exec_mapping": ("movl $9, %eax", "xorl %edi, %edi", "movl $4096, %esi",
                     "movl $5, %edx", "movl $0x22, %r10d", "movq $-1, %r8", "xorl %r9d, %r9d",
                     "syscall"),  # mmap(PROT_READ | PROT_EXEC), anonymous
}


def _linked(task: dict, folder: Path, code: tuple[str, ...]) -> str:
    """The baseline doing ``code`` first thing in main, linked as answers are."""
    text = _main_prologue(task, "".join(f"\t{line}\n" for line in code))
    text += '\t.section\t.rodata\n.Lpath:\n\t.string\t"/etc/passwd"\n'
    exe = str(folder / "answer")
    assert programs.link(text, exe, ()) == ""
    return exe


def test_a_sandboxed_program_still_reads_and_writes(task, tmp_path):
    exe = _linked(task, tmp_path, ())
    proc = programs.run_limited(exe, b"3\n1 2 3\n", 10.0, str(tmp_path))
    assert (proc.returncode, proc.stdout) == (0, b"14\n")


LIBRARY_USER = r"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static int up(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(void)
{
    int n;
    if (scanf("%d", &n) != 1) return 1;
    int *a = malloc(sizeof *a * (size_t)n), *big = calloc(1 << 22, sizeof *big);
    for (int i = 0; i < n; i++) a[i] = (i * 7919) % n;
    qsort(a, (size_t)n, sizeof *a, up);  /* over 1 KiB: glibc asks sysinfo first */
    a = realloc(a, sizeof *a * (size_t)n * 2);
    char line[64];
    snprintf(line, sizeof line, "%d %d %.3f", a[0], a[n - 1], sqrt((double)n));
    fprintf(stderr, "clock %ld time %ld\n", (long)clock(), (long)time(NULL));
    puts(line);
    int status = big[5] + (int)strlen("");
    free(a);
    free(big);
    return status;
}
"""


def test_what_a_program_commonly_calls_works_in_the_sandbox(tmp_path):
    src = tmp_path / "user.c"
    src.write_text(LIBRARY_USER)
    asm = subprocess.run(["gcc", "-O2", "-S", "-o", "-", str(src)], check=True,
                         capture_output=True, text=True).stdout
    exe = str(tmp_path / "user")
    assert programs.link(asm, exe, ()) == ""
    proc = programs.run_limited(exe, b"1000\n", 10.0, str(tmp_path))
    assert (proc.returncode, proc.stdout) == (0, b"0 999 31.623\n")
    assert proc.stderr.startswith(b"clock ")


def test_a_program_without_a_stack_note_still_gets_a_non_executable_stack(tmp_path):
    """gas marks an object without .note.GNU-stack as needing an executable stack, and the
    linker would give the whole program one: link() asks for a non-executable one."""
    src = tmp_path / "user.c"
    src.write_text(LIBRARY_USER)
    asm = subprocess.run(["gcc", "-O2", "-S", "-o", "-", str(src)], check=True,
                         capture_output=True, text=True).stdout
    asm = "\n".join(ln for ln in asm.splitlines() if ".note.GNU-stack" not in ln)
    exe = str(tmp_path / "user")
    assert programs.link(asm, exe, ()) == ""
    headers = subprocess.run(["readelf", "-lW", exe], check=True, capture_output=True,
                             text=True).stdout
    stack = next(ln for ln in headers.splitlines() if "GNU_STACK" in ln)
    assert stack.split()[-2] == "RW", stack


@pytest.mark.parametrize("call", sorted(FORBIDDEN_CALLS))
def test_a_program_answers_system_calls_are_stopped_by_the_sandbox(task, tmp_path, call):
    victim = subprocess.Popen(["sleep", "60"])
    try:
        code = tuple(line.replace("PID", str(victim.pid)) for line in FORBIDDEN_CALLS[call])
        exe = _linked(task, tmp_path, code)
        proc = programs.run_limited(exe, b"3\n1 2 3\n", 10.0, str(tmp_path))
        assert proc.returncode == -signal.SIGSYS, (proc.returncode, proc.stdout)
        # the timer runs answers without prlimit: the filter is in the program itself
        assert subprocess.run([exe], input=b"0\n", capture_output=True).returncode == \
            -signal.SIGSYS
        assert victim.poll() is None, "the program's signal reached another process"
    finally:
        victim.kill()
        victim.wait()


def test_a_system_call_hidden_in_an_instruction_is_stopped(task):
    """``movl $0xc3050f`` holds the bytes of ``syscall; ret``: a jump into its middle makes a
    system call no static check of mnemonics sees (getppid here); the sandbox kills it."""
    code = ("jmp .Lgo", ".Lgadget: movl $0xc3050f, %eax", ".Lgo: movl $110, %eax",
            "leaq .Lgadget+1(%rip), %rcx", "call *%rcx")
    got = judge_assembly(task, _main_prologue(task, "".join(f"\t{c}\n" for c in code)))
    assert (got.outcome, got.stage) == (Outcome.CANDIDATE_CRASH, "tests"), got
    assert f"signal {int(signal.SIGSYS)}" in got.reason


def test_a_hanging_program_times_out(task):
    got = judge_assembly(task, _main_prologue(task, ".Lspin:\n\tjmp\t.Lspin\n"))
    assert got.outcome is Outcome.CANDIDATE_TIMEOUT


def test_a_correct_variant_is_timed_against_the_baseline(task):
    variants = program_variants(task)
    assert variants, "gcc under other settings gave the same code"
    got = judge_assembly(task, variants[0])
    assert got.correct and got.changed and got.stage == "timing"
    assert got.outcome in TIMER_OUTCOMES - {Outcome.TIMING_FAILED}
    s = got.speedup
    assert s is not None and s.low <= s.median <= s.high


def test_a_task_whose_baseline_fails_its_own_tests_is_refused(task):
    bad = {**task, "id": "bench:bad", "tests": [{"input": "1\n3\n", "output": "10\n"}]}
    with pytest.raises(DatasetError, match="task bench:bad: the baseline fails its test 0"):
        judge_assembly(bad, task["baseline"].replace("main:", "main:\n\tnop", 1))


def test_cli_import(tmp_path):
    src = tmp_path / "bench.jsonl"
    src.write_text(json.dumps({"id": 7, "code": PROGRAM, "input": "1\n4\n", "output": "16\n"})
                   + "\n")
    out = tmp_path / "tasks.jsonl"
    done = subprocess.run([sys.executable, "-m", "llmcc", "dataset", "import", str(src),
                           "--out", str(out), "--split-eval", "0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: 1 tasks (1 train, 0 eval)"
    (task,) = load_tasks(str(out))
    assert task["id"] == "bench:7" and task["tests"] == [{"input": "1\n4\n", "output": "16\n"}]
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"text": "hello"}\n')
    failed = subprocess.run([sys.executable, "-m", "llmcc", "dataset", "import", str(odd),
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.startswith(f"llmcc dataset: error: {odd}: row 1: unknown task shape")
    assert len(failed.stderr.strip().splitlines()) == 1
    assert Path(out).exists()  # the earlier file is untouched


def test_compute_score_on_a_row_of_the_research_parquet(task, monkeypatch):
    """verl rows of the research's own dataset carry the program in extra_info."""
    from llmcc import reward

    monkeypatch.setenv("LLMCC_REWARD_CACHE", "off")
    extra = {"c_code": PROGRAM, "inputs": [t["input"] for t in TESTS],
             "outputs": [t["output"] for t in TESTS], "split": "train", "index": 3}
    copy = f"```assembly\n{task['baseline']}```"
    assert reward.compute_score("train", copy, "their -O3 assembly", extra) == 1.0
    assert reward.compute_score("train", "no idea", "their -O3 assembly", extra) == -1.0
    wrong = copy.replace('"%ld\\n"', '"%lx\\n"', 1)
    assert -0.5 < reward.compute_score("train", wrong, "", extra) < -0.1


@pytest.mark.parametrize("code, outcome", [
    ("\tsyscall\n", Outcome.FORBIDDEN_INSTRUCTION),
    ("\t.byte\t0x0f, 0x05\n", Outcome.FORBIDDEN_INSTRUCTION),  # syscall's bytes
    ("\t.section\t.init\n\tmovl\t$39, %eax\n\t.byte\t0x0f, 0x05\n\t.text\n",
     Outcome.FORBIDDEN_DIRECTIVE),  # code gas makes executable, run before main
    ("\t.section\t.init_array\n\t.quad\tmain\n\t.text\n", Outcome.FORBIDDEN_DIRECTIVE),
    ("\t.globl\tprctl\n", Outcome.FORBIDDEN_DIRECTIVE),  # would replace the C library's
    ('\t.include\t"/etc/hostname"\n', Outcome.FORBIDDEN_DIRECTIVE),
])
def test_program_answers_are_checked_before_they_link_or_run(task, monkeypatch, code, outcome):
    program_setup = programs.program_setup(task)  # the baseline links before the spy
    linked = []
    monkeypatch.setattr(programs, "link", lambda *args, **kw: linked.append(args) or "no")
    got = programs.judge_program(task, program_setup, _main_prologue(task, code))
    assert (got.outcome, got.stage) == (outcome, "static"), got
    assert not linked
