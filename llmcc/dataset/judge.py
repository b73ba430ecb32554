"""Judging one model answer for one task: its assembly read back, compared with the baseline,
put through the pipeline's stages (function tasks) or linked, tested and timed (program
tasks). The Judgement is what every reward design and every eval metric is computed from."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from typing import NamedTuple

from llmcc.asm.rename import normalized
from llmcc.dataset.records import DatasetError, baseline_hash
from llmcc.dataset.setups import Setups
from llmcc.errors import LlmccError
from llmcc.files import private_dir, remove_dir
from llmcc.outcome import Outcome
from llmcc.propose.prompt import extract_assembly
from llmcc.records import Candidate, FunctionTask, Speedup, Verdict
from llmcc.timing.stats import TIMER_OUTCOMES

# the answer is not assembly that could replace the baseline (nothing ran)
COMPILE_FAILURES = frozenset({
    Outcome.PARSE_ERROR, Outcome.WRONG_FUNCTION, Outcome.ASSEMBLE_ERROR,
    Outcome.BINDING_MISMATCH, Outcome.UNKNOWN_SYMBOL, Outcome.FORBIDDEN_INSTRUCTION,
    Outcome.FORBIDDEN_DIRECTIVE, Outcome.UNSUPPORTED_ISA})
# it ran and did not finish as the baseline does (a harness the candidate broke included)
RUNTIME_FAILURES = frozenset({Outcome.CANDIDATE_CRASH, Outcome.CANDIDATE_TIMEOUT,
                              Outcome.ABI_VIOLATION, Outcome.UNTESTABLE})
# it passed every correctness check; these differ only in what the timer said
CORRECT = TIMER_OUTCOMES

COPY_STAGE = "copy"  # the stage of an answer that is the baseline's own code
TIMERS_ENV = "LLMCC_REWARD_TIMERS"  # timers of answers that may run at once on this machine
_SLOT_POLL_S = 0.02


class Judgement(NamedTuple):
    """What happened to one answer: its Outcome, stage and Speedup as the pipeline's Verdict
    gives them (or the program checks), with what only a task knows: whether the answer is
    the baseline's own code, and how many of the task's tests it passed."""

    outcome: Outcome  # a check's, or the timer's when it got that far (TIMER_OUTCOMES)
    stage: str  # parse, define, assemble, link, static, tests, abi, timing, copy
    reason: str = ""
    changed: bool = True  # False: the baseline's own code (normalized text equal)
    speedup: Speedup | None = None  # the timer's (never clamped); None when not timed
    # inputs (or test cases) the candidate passed, of those the task has: the verifier
    # stops at its first counterexample, so for functions this is how far it got
    tests_passed: int = 0
    tests_total: int = 0

    @property
    def compiled(self) -> bool:
        return self.outcome not in COMPILE_FAILURES

    @property
    def correct(self) -> bool:
        return self.outcome in CORRECT

    @property
    def faster(self) -> bool:
        """Significantly faster, reproduced: what llmcc would accept."""
        return self.outcome is Outcome.ACCEPTED

    @property
    def pass_fraction(self) -> float:
        if self.correct:
            return 1.0
        if self.tests_total <= 0:
            return 0.0
        return min(1.0, self.tests_passed / self.tests_total)

    def as_json(self) -> dict:
        """For the reward cache and worker processes: the speedup unrounded, since rewards
        are computed from it."""
        return {**self._asdict(), "outcome": self.outcome.value,
                "speedup": self.speedup.as_json() if self.speedup is not None else None}

    @classmethod
    def from_json(cls, data: dict) -> Judgement:
        """The judgement ``as_json`` wrote; ValueError for anything else."""
        try:
            return cls(Outcome(data["outcome"]), str(data["stage"]), str(data["reason"]),
                       bool(data["changed"]), Speedup.from_json(data["speedup"]),
                       int(data["tests_passed"]), int(data["tests_total"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a judgement: {exc!r}") from None


def answer_symbol(task: dict) -> str:
    """The symbol an answer must define: the function, or ``main`` for a program."""
    return task["function"] if task["kind"] == "function" else "main"


def read_answer(task: dict, completion: str) -> str | None:
    """The assembly in a model's raw answer (prompt.extract_assembly), or None."""
    return extract_assembly(completion, answer_symbol(task))


def code_key(text: str) -> str:
    """The answer's code as llmcc compares code (``normalized``); the text itself when it
    cannot be normalized."""
    try:
        return normalized(text)
    except Exception:  # text the line splitter chokes on is compared verbatim
        return text


def judge_completion(task: dict, completion: str) -> Judgement:
    """Judge a model's raw answer for ``task``. Raises LlmccError only for a bad task (its
    unit does not compile here, its function is missing, its baseline fails its tests)."""
    text = read_answer(task, completion)
    if text is None:
        return Judgement(Outcome.PARSE_ERROR, "parse",
                         f"no assembly defining {answer_symbol(task)} in the answer")
    return judge_assembly(task, text)


