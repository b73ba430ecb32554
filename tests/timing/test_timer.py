"""Calibration of the timer on candidates whose true speed is known: copies of the baseline
are not faster, a real improvement is, a slower candidate never is. Trial counts are small
here; bench/timer_rates.py runs hundreds."""

from __future__ import annotations

import math
import re
import signal
from pathlib import Path

import pytest
from timing_cases import (
    FLAGS,
    POPCNT_BITS,
    build_unit,
    relabeled,
    subject,
    with_delay,
)

from llmcc.outcome import Outcome
from llmcc.timing import Effort, time_candidate
from llmcc.timing.stats import Interval, Rule, median_interval
from llmcc.timing.timer import _Harness, build_harnesses, measure


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    return build_unit(tmp_path_factory.mktemp("timed"))


@pytest.fixture(scope="module")
def subjects(unit, tmp_path_factory):
    folder = tmp_path_factory.mktemp("subjects")
    return {name: subject(unit, name, folder) for name in ("bits", "mix", "sum")}


def timed(subject, text, tmp_path, seed=1, effort=None):
    return time_candidate(subject.module, subject.sig, text, subject.valid, compiler="gcc",
                          flags=FLAGS, workdir=str(tmp_path), seed=seed, effort=effort)


# -- statistics ----------------------------------------------------------------------------

def test_the_interval_is_the_wilcoxon_signed_rank_interval():
    # n = 10: the two-sided 5% critical value of the signed-rank statistic is 8, so the
    # interval runs from the 9th smallest to the 9th largest of the 55 pairwise means
    values = [float(v) for v in (9, 3, 7, 1, 5, 10, 2, 8, 4, 6)]
    walsh = sorted((a + b) / 2 for i, a in enumerate(values) for b in values[i:])
    assert median_interval(values) == Interval(5.5, walsh[8], walsh[-9]) == Interval(5.5, 3, 8)
    # too few samples to bound the centre at 95%
    assert median_interval([1.0, 2.0, 3.0]).low == -math.inf
    # one wild outlier moves the estimate little
    assert abs(median_interval([*values, 1000.0]).median - 5.5) <= 0.5


def test_the_rule_needs_the_whole_interval_past_the_minimum_effect():
    rule = Rule(min_effect=0.03)
    log = math.log
    fast = Interval(log(0.90), log(0.88), log(0.95))
    even = Interval(0.0, log(0.99), log(1.01))
    slow = Interval(log(1.2), log(1.1), log(1.3))
    assert rule.decide(fast, fast, [fast]) is Outcome.ACCEPTED
    # the interval reaches above 0.97: not yet clear
    unclear = Interval(log(0.95), log(0.92), log(0.98))
    assert rule.decide(unclear, unclear, []) is None
    assert rule.decide(even, even, []) is Outcome.NOT_FASTER
    # slower is judged at the same offsets, faster against the baseline's best offset
    assert rule.decide(slow, even, []) is Outcome.NOT_FASTER
    assert rule.decide(slow, slow, []) is Outcome.SLOWER
    assert rule.decide(fast, fast, [fast, slow]) is Outcome.MIXED_SPEED


# -- calibration -----------------------------------------------------------------------------

@pytest.mark.parametrize("function", ["bits", "mix", "sum"])
def test_a_copy_of_the_baseline_is_never_faster(subjects, function, tmp_path):
    subj = subjects[function]
    text = subj.module.function_text(function)
    verdicts = [timed(subj, text, tmp_path, seed).outcome for seed in (1, 2)]
    verdicts.append(timed(subj, relabeled(text), tmp_path, 3).outcome)
    assert Outcome.ACCEPTED not in verdicts, verdicts


def test_popcnt_for_a_bit_counting_loop_is_faster(subjects, tmp_path):
    subj = subjects["bits"]
    assert "popcnt" not in subj.module.function_text("bits")
    for seed in (1, 2):
        timing = timed(subj, POPCNT_BITS, tmp_path, seed)
        assert timing.outcome is Outcome.ACCEPTED, timing.reason
        s = timing.speedup
        assert s.speedup_low <= s.speedup <= s.speedup_high
        assert s.speedup > 1.5
        assert timing.reproduction is not None and timing.reproduction.outcome is Outcome.ACCEPTED
        assert len(timing.first.cells) == 12  # 3 inputs x 4 entry offsets
        assert {c.offset for c in timing.first.cells} == {0, 16, 32, 48}


def test_a_slower_candidate_is_never_accepted(subjects, tmp_path):
    subj = subjects["mix"]
    slower = with_delay(subj.module.function_text("mix"), "mix", 60)
    for seed in (1, 2):
        timing = timed(subj, slower, tmp_path, seed)
        assert timing.outcome is Outcome.SLOWER, timing.reason
        assert timing.speedup.speedup_high < 1
        assert all(c.cand_ns > c.base_ns for c in timing.first.cells)


def test_a_far_slower_candidate_is_slower_within_a_few_seconds(subjects, tmp_path):
    # about 30x slower: rounds take long, so the timer looks every round once past budget
    subj = subjects["mix"]
    timing = timed(subj, with_delay(subj.module.function_text("mix"), "mix", 3000), tmp_path)
    assert timing.outcome is Outcome.SLOWER, timing.reason
    assert timing.speedup.speedup_high < 0.2
    assert timing.seconds < 15


