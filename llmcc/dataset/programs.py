"""Program tasks (the research benchmark's shape): a whole program's candidate assembly is
checked statically, linked, run on the task's stdin/stdout tests under resource limits, and
timed against the -O3 baseline by paired, interleaved runs of the two programs.

The timing is hyperfine-like (whole processes, wall clock) but judged by the timer's own
statistics: per round and test the log ratio of the two run times, in random order within a
round; the Hodges-Lehmann interval of the per-round mean over tests and the timer's Rule
decide, with sequential looks, a time budget and a reproduction. Process start-up is in both
times, so small programs show ratios near 1: that is what a user of the program would see.
"""

from __future__ import annotations

import math
import os
import random
import signal
import time
from typing import NamedTuple

from llmcc import subproc
from llmcc.dataset.records import DatasetError, baseline_hash
from llmcc.dataset.setups import Setups
from llmcc.errors import ToolError
from llmcc.files import private_dir, remove_dir
from llmcc.outcome import Outcome
from llmcc.verify import sandbox

# a test may take this many times the baseline's time (plus the floor) before it times out
TIMEOUT_FACTOR = 10.0
TIMEOUT_FLOOR_S = 2.0
# limits of a candidate's test runs (prlimit): memory, file size; no core files
MEMORY_LIMIT = 2 << 30
FILE_LIMIT = 16 << 20
# timing: tests timed (the baseline's slowest), rounds, looks, budget per measurement
TIMED_TESTS = 3
MIN_ROUNDS = 10
LOOK_EVERY = 5
MAX_ROUNDS = 200
BUDGET_S = 6.0


class Setup(NamedTuple):
    """A program task ready to judge answers: the baseline built and run on every test."""

    workdir: str
    baseline_exe: str
    target: tuple[str, ...]  # the -m options of the task's flags
    tests: tuple[tuple[bytes, bytes], ...]  # input, expected output
    exits: tuple[int, ...]  # the baseline's exit status per test
    seconds: tuple[float, ...]  # the baseline's run time per test


def same_output(got: bytes, want: bytes) -> bool:
    """Outputs equal up to trailing blanks on lines and at the end (as judges compare)."""
    def clean(b: bytes) -> list[bytes]:
        return [ln.rstrip() for ln in b.rstrip().splitlines()]
    return clean(got) == clean(want)