def judge_assembly(task: dict, text: str) -> Judgement:
    """Judge candidate assembly (already read back from an answer) for ``task``."""
    if code_key(text) == code_key(task["baseline"]):
        return _copy()
    if task["kind"] == "program":
        from llmcc.dataset.programs import judge_program, program_setup

        setup = program_setup(task)  # a bad task raises here, before the answer is blamed
        return _guarded(lambda: judge_program(task, setup, text))
    ftask = function_setup(task)
    if code_key(text) == code_key(ftask.baseline_text):  # this machine's gcc, if another
        return _copy()
    total = int((task.get("harness") or {}).get("valid") or 0)
    return _guarded(lambda: _from_verdict(judge_function(ftask, text), total))


def _guarded(run) -> Judgement:
    """``run()``; an answer llmcc itself fails on is unusable, never a crash of a training
    run that has hours of work behind it (the reason keeps what went wrong)."""
    try:
        return run()
    except Exception as exc:
        return Judgement(Outcome.PARSE_ERROR, "internal",
                         f"llmcc failed on this answer: {exc!r}"[:500])


def judge_job(task: dict, text: str) -> dict:
    """judge_assembly for a worker process (a plain dict crosses the process boundary)."""
    return judge_assembly(task, text).as_json()


def _copy() -> Judgement:
    return Judgement(Outcome.NOT_FASTER, COPY_STAGE,
                     "the baseline's own code (equal after normalization)", changed=False)


def judge_function(ftask: FunctionTask, text: str) -> Verdict:
    """The pipeline's verdict on ``text``: static checks, differential tests, and the timer
    in a timing slot."""
    from llmcc.pipeline import differential_tests, judge, static_checks, timing

    def timing_in_a_slot(candidate, task, evidence):
        with timing_slot():
            return timing(candidate, task, evidence)

    return judge(Candidate(ftask.name, text, "answer"), ftask,
                 [static_checks, differential_tests, timing_in_a_slot])


@contextlib.contextmanager
def timing_slot():
    """Wait for one of the machine's TIMERS_ENV timing slots (default 1; 0: no limit).

    Answers are checked in parallel, but timers that share cores and memory bandwidth
    measure each other. Seen on 16 logical CPUs with eight judging processes: the best
    variant of examples/vec.c's tk_vec_mul_u32 timed 1.61x and 1.63x faster in two of
    three runs with timers running at once, 1.05x to 1.13x in four runs one at a time;
    so by default they take turns."""
    slots = int(os.environ.get(TIMERS_ENV, "1") or 1)
    if slots <= 0:
        yield
        return
    import filelock

    folder = os.path.join(tempfile.gettempdir(), f"llmcc-timers-{os.getuid()}")
    os.makedirs(folder, exist_ok=True)
    locks = [filelock.FileLock(os.path.join(folder, f"slot{i}.lock")) for i in range(slots)]
    while True:
        for lock in locks:
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                continue
            try:
                yield
            finally:
                lock.release()
            return
        time.sleep(_SLOT_POLL_S)


def _from_verdict(verdict: Verdict, total: int) -> Judgement:
    """``total``: the valid inputs of the baseline's own run (0: unknown, use this run's)."""
    counts = verdict.tests
    passed = counts.valid - counts.failed if counts else 0
    return Judgement(verdict.outcome, verdict.stage, verdict.reason, speedup=verdict.speedup,
                     tests_passed=passed, tests_total=max(total, counts.valid if counts else 0))


# -- function tasks set up once per process ----------------------------------------------

_SETUPS: Setups[FunctionTask] = Setups(32)  # units kept compiled


def function_setup(task: dict) -> FunctionTask:
    """The task's unit written to a private folder and compiled at its flags here: the
    FunctionTask the pipeline's stages judge candidates against (cached per process)."""
    key = (task["id"], baseline_hash(task))
    known = _SETUPS.get(key)
    if known is not None:
        return known
    from llmcc.verify.candidate import compile_baseline

    workdir = private_dir("")
    try:
        path = os.path.join(workdir, os.path.basename(task["source"]) or "unit.c")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(task["unit"])
        module = compile_baseline(path, task["compiler"], tuple(task["flags"]), workdir)
        fn = module.function(task["function"])
    except LlmccError as exc:
        remove_dir(workdir)
        raise DatasetError(f"task {task['id']}: {exc}") from None
    ftask = FunctionTask(module, fn, path, task["compiler"], tuple(task["flags"]), workdir,
                         int(task.get("min_valid", 10)), float(task.get("min_effect", 0.03)))
    return _SETUPS.keep(key, ftask)
