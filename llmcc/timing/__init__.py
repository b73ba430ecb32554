"""The timer: A/B timing of a candidate against the -O3 baseline in one binary, at several
entry offsets, with distribution-free intervals, sequential stopping and a reproduction."""

from llmcc.timing.stats import TIMER_OUTCOMES, VERDICT_WORDS
from llmcc.timing.timer import Effort, Timing, time_candidate

__all__ = ["TIMER_OUTCOMES", "VERDICT_WORDS", "Effort", "Timing", "time_candidate"]
