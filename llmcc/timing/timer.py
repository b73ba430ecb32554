"""Timing one candidate against the -O3 baseline: build the harness, run rounds until the
answer is clear or the budget is spent, reproduce a win in a fresh process, and say why.

This is the only place a speedup is measured; everything else (the pipeline's choice, the
cache, reports, rewards) reads the Timing it returns: its Outcome, and its speedup.
"""

from __future__ import annotations

import math
import os
import random
import time
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.errors import ToolError
from llmcc.outcome import Outcome
from llmcc.timing.harness import timing_assembly, timing_source
from llmcc.timing.stats import VERDICT_WORDS, Interval, Rule, median, median_interval
from llmcc.verify.harness import InputHints
from llmcc.verify.signature import Signature


class Effort(NamedTuple):
    """How hard the timer looks (bench/timer_rates.py measures what these buy)."""

    min_effect: float = 0.03  # smaller differences never count as faster
    batch_ns: int = 250_000  # calls per batch are calibrated to take about this long
    inputs: int = 3  # inputs timed: the baseline's slowest, its median, its 3/4 quantile
    max_inputs: int = 32  # valid inputs the harness chooses them from
    pairs: int = 3  # pairs of harness processes whose rounds are pooled
    min_rounds: int = 12  # rounds (over all pairs) before the first look at the statistics
    look_every: int = 6  # rounds between looks (sequential stopping)
    max_rounds: int = 300
    budget_s: float = 1.5  # per measurement (and per reproduction); then "inconclusive"


class Cell(NamedTuple):
    """One input at one entry offset: median nanoseconds per call of each version and the
    candidate-to-baseline time ratio's interval (as log ratios)."""

    test: int
    offset: int
    iters: int
    base_ns: float
    cand_ns: float
    ratio: Interval


class Run(NamedTuple):
    """What one pair of harness processes measured; ``combined`` compares the candidate
    with the baseline at the baseline's best entry offset for each input."""

    # ACCEPTED (faster), SLOWER, NOT_FASTER, MIXED_SPEED, TIMING_INCONCLUSIVE, TIMING_FAILED
    outcome: Outcome
    combined: Interval | None
    cells: tuple[Cell, ...]
    rounds: int
    reason: str

    def as_json(self) -> dict:
        return {"verdict": VERDICT_WORDS[self.outcome], "rounds": self.rounds,
                "reason": self.reason,
                "speedup": _interval_json(self.combined),
                "cells": [{"input": c.test, "offset": c.offset, "calls_per_batch": c.iters,
                           "baseline_ns": round(c.base_ns, 3),
                           "candidate_ns": round(c.cand_ns, 3),
                           "speedup": _interval_json(c.ratio)} for c in self.cells]}


def _interval_json(s: Interval | None) -> dict[str, float] | None:
    return s.as_speedup().rounded().as_json() if s is not None else None


