"""Statistics of paired timings: medians of log ratios with distribution-free intervals,
and the rule that turns them into a decision.

A sample is ``log(candidate time / baseline time)`` for one round of one cell; negative
means the candidate was faster. Speedups are reported as ``baseline / candidate`` (above 1
is faster) and never clamped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

# two-sided confidence of every interval
CONFIDENCE = 0.95


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


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _rank(n: int) -> int:
    """The largest k (1-based) with P(Binomial(n, 1/2) < k) <= (1 - CONFIDENCE) / 2: the
    k-th smallest and k-th largest samples bound the median (the sign-test interval)."""
    tail = (1 - CONFIDENCE) / 2
    cumulative, k = 0.0, 0
    while k < n:
        nxt = cumulative + math.comb(n, k) / 2.0 ** n
        if nxt > tail:
            break
        cumulative, k = nxt, k + 1
    return k


def median_interval(values: Sequence[float]) -> Interval:
    """Median and its distribution-free confidence interval (the order statistics the sign
    test gives: no assumption about the shape of the noise, which has 15-30x outliers here).
    Fewer than six samples cannot bound the median at 95%: the interval is infinite."""
    ordered = sorted(values)
    k = _rank(len(ordered))
    if k == 0:
        return Interval(median(ordered), -math.inf, math.inf)
    return Interval(median(ordered), ordered[k - 1], ordered[len(ordered) - k])


class Rule(NamedTuple):
    """When a candidate counts as faster: the whole interval of the combined time ratio
    below ``1 - min_effect``, and no cell whose interval lies above ``1 + min_effect``."""

    min_effect: float = 0.03

    def decide(self, combined: Interval, cells: Sequence[Interval]) -> str | None:
        """``faster``, ``slower``, ``not_faster`` or ``mixed`` once the answer is clear,
        None while it is not."""
        fast = math.log(1 - self.min_effect)
        slow = math.log(1 + self.min_effect)
        if combined.high < fast:
            return "mixed" if any(c.low > slow for c in cells) else "faster"
        if combined.low > slow:
            return "slower"
        if combined.low > fast:
            return "not_faster"
        return None
