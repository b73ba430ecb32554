"""Statistics of paired timings: centres of log ratios with distribution-free intervals,
and the rule that turns them into a decision.

A sample is ``log(candidate time / baseline time)`` for one round of one cell; negative
means the candidate was faster. Speedups are reported as ``baseline / candidate`` (above 1
is faster) and never clamped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from llmcc.outcome import Outcome
from llmcc.records import Speedup

# two-sided confidence of every interval
CONFIDENCE = 0.95

# the timer's outcomes, each with the word its JSON and its tables give it (`llmcc bench`,
# `llmcc bench-function`): the timer's ACCEPTED reads "faster"
VERDICT_WORDS: dict[Outcome, str] = {
    Outcome.ACCEPTED: "faster",
    Outcome.NOT_FASTER: "not_faster",
    Outcome.SLOWER: "slower",
    Outcome.MIXED_SPEED: "mixed",
    Outcome.TIMING_INCONCLUSIVE: "inconclusive",
    Outcome.NOT_REPRODUCED: "not_reproduced",
    Outcome.TIMING_FAILED: "failed",
}
# every one is of a candidate that passed correctness
TIMER_OUTCOMES = frozenset(VERDICT_WORDS)


class Interval(NamedTuple):
    """A median log ratio with its confidence interval, ``low <= median <= high``."""

    median: float
    low: float
    high: float

    @property
    def speedup(self) -> float:
        return math.exp(-self.median)

    @property
    def speedup_low(self) -> float:
        return math.exp(-self.high)

    @property
    def speedup_high(self) -> float:
        return math.exp(-self.low)

    def as_speedup(self) -> Speedup:
        """The interval as speedups (baseline over candidate), the record the rest reads."""
        return Speedup(self.speedup, self.speedup_low, self.speedup_high)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _signed_rank_critical(n: int) -> int:
    """The largest c with P(W <= c) <= (1 - CONFIDENCE) / 2 for the Wilcoxon signed-rank
    statistic W of n samples: exact counts up to 60 samples, the normal approximation
    beyond. -1 when no such c exists (too few samples)."""
    tail = (1 - CONFIDENCE) / 2
    if n > 60:
        mean = n * (n + 1) / 4
        sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
        return max(-1, math.floor(mean - 1.959964 * sd - 0.5))
    top = n * (n + 1) // 2
    ways = [1] + [0] * top  # ways[w]: subsets of ranks 1..k summing to w
    for k in range(1, n + 1):
        for w in range(top, k - 1, -1):
            ways[w] += ways[w - k]
    total, cumulative = 2 ** n, 0
    for c in range(top + 1):
        cumulative += ways[c]
        if cumulative / total > tail:
            return c - 1
    return top


def median_interval(values: Sequence[float]) -> Interval:
    """The Hodges-Lehmann estimate of the centre (the median of all pairwise means) with
    its Wilcoxon signed-rank 95% interval: distribution-free for symmetric noise, and
    nearly as efficient as a mean's interval while ignoring the 15-30x outliers seen here.
    Fewer than six samples cannot bound it at 95%: the interval is infinite."""
    xs = sorted(values)
    n = len(xs)
    walsh = sorted((xs[i] + xs[j]) / 2 for i in range(n) for j in range(i, n))
    centre = median(walsh)
    c = _signed_rank_critical(n)
    if c < 0:
        return Interval(centre, -math.inf, math.inf)
    return Interval(centre, walsh[c], walsh[len(walsh) - 1 - c])


class Rule(NamedTuple):
    """When a candidate counts as faster: the whole interval of its time ratio against the
    baseline at the baseline's best entry offset below ``1 - min_effect``, and no cell
    whose interval lies above ``1 + min_effect``. Slower is judged offset by offset."""

    min_effect: float = 0.03

    def decide(self, best: Interval, same: Interval, cells: Sequence[Interval]
               ) -> Outcome | None:
        """ACCEPTED (faster), SLOWER, NOT_FASTER or MIXED_SPEED once the answer is clear,
        None while it is not. ``best`` compares with the baseline at its best offset,
        ``same`` offset by offset; ``cells`` are the cells' own intervals."""
        fast = math.log(1 - self.min_effect)
        slow = math.log(1 + self.min_effect)
        if best.high < fast:
            return Outcome.MIXED_SPEED if any(c.low > slow for c in cells) \
                else Outcome.ACCEPTED
        if same.low > slow:
            return Outcome.SLOWER
        if best.low > fast:
            return Outcome.NOT_FASTER
        return None