def test_a_candidate_that_dies_while_timed_fails_timing(subjects, tmp_path):
    # the timer does not take the verifier's word: a candidate that faults is contained
    subj = subjects["mix"]
    crash = subj.module.function_text("mix").replace("mix:\n", "mix:\n\tud2\n", 1)
    timing = timed(subj, crash, tmp_path)
    assert timing.outcome is Outcome.TIMING_FAILED
    assert "ended while measuring" in timing.reason


# R lines as the old harness printed them, for 3 inputs x 4 offsets: the candidate (B) a
# thousand times faster than the baseline (A)
FORGED_ROUND = "R" + " 1000000 1000" * 12 + "\n"
# forged lines written on every call: through write(2) itself, or the harness's own stdout
FORGERS = {
    "write": ("movl $1, %edi", "leaq .Lforged(%rip), %rsi",
              f"movl ${len(FORGED_ROUND)}, %edx", "call write@PLT"),
    "stdio": ("leaq .Lforged(%rip), %rdi", "movq stdout(%rip), %rsi", "call fputs@PLT",
              "movq stdout(%rip), %rdi", "call fflush@PLT"),
}


@pytest.mark.parametrize("how", sorted(FORGERS))
def test_a_candidate_cannot_print_the_timers_lines(subjects, tmp_path, how):
    """A slower candidate that prints rounds of its own, on every call. The old harness let
    it write to the pipe the timer reads, and the timer took its lines for the round's
    (verdict: faster, 1000x); now the process that runs it may not write at all."""
    subj = subjects["mix"]
    text = with_delay(subj.module.function_text("mix"), "mix", 60)
    code = "".join(f"\t{line}\n" for line in ("pushq %rdi", *FORGERS[how], "popq %rdi"))
    text = text.replace("mix:\n", "mix:\n" + code, 1)
    escaped = FORGED_ROUND.replace("\n", "\\n")
    text += f'\t.section\t.rodata\n.Lforged:\n\t.string\t"{escaped}"\n'
    timing = timed(subj, text, tmp_path)
    assert timing.outcome is Outcome.TIMING_FAILED, timing.reason
    assert "stopped by a time or sandbox limit" in timing.reason


def test_a_stopped_harness_leaves_no_process_behind(subjects, tmp_path):
    """The measuring child is the harness's own: when the timer stops the harness, the
    harness collects it. (Killed outright, it would leave the child to init, and an init
    that never collects orphans, as in many containers, gathers a zombie per process.)"""
    subj = subjects["mix"]
    exes = build_harnesses(subj.module, subj.sig, subj.module.function_text("mix"), "gcc",
                           FLAGS, str(tmp_path))
    harness = _Harness(exes[0], subj.valid[:Effort().max_inputs], 3, Effort(), seed=1)
    assert len(harness.round()) == 2 * len(harness.cells)
    pid = harness.proc.pid
    (child,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    harness.close()
    assert harness.proc.returncode() == -signal.SIGTERM
    assert not Path(f"/proc/{child}").exists()


def test_every_process_times_the_inputs_the_first_one_picked(subjects, tmp_path):
    """The first process picks the inputs and lists them in the order it was given them;
    the others must get them in that order. Valid ids are not sorted by number (a test
    whose strings stayed in place carries STRINGS_IN_PLACE, a high bit), and sorting them
    made the processes disagree: 'chose different inputs', so nothing was timed."""
    from llmcc.verify.harness import STRINGS_IN_PLACE

    subj = subjects["mix"]
    exes = build_harnesses(subj.module, subj.sig, subj.module.function_text("mix"), "gcc",
                           FLAGS, str(tmp_path))
    unsorted = (subj.valid[5] | STRINGS_IN_PLACE, subj.valid[1], subj.valid[3])
    run = measure(exes, unsorted, Effort(inputs=3, max_rounds=24), seed=3)
    assert run.outcome is not Outcome.TIMING_FAILED, run.reason
    assert list(dict.fromkeys(c.test for c in run.cells)) == list(unsorted)


def test_a_smaller_minimum_effect_is_honoured(subjects, tmp_path):
    """With min_effect 0.95, even popcnt's win would have to exceed 20x to count."""
    subj = subjects["bits"]
    strict = timed(subj, POPCNT_BITS, tmp_path, effort=Effort(min_effect=0.95))
    assert strict.outcome is not Outcome.ACCEPTED


def test_the_timer_makes_the_verifiers_inputs(subjects):
    """The timer times on the test numbers the verifier found valid: test t must be the
    same input in both harnesses."""
    from llmcc.timing.harness import timing_source
    from llmcc.verify.harness import InputHints
    from llmcc.verify.harness.differential import harness_source

    def input_code(c_text, name):
        """All up to the inputs' description, less the copies' prototypes."""
        head = c_text[:c_text.index("llmcc_describe")]
        return "\n".join(ln for ln in head.splitlines()
                         if not re.search(rf"\b{name}\w*\(.*\);$", ln))

    for name, subj in subjects.items():
        hints = InputHints.of(subj.module.function_text(name))
        assert hints.constants  # the function's own values are in there
        verifier = harness_source(subj.sig, name, 200, hints)
        timer = timing_source(subj.sig, name, hints)
        assert input_code(verifier, name) == input_code(timer, name)
        assert input_code(verifier, name) != input_code(
            harness_source(subj.sig, name, 200, InputHints()), name)  # hints matter
