"""The reward of a model's answer for a task, one module for every trainer and for verl
(``compute_score``): answers are judged (llmcc.dataset.judge: the pipeline's checks and the
timer), in parallel worker processes, with every judgement kept in an on-disk cache; a
reward design turns a judgement into a number.

Designs (``DESIGNS``):

- ``guided`` (correctness-guided speedup): -1 when the answer is no usable assembly (no
  assembly, does not parse or assemble, forbidden instructions), -0.6 when it crashes,
  hangs or breaks the calling convention, -0.5 to -0.1 when it computes something else
  (by the share of the task's tests it passed first), and ``1 + g(s)`` when it is correct,
  with ``g(s) = log s`` for ``s >= 1`` and ``s - 1`` below: every correct answer outranks
  every wrong one, and a slower one still outranks none at all.
- ``speedup`` (speedup only): ``s`` when correct, 0 otherwise.
- ``perfrl`` (PerfRL's four tiers): 0 no usable assembly, 1 runs but fails a test,
  2 correct, 3 correct and significantly faster (RRHF only uses their order).

``s`` is the counted speedup: 1 unless the timer found the answer significantly faster
(then the lower end of its 95% interval) or slower (then its median; also when the timing
harness gave up part-way with an interval entirely below 1). No
clamp, no credit for noise, and an exact or cosmetic copy of the baseline (equal after
``normalized``) counts as 1 without being timed.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple

from llmcc.dataset.judge import RUNTIME_FAILURES, Judgement, code_key, read_answer
from llmcc.dataset.records import DatasetError, baseline_hash, check_task
from llmcc.errors import LlmccError
from llmcc.outcome import Outcome

# Part of every cache key: raise it whenever what a judgement records or means changes.
# 2: Judgement.as_json holds the outcome, and the speedup as one record (no timer verdict)
REWARD_VERSION = 2
DESIGNS = ("guided", "speedup", "perfrl")
DEFAULT_DESIGN = "guided"

# guided: the tiers below a correct answer (which earns 1 + g(s))
GUIDED_UNUSABLE = -1.0
GUIDED_RUNTIME = -0.6
GUIDED_WRONG_LOW, GUIDED_WRONG_HIGH = -0.5, -0.1  # no test passed .. all but the last
GUIDED_CORRECT = 1.0

CACHE_ENV = "LLMCC_REWARD_CACHE"  # a folder, or "off"
DESIGN_ENV = "LLMCC_REWARD_DESIGN"  # compute_score's design when extra_info names none


class Reward(NamedTuple):
    """The reward of one answer: its value under a design, and the Judgement it is computed
    from (what happened to the answer: its outcome, stage, speedup, ...)."""

    value: float
    judgement: Judgement
    cached: bool = False  # the judgement came from the cache

    # what a trainer's log reads of a reward (llmcc.train.metrics.RewardFn)
    @property
    def correct(self) -> bool:
        return self.judgement.correct

    @property
    def changed(self) -> bool:
        return self.judgement.changed

    @property
    def speedup(self) -> float | None:
        """The timer's median, when it was timed."""
        s = self.judgement.speedup
        return s.median if s is not None else None


def counted_speedup(j: Judgement) -> float:
    """The speedup a correct answer is credited with (see the module's docstring)."""
    s = j.speedup
    if not j.changed or s is None:
        return 1.0
    if j.outcome is Outcome.ACCEPTED and s.low is not None:
        return s.low
    if j.outcome is Outcome.SLOWER and s.median < 1.0:
        return s.median
    if j.outcome is Outcome.TIMING_FAILED and s.high is not None and s.high < 1.0:
        # the timing harness gave up part-way (it does for candidates some 100x slower),
        # but what it measured already says slower
        return s.median
    return 1.0


