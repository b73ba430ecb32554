"""The timer: A/B timing of a candidate against the -O3 baseline in one binary, at several
entry offsets, with distribution-free intervals, sequential stopping and a reproduction."""

from llmcc.timing.timer import Settings, Timing, time_candidate

__all__ = ["Settings", "Timing", "time_candidate"]