class Timing(NamedTuple):
    """The timer's answer for one candidate, one of TIMER_OUTCOMES: ACCEPTED only when the
    first run and a reproduction in a fresh process (with A and B placed the other way
    round in memory) both found it significantly faster."""

    outcome: Outcome
    first: Run
    reproduction: Run | None
    seconds: float

    @property
    def faster(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def speedup(self) -> Interval | None:
        return self.first.combined

    def as_json(self) -> dict:
        return {"verdict": VERDICT_WORDS[self.outcome], "seconds": round(self.seconds, 3),
                "first": self.first.as_json(),
                "reproduction": self.reproduction.as_json() if self.reproduction else None}

    @property
    def reason(self) -> str:
        s = self.speedup
        told = (f"speedup {s.as_speedup().describe()} over the baseline at its best entry "
                f"offset, {self.first.rounds} rounds x {len(self.first.cells)} cells") \
            if s else ""
        if self.outcome is Outcome.NOT_REPRODUCED and self.reproduction is not None:
            r = self.reproduction.combined
            again = r.as_speedup().describe() if r else "no measurement"
            return f"{told}; a reproduction in a fresh process gave {again}"
        return "; ".join(x for x in (told, self.first.reason) if x)


def time_candidate(baseline: Module, sig: Signature, candidate_text: str,
                   valid_inputs: tuple[int, ...], *, compiler: str, flags: tuple[str, ...],
                   workdir: str, effort: Effort | None = None, seed: int = 1,
                   link: tuple[str, ...] = ()) -> Timing:
    """Time ``candidate_text`` against the baseline's ``sig.name`` on ``valid_inputs`` (test
    numbers the verifier's harness found valid), linked as the verifier's harness was
    (``link``: its DiffResult.link, the project's objects or stand-ins). Never raises for a
    bad candidate."""
    effort = effort or Effort()
    start = time.monotonic()
    failed = Outcome.TIMING_FAILED
    if not valid_inputs:
        run = Run(failed, None, (), 0, "no valid inputs to time on")
        return Timing(failed, run, None, time.monotonic() - start)
    try:
        exes = build_harnesses(baseline, sig, candidate_text, compiler, flags, workdir, link)
    except ToolError as exc:
        run = Run(failed, None, (), 0, str(exc))
        return Timing(failed, run, None, time.monotonic() - start)
    inputs = _spread(valid_inputs, effort.max_inputs)
    first = measure(exes, inputs, effort, seed)
    if first.outcome is not Outcome.ACCEPTED:
        return Timing(first.outcome, first, None, time.monotonic() - start)
    again = measure(exes, inputs, effort, seed + 7919)
    outcome = Outcome.ACCEPTED if again.outcome is Outcome.ACCEPTED else Outcome.NOT_REPRODUCED
    return Timing(outcome, first, again, time.monotonic() - start)


def _spread(tests: tuple[int, ...], most: int) -> tuple[int, ...]:
    """At most ``most`` of ``tests``, evenly spread (their sizes vary with the test)."""
    if len(tests) <= most:
        return tests
    step = len(tests) / most
    return tuple(tests[int(i * step)] for i in range(most))


def build_harnesses(baseline: Module, sig: Signature, candidate_text: str, compiler: str,
           flags: tuple[str, ...], workdir: str, link: tuple[str, ...] = ()
                    ) -> tuple[str, str]:
    """The harness twice: A's copies before B's, and the other way round; ``link``: what
    the verifier's harness was linked with beyond its own files."""
    function = sig.name
    target = [f for f in flags if f.startswith("-m")]
    csrc = os.path.join(workdir, "timing.c")
    with open(csrc, "w") as fh:
        # the verifier's input hints: its valid test numbers mean the same inputs here
        fh.write(timing_source(sig, function, InputHints.of(baseline.function_text(function))))
    obj = os.path.join(workdir, "timing.o")
    _checked(subproc.run([compiler, *target, "-O1", "-w", "-c", csrc, "-o", obj], timeout=120))
    exes = []
    for swapped in (False, True):
        asm = os.path.join(workdir, f"timing_tu{int(swapped)}.s")
        with open(asm, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(timing_assembly(baseline, function, candidate_text, swapped))
        exe = os.path.join(workdir, f"timing{int(swapped)}")
        _checked(subproc.run([compiler, *target, obj, "-x", "assembler", asm, "-x", "none",
                              "-o", exe, *link, "-lm"], timeout=120))
        exes.append(exe)
    return exes[0], exes[1]


def _checked(proc: subproc.ProcResult) -> None:
    if not proc.ok:
        first = proc.stderr.decode(errors="replace").strip().splitlines()[:2]
        raise ToolError("the timing harness does not build: " + " | ".join(first))


class _Harness:
    """One running harness process: its cells, then one row of batch times per round."""

    def __init__(self, exe: str, inputs: tuple[int, ...], want: int, effort: Effort,
                 seed: int) -> None:
        cpu = max(2, math.ceil(effort.budget_s * 3))
        self.proc = subproc.start(
            [exe, str(seed), str(effort.batch_ns), str(effort.max_rounds), str(cpu),
             str(want), *map(str, inputs)], timeout=None, interactive=True)
        self.wait_s = effort.budget_s + 5
        self.cells: list[tuple[int, int, int]] = []  # test, offset, iters
        self.rounds = 0  # rounds asked for so far
        expected = None
        while expected is None or len(self.cells) < expected:
            line = self.proc.readline(self.wait_s)
            if line is None:
                raise ToolError(self._died("before measuring"))
            if line.startswith("CELLS "):
                expected = int(line.split()[1])
            elif line.startswith("CELL "):
                fields = dict(f.split("=") for f in line.split()[2:])
                self.cells.append((int(fields["test"]), int(fields["offset"]),
                                   int(fields["iters"])))

    def round(self) -> list[int]:
        """Batch nanoseconds of one round: A then B for each cell. Only the harness's parent
        writes to this pipe (the code under test can write nothing at all), so anything
        but the line of the round just asked for means the harness is broken."""
        width = 2 * len(self.cells)
        if not self.proc.send(b"."):
            raise ToolError(self._died("while measuring"))
        self.rounds += 1
        line = self.proc.readline(self.wait_s)
        if line is None:
            raise ToolError(self._died("while measuring"))
        fields = line.split()
        if fields[:2] != ["R", str(self.rounds)] or len(fields) != width + 2 or \
                not all(f.isdigit() and f != "0" for f in fields[2:]):
            self.proc.stop()
            raise ToolError(f"the timing harness wrote an unexpected line in round "
                            f"{self.rounds}")
        return [int(f) for f in fields[2:]]

    def per_call(self, row: list[int]) -> list[float]:
        return [t / self.cells[k // 2][2] for k, t in enumerate(row)]

    def _died(self, when: str) -> str:
        self.proc.stop()
        status = self.proc.returncode()
        why = "stopped by a time or sandbox limit" if status is None or status < 0 else \
            f"exit {status}"
        return f"the timing harness ended {when} ({why})"

    def close(self) -> None:
        self.proc.stop()  # the harness ends its measuring child itself (timing/harness.py)


# the fewest samples whose Wilcoxon interval at 95% is finite
_FIRST_INTERVAL = 6


def measure(exes: tuple[str, str], inputs: tuple[int, ...], effort: Effort,
            seed: int) -> Run:
    """Rounds on ``effort.pairs`` pairs of harness processes, until the rule decides or
    the budget runs out. A pair is one process per placement (A's copies first, then B's);
    each round runs on the next pair, the two processes in random order.

    A round's sample pairs the two placements: ``(log(B/A) in one + log(B/A) in the
    other) / 2``. The same code runs measurably faster at some addresses than at others
    (seen here: one copy of a two-instruction function in 16 ran 1.5x faster than the
    rest, a different one in every process); with the placements mirrored, such luck
    favours A in one process and B in the other and cancels out. What is left still moves
    one pair's ratio by 2-3% (physical pages differ from process to process), so rounds
    are spread over several pairs: their pooled estimate is nearer the true ratio.
    """
    rule = Rule(effort.min_effect)
    started = time.monotonic()
    procs: list[_Harness] = []  # placement 0 and 1 of pair 0, then of pair 1, ...
    # per round, the two processes' nanoseconds per call: A then B for each cell
    rows: list[tuple[list[float], list[float]]] = []
    outcome: Outcome | None = None
    order = random.Random(seed)
    try:
        procs.append(_Harness(exes[0], inputs, effort.inputs, effort, seed))
        # in the first process's order (its inputs' order), which the others then keep:
        # sorting by number would not (a test id may carry flag bits, STRINGS_IN_PLACE)
        picked = tuple(dict.fromkeys(test for test, _, _ in procs[0].cells))
        for k in range(1, 2 * max(1, effort.pairs)):
            procs.append(_Harness(exes[k % 2], picked, len(picked), effort, seed + k))
            if [c[:2] for c in procs[0].cells] != [c[:2] for c in procs[k].cells]:
                raise ToolError("the timing processes chose different inputs")
        pairs = [(procs[k], procs[k + 1]) for k in range(0, len(procs), 2)]
        while len(rows) < effort.max_rounds:
            pair = pairs[len(rows) % len(pairs)]
            first = order.randrange(2)
            times = {k: pair[k].round() for k in (first, 1 - first)}
            rows.append((pair[0].per_call(times[0]), pair[1].per_call(times[1])))
            n = len(rows)
            due = n >= effort.min_rounds and (n - effort.min_rounds) % effort.look_every == 0
            # a much slower candidate makes rounds long: past the budget, look every round
            late = time.monotonic() - started > effort.budget_s
            if due or (late and n >= _FIRST_INTERVAL):
                combined, same, per_cell = _intervals(rows, procs[0].cells)
                outcome = rule.decide(combined, same, per_cell)
                if outcome is not None or late:
                    break
    except ToolError as exc:
        if not rows:
            return Run(Outcome.TIMING_FAILED, None, (), 0, str(exc))
        # the rounds so far are still reported; a process stopped by its CPU limit while
        # the candidate was already clearly slower is just that
        decided = rule.decide(*_intervals(rows, procs[0].cells)) \
            if len(rows) >= _FIRST_INTERVAL else None
        outcome = Outcome.SLOWER if decided is Outcome.SLOWER else Outcome.TIMING_FAILED
    finally:
        for proc in procs:
            proc.close()
    combined, same, per_cell = _intervals(rows, procs[0].cells)
    if outcome is None:
        outcome = rule.decide(combined, same, per_cell) \
            if len(rows) >= effort.max_rounds else None
        outcome = outcome or Outcome.TIMING_INCONCLUSIVE
    table = tuple(Cell(test, off, iters, _per_call(rows, 2 * c), _per_call(rows, 2 * c + 1),
                       per_cell[c]) for c, (test, off, iters) in enumerate(procs[0].cells))
    return Run(outcome, combined, table, len(rows), _explain(outcome, table, rule))


def _intervals(rows: list[tuple[list[float], list[float]]], cells: list[tuple[int, int, int]]
               ) -> tuple[Interval, Interval, list[Interval]]:
    """The combined interval against the baseline's best offsets, the combined interval
    offset by offset, and each cell's.

    A cell compares A and B at the same entry offset. The combined sample of a round is
    the mean over cells of B's time against A's at A's best offset for that input (by
    median so far): the candidate must beat the baseline wherever the baseline runs best,
    so a change that only moves code relative to cache lines cannot win."""
    ncells = len(cells)

    def paired(one: list[float], two: list[float], b: int, a: int) -> float:
        return (math.log(one[b] / one[a]) + math.log(two[b] / two[a])) / 2

    per_cell = [median_interval([paired(one, two, 2 * c + 1, 2 * c) for one, two in rows])
                for c in range(ncells)]
    base = [_per_call(rows, 2 * c) for c in range(ncells)]
    best = {}
    for c, (test, _, _) in enumerate(cells):
        if test not in best or base[c] < base[best[test]]:
            best[test] = c
    combined = median_interval([
        sum(paired(one, two, 2 * c + 1, 2 * best[cells[c][0]]) for c in range(ncells)) / ncells
        for one, two in rows])
    same = median_interval([sum(paired(one, two, 2 * c + 1, 2 * c) for c in range(ncells))
                            / ncells for one, two in rows])
    return combined, same, per_cell


def _per_call(rows: list[tuple[list[float], list[float]]], column: int) -> float:
    """Median nanoseconds per call in ``column``, over rounds and both processes."""
    return median([(one[column] + two[column]) / 2 for one, two in rows])


def _explain(outcome: Outcome, cells: tuple[Cell, ...], rule: Rule) -> str:
    if outcome is Outcome.MIXED_SPEED:
        slow = [c for c in cells if c.ratio.low > math.log(1 + rule.min_effect)]
        where = ", ".join(f"input {c.test} at offset {c.offset}" for c in slow)
        return f"faster overall but more than {rule.min_effect:.0%} slower on {where}"
    return {
        Outcome.SLOWER: f"more than {rule.min_effect:.0%} slower than the baseline at the "
                        "same entry offsets",
        Outcome.NOT_FASTER: f"not faster than the baseline by at least {rule.min_effect:.0%}",
        Outcome.TIMING_INCONCLUSIVE: "no clear answer within the time budget",
    }.get(outcome, "")