def value(j: Judgement, design: str = DEFAULT_DESIGN) -> float:
    """The reward of judgement ``j`` under ``design``."""
    if design == "guided":
        if j.correct:
            s = counted_speedup(j)
            return GUIDED_CORRECT + (math.log(s) if s >= 1.0 else s - 1.0)
        if j.outcome is Outcome.TEST_MISMATCH:
            return GUIDED_WRONG_LOW + (GUIDED_WRONG_HIGH - GUIDED_WRONG_LOW) * j.pass_fraction
        return GUIDED_RUNTIME if j.outcome in RUNTIME_FAILURES else GUIDED_UNUSABLE
    if design == "speedup":
        return counted_speedup(j) if j.correct else 0.0
    if design == "perfrl":
        return 0.0 if not j.compiled else 1.0 if not j.correct else 3.0 if j.faster else 2.0
    raise LlmccError(f"unknown reward design {design!r} (one of {', '.join(DESIGNS)})")


def score(task: dict, completion: str, design: str = DEFAULT_DESIGN) -> Reward:
    """The reward of ``completion`` (a model's raw text) for ``task`` (a tasks.jsonl
    record). LlmccError for a bad task, never for a bad answer."""
    return score_batch([task], [completion], design, workers=1)[0]


def score_batch(tasks: list[dict], completions: list[str], design: str = DEFAULT_DESIGN,
                workers: int | None = None) -> list[Reward]:
    """Rewards of ``completions[i]`` for ``tasks[i]``. Answers without assembly, copies and
    cache hits are settled here; the rest are judged once per distinct (task, code) in
    ``workers`` processes (default: one per CPU; 1 judges in this process)."""
    if len(tasks) != len(completions):
        raise ValueError("score_batch needs one task per completion")
    value(Judgement(Outcome.PARSE_ERROR, "parse"), design)  # an unknown design fails now
    store = _store()
    judged: list[tuple[Judgement, bool] | None] = [None] * len(tasks)
    jobs: dict[str, tuple[dict, str, list[int]]] = {}  # key -> task, assembly, indexes
    for i, (task, completion) in enumerate(zip(tasks, completions, strict=True)):
        text = read_answer(task, completion)
        if text is None:
            judged[i] = (_judge_now(task, completion), False)
            continue
        if code_key(text) == code_key(task["baseline"]):
            judged[i] = (_judge_now(task, completion), False)
            continue
        key = cache_key(task, text)
        if key in jobs:
            jobs[key][2].append(i)
            continue
        hit = _cached(store, key) if store else None
        if hit is not None:
            judged[i] = (hit, True)
            continue
        jobs[key] = (task, text, [i])
    for key, j in _run_jobs(jobs, workers).items():
        if store:
            _save(store, key, j)
        for i in jobs[key][2]:
            judged[i] = (j, False)
    return [Reward(value(j, design), j, cached) for j, cached in judged]


def _judge_now(task: dict, completion: str) -> Judgement:
    from llmcc.dataset.judge import judge_completion

    return judge_completion(task, completion)


def _run_jobs(jobs: dict[str, tuple[dict, str, list[int]]], workers: int | None
              ) -> dict[str, Judgement]:
    # the job function lives in llmcc.dataset.judge: verl loads this file under another
    # module name, which a worker process could not import
    from llmcc.dataset.judge import judge_job

    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(jobs) <= 1:
        return {key: Judgement.from_json(judge_job(task, text))
                for key, (task, text, _) in jobs.items()}
    pool = _pool(workers)
    futures = {key: pool.submit(judge_job, task, text) for key, (task, text, _) in jobs.items()}
    return {key: Judgement.from_json(fut.result()) for key, fut in futures.items()}


# -- the worker pool: kept between calls, so each worker's compiled units are reused --------

_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL
    if _POOL is not None and _POOL[0] == workers:
        return _POOL[1]
    shutdown()
    import multiprocessing

    # spawn, not fork: trainers hold threads (tokenizers, torch) that a fork would copy
    # mid-flight
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))
    _POOL = (workers, pool)
    return pool


@atexit.register
def shutdown() -> None:
    """Stop the worker processes (they are started again when needed)."""
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(wait=True, cancel_futures=True)
        _POOL = None


# -- the cache ----------------------------------------------------------------------------