def link(asm_text: str, out: str, target: tuple[str, ...], compiler: str = "gcc") -> str:
    """Assemble and link ``asm_text`` into ``out``, sandboxed (the seccomp filter of
    llmcc/verify/sandbox.py, installed before main); "" when it worked, else gcc's first
    error line."""
    src, guard = out + ".s", out + ".sandbox.c"
    with open(src, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(asm_text)
    with open(guard, "w") as fh:
        fh.write(sandbox.program_source())
    # the sandbox's object first: its preinit entry runs before any of the program's; and
    # a non-executable stack even when the answer leaves out .note.GNU-stack
    try:
        proc = subproc.run([compiler, *target, "-w", "-x", "c", guard, "-x", "assembler", src,
                            "-x", "none", "-o", out, "-lm", "-Wl,-z,noexecstack"],
                           timeout=120)
    finally:
        os.unlink(guard)
    if proc.ok:
        return ""
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    return next((ln for ln in lines if "rror" in ln), lines[0] if lines else "link failed")


def run_limited(exe: str, stdin: bytes, timeout: float, cwd: str) -> subproc.ProcResult:
    """Run ``exe`` on ``stdin`` with CPU, memory and file-size limits and no core file, in
    ``cwd``; ToolError when it runs past ``timeout``."""
    cpu = max(1, math.ceil(timeout))
    args = ["prlimit", f"--cpu={cpu}", f"--as={MEMORY_LIMIT}", f"--fsize={FILE_LIMIT}",
            "--core=0", "--", exe]
    return subproc.run(args, stdin=stdin, timeout=timeout, cwd=cwd)


_SETUPS: Setups[Setup] = Setups(64)  # programs kept built


def program_setup(task: dict) -> Setup:
    """Build the task's baseline and run it on every test (cached per process). DatasetError
    when the baseline does not link or fails one of its own tests: the task is bad."""
    key = (task["id"], baseline_hash(task))
    known = _SETUPS.get(key)
    if known is not None:
        return known
    workdir = private_dir("")
    target = tuple(f for f in task["flags"] if f.startswith("-m"))
    exe = os.path.join(workdir, "baseline")
    try:
        error = link(task["baseline"], exe, target, task["compiler"])
        if error:
            raise DatasetError(f"task {task['id']}: the baseline does not link: {error}")
        tests, exits, seconds = [], [], []
        for n, test in enumerate(task["tests"]):
            stdin, want = test["input"].encode(), test["output"].encode()
            try:
                proc = run_limited(exe, stdin, 60.0, workdir)
            except ToolError as exc:
                raise DatasetError(f"task {task['id']}: the baseline on test {n}: {exc}") \
                    from None
            if proc.returncode < 0 or not same_output(proc.stdout, want):
                raise DatasetError(f"task {task['id']}: the baseline fails its test {n}")
            tests.append((stdin, want))
            exits.append(proc.returncode)
            seconds.append(proc.seconds)
    except BaseException:
        remove_dir(workdir)
        raise
    return _SETUPS.keep(key, Setup(workdir, exe, target, tuple(tests), tuple(exits),
                                   tuple(seconds)))


def judge_program(task: dict, setup: Setup, text: str):
    """Static checks, link, tests, timing: the Judgement of candidate program ``text``."""
    from llmcc.dataset.judge import Judgement
    from llmcc.verify.static import check_program

    # before anything assembles or runs: no system calls of its own, no function the
    # baseline never calls (system, unlink), no code run at load (.init, .init_array), no
    # global name the baseline program lacks, no .include (llmcc.verify.static)
    finding = check_program(text, task["baseline"], compiler=task["compiler"],
                            workdir=setup.workdir)
    if finding is not None:
        return Judgement(finding.outcome, finding.stage, finding.reason)
    exe = os.path.join(setup.workdir, f"cand-{os.urandom(4).hex()}")
    try:
        error = link(text, exe, setup.target, task["compiler"])
        if error:
            return Judgement(Outcome.ASSEMBLE_ERROR, "link", error)
        passed, first = 0, None
        for n, (stdin, want) in enumerate(setup.tests):
            why = _test(exe, stdin, want, setup.exits[n], setup.seconds[n], setup.workdir)
            if why is None:
                passed += 1
            else:
                first = first or (n, *why)
                if why[0] is not Outcome.TEST_MISMATCH:
                    break  # a crash or a hang: the rest would only cost time
        if first is not None:
            n, outcome, reason = first
            return Judgement(outcome, "tests", f"test {n}: {reason}",
                             tests_passed=passed, tests_total=len(setup.tests))
        return _timed(task, setup, exe)
    finally:
        for path in (exe, exe + ".s"):
            if os.path.exists(path):
                os.unlink(path)


def _test(exe: str, stdin: bytes, want: bytes, exit_status: int, base_s: float,
          cwd: str) -> tuple[Outcome, str] | None:
    timeout = TIMEOUT_FLOOR_S + TIMEOUT_FACTOR * base_s
    try:
        proc = run_limited(exe, stdin, timeout, cwd)
    except ToolError:
        return Outcome.CANDIDATE_TIMEOUT, f"ran past {timeout:.1f} s"
    if proc.returncode == -signal.SIGXCPU:
        return Outcome.CANDIDATE_TIMEOUT, f"ran past its CPU limit of {math.ceil(timeout)} s"
    if proc.returncode < 0:
        return Outcome.CANDIDATE_CRASH, f"killed by signal {-proc.returncode}"
    if proc.returncode != exit_status:
        return Outcome.TEST_MISMATCH, f"exit status {proc.returncode}, expected {exit_status}"
    if not same_output(proc.stdout, want):
        return Outcome.TEST_MISMATCH, "output differs from the expected output"
    return None


def _timed(task: dict, setup: Setup, exe: str):
    from llmcc.dataset.judge import Judgement, timing_slot

    min_effect = float(task.get("min_effect", 0.03))
    slowest = sorted(range(len(setup.tests)), key=lambda n: -setup.seconds[n])[:TIMED_TESTS]
    inputs = [setup.tests[n][0] for n in slowest]
    with timing_slot():
        outcome, interval, rounds = measure(setup.baseline_exe, exe, inputs, min_effect,
                                            setup.workdir, seed=1)
        if outcome is Outcome.ACCEPTED:
            again, _, _ = measure(setup.baseline_exe, exe, inputs, min_effect, setup.workdir,
                                  seed=7919)
            if again is not Outcome.ACCEPTED:
                outcome = Outcome.NOT_REPRODUCED
    s = interval.as_speedup() if interval is not None else None
    reason = (f"speedup {s.describe()} over {rounds} rounds x {len(inputs)} tests "
              "(whole-program runs)") if s else "could not time the programs"
    return Judgement(outcome, "timing", reason, speedup=s, tests_passed=len(setup.tests),
                     tests_total=len(setup.tests))


def measure(base_exe: str, cand_exe: str, inputs: list[bytes], min_effect: float, cwd: str,
            seed: int, budget_s: float = BUDGET_S):
    """Paired runs of the two programs on ``inputs`` until the timer's Rule decides or the
    budget runs out: (Outcome, Interval of log(candidate/baseline) or None, rounds)."""
    from llmcc.timing.stats import Rule, median_interval

    rule = Rule(min_effect)
    order = random.Random(seed)
    per_test: list[list[float]] = [[] for _ in inputs]
    combined: list[float] = []
    started = time.monotonic()
    outcome = None
    try:
        while len(combined) < MAX_ROUNDS:
            row = []
            for k, stdin in enumerate(inputs):
                pair = [(0, base_exe), (1, cand_exe)]
                order.shuffle(pair)
                took = {}
                for which, exe in pair:
                    took[which] = subproc.run([exe], stdin=stdin, timeout=60, cwd=cwd).seconds
                sample = math.log(took[1] / took[0])
                per_test[k].append(sample)
                row.append(sample)
            combined.append(sum(row) / len(row))
            n = len(combined)
            if n >= MIN_ROUNDS and (n - MIN_ROUNDS) % LOOK_EVERY == 0:
                total = median_interval(combined)
                outcome = rule.decide(total, total, [median_interval(s) for s in per_test])
                if outcome is not None or time.monotonic() - started > budget_s:
                    break
    except ToolError:
        return Outcome.TIMING_FAILED, None, len(combined)
    if len(combined) < 6:
        return Outcome.TIMING_FAILED, None, len(combined)
    return outcome or Outcome.TIMING_INCONCLUSIVE, median_interval(combined), len(combined)
