"""The build budget: functions offered and seconds spent by all compiles of one build (make -j
included), kept in one file of the project's cache that parallel llmcc processes share.

What "one build" is: compiles with no pause longer than ``build_gap_s`` between them. A
build system gives llmcc nothing better that holds for make, ninja, recursive makes and
scripts alike (make's jobserver descriptors are not unique, and parent processes differ per
recursion level), while a pause is what separates two builds as a user sees them. Every
compile of a build with a budget touches the file (a ``stat`` and a ``utime``, no lock), so a
build of cache hits stays one build; the first compile after a longer pause starts the
counts afresh.

Functions are claimed under a file lock before they are offered, so the function limit
holds exactly across processes. Seconds are added when a function is decided: a function
is only started while seconds are left, and gets at most what is left as its proposers'
budget, so parallel jobs can overshoot by the functions they have in flight, never more.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from llmcc.files import replace_text

if TYPE_CHECKING:
    from llmcc.config import Settings

# waiting longer for a lock that each holder keeps for one read and one write means
# something is wrong; the function then stays gcc's (a budget must not be overrun)
LOCK_TIMEOUT_S = 10.0
STATE_FILE = "build_budget.json"


class BudgetState(NamedTuple):
    """What one build has used so far."""

    build: int  # builds counted in this project, this one included
    started: float  # time.time() of the build's first claim
    functions: int  # functions offered to proposers
    seconds: float  # seconds spent deciding them, summed over processes


class BuildBudget:
    """The budget of the build this compile belongs to (limits of 0 are no limit)."""

    def __init__(self, folder: Path, max_functions: int, max_seconds: float,
                 gap_s: float) -> None:
        self.path = folder / STATE_FILE
        self.max_functions = max_functions
        self.max_seconds = max_seconds
        self.gap_s = gap_s

    @classmethod
    def from_config(cls, folder: Path, settings: Settings) -> BuildBudget | None:
        """The budget the settings ask for, or None when they set no limit."""
        if not (settings.build_max_functions or settings.build_budget_s):
            return None
        return cls(folder, settings.build_max_functions, settings.build_budget_s,
                   settings.build_gap_s)

    def touch(self) -> None:
        """A compile is running: the build goes on. Costs a stat and a utime, no lock (a
        lost touch only lets a build end a little earlier than it would have). After a
        pause longer than the gap nothing is touched: every read then sees a new build."""
        with contextlib.suppress(OSError):
            if time.time() - self.path.stat().st_mtime <= self.gap_s:
                os.utime(self.path)

    def claim(self, want_s: float) -> float | None:
        """Take one function out of the budget: the seconds its proposers may use (``want_s``
        or what is left, if less), or None when the build's budget is spent."""
        try:
            with self._lock():
                state = self._read()
                if self._spent(state):
                    return None
                self._write(state._replace(functions=state.functions + 1))
        except OSError:
            return None  # a budget that cannot be kept is treated as spent
        if self.max_seconds:
            return min(want_s, self.max_seconds - state.seconds)
        return want_s

    def spend(self, seconds: float) -> None:
        """Add the seconds one claimed function took."""
        with contextlib.suppress(OSError), self._lock():
            state = self._read()
            self._write(state._replace(seconds=state.seconds + seconds))

    def spent(self) -> bool:
        """Whether the current build's budget is spent (no lock: an answer for planning,
        not a claim)."""
        return self._spent(self._read())

    def state(self) -> BudgetState:
        """The counts of the current build (a fresh one when the last has ended)."""
        return self._read()

    def describe(self, state: BudgetState) -> str:
        """``3 of 3 functions, 12.0 s of 300 s`` for log lines and messages."""
        parts = [f"{state.functions} of {self.max_functions} functions"
                 if self.max_functions else f"{state.functions} functions",
                 f"{state.seconds:.1f} s of {self.max_seconds:g} s"
                 if self.max_seconds else f"{state.seconds:.1f} s"]
        return ", ".join(parts)

    def _spent(self, state: BudgetState) -> bool:
        return bool((self.max_functions and state.functions >= self.max_functions)
                    or (self.max_seconds and state.seconds >= self.max_seconds))

    def _lock(self):
        import filelock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # filelock's Timeout is an OSError: callers catch both as one
        return filelock.FileLock(str(self.path.with_suffix(".lock")), timeout=LOCK_TIMEOUT_S)

    def _read(self) -> BudgetState:
        now = time.time()
        try:
            touched = self.path.stat().st_mtime
            data = json.loads(self.path.read_text())
            state = BudgetState(int(data["build"]), float(data["started"]),
                                int(data["functions"]), float(data["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            return BudgetState(1, now, 0, 0.0)
        if now - touched > self.gap_s:  # the last build ended: this is a new one
            return BudgetState(state.build + 1, now, 0, 0.0)
        return state

    def _write(self, state: BudgetState) -> None:
        replace_text(self.path, json.dumps(state._asdict()))  # the mtime is now