def cache_key(task: dict, text: str) -> str:
    """The judgement's key: the task (id, baseline, tests, compiler, flags), the answer's
    code after normalization, the CPU model (timings are not portable) and REWARD_VERSION.
    The design is not part of it: it is applied to the cached judgement, so switching
    designs reuses every measurement and the same answer is never timed twice."""
    from llmcc.cache.keys import cpu_model, digest

    return digest("reward", REWARD_VERSION, task["id"], baseline_hash(task),
                  digest(task.get("tests")), task["compiler"], task["flags"],
                  task.get("min_effect"), task.get("harness"), code_key(text), cpu_model())


def _store():
    from llmcc.cache.store import Store

    root = os.environ.get(CACHE_ENV, "").strip()
    if root.lower() == "off":
        return None
    if not root:
        import platformdirs

        root = os.path.join(platformdirs.user_cache_dir("llmcc", appauthor=False), "rewards")
    return Store(root)


def _cached(store, key: str) -> Judgement | None:
    hit = store.get_json("reward", key)
    try:
        return Judgement.from_json(hit) if hit is not None else None
    except ValueError:
        return None  # not what this llmcc writes: judged again, and replaced


def _save(store, key: str, j: Judgement) -> None:
    with contextlib.suppress(OSError):  # an unwritable cache costs a judgement, not a reward
        store.put_json("reward", key, j.as_json())


# -- verl --------------------------------------------------------------------------------

def task_from_verl(ground_truth: Any, extra_info: dict | None = None) -> dict:
    """The llmcc task a verl row carries: ``ground_truth`` as a task (or its JSON), or
    ``extra_info["task"]``; a row of the research's own parquet (``extra_info`` with
    ``c_code``, ``inputs``, ``outputs``) becomes a program task here."""
    for candidate in (ground_truth, (extra_info or {}).get("task")):
        if isinstance(candidate, str) and candidate.lstrip().startswith("{"):
            try:
                candidate = json.loads(candidate)
            except ValueError:
                continue
        if isinstance(candidate, dict) and not check_task(candidate):
            return candidate
    if isinstance(extra_info, dict):
        return _research_task(extra_info)
    raise DatasetError("compute_score: neither ground_truth nor extra_info carries a task")


_RESEARCH: dict[str, dict] = {}


def _research_task(extra_info: dict) -> dict:
    from llmcc.cache.keys import digest
    from llmcc.dataset.importer import import_rows

    key = digest(extra_info.get("c_code"), extra_info.get("inputs"), extra_info.get("outputs"))
    if key not in _RESEARCH:
        result = import_rows([{"extra_info": extra_info}], "verl")
        if not result.tasks:
            raise DatasetError(f"compute_score: the row's program does not compile: "
                               f"{'; '.join(result.skipped)}")
        _RESEARCH[key] = result.tasks[0]
    return _RESEARCH[key]


def _design(extra_info: dict | None) -> str:
    named = (extra_info or {}).get("reward_design") if isinstance(extra_info, dict) else None
    return named or os.environ.get(DESIGN_ENV, DEFAULT_DESIGN)


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: dict | None = None) -> float:
    """verl's custom reward function (``custom_reward_function.name=compute_score``)."""
    task = task_from_verl(ground_truth, extra_info)
    return score(task, solution_str, _design(extra_info)).value


def compute_score_batch(data_sources: list, solution_strs: list[str], ground_truths: list,
                        extra_infos: list | None = None, **_: Any) -> list[float]:
    """verl's batch reward manager (``reward_model.reward_manager=batch``): every answer of a
    step judged in parallel."""
    extra_infos = extra_infos if extra_infos is not None else [None] * len(solution_strs)
    tasks = [task_from_verl(g, e) for g, e in zip(ground_truths, extra_infos, strict=True)]
    designs = {_design(e) for e in extra_infos}
    if len(designs) != 1:
        raise LlmccError("compute_score_batch: one reward design per batch")
    return [r.value for r in score_batch(tasks, list(solution_strs), designs.pop())]
