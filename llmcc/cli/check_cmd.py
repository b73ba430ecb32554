"""`llmcc check [-- CMD]`: does the project still pass its own tests with the rewrites llmcc
accepted? If not, and it passes with all of them left out, find the rewrites that break it
(bisecting), record them as rejected, rebuild, and report.

The tests are CMD (run with ``sh -c``; exit 0 = pass), or the settings ``check_test``
and/or ``test_program`` with ``test_cases`` (a folder of NAME.in files whose NAME.out the
program must print). ``check_build`` (e.g. ``make clean all``) runs before every test run;
without it CMD must rebuild by itself. Exit status: 0 the tests pass (after rejecting any
culprits), 1 they fail even without llmcc's rewrites or could not be made to pass, 2 bad
input.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from llmcc import subproc
from llmcc.cache.caches import open_project
from llmcc.config import load


class Tests:
    """The project's own tests, run against a build that leaves out some rewrites."""

    def __init__(self, build: str, command: str, program: str, cases: str) -> None:
        self.build, self.command, self.program, self.cases = build, command, program, cases
        self.runs = 0
        self.last_failure = ""

    def passes(self, excluded: list[str]) -> bool:
        self.runs += 1
        for step in (c for c in (self.build, self.command) if c):
            self.last_failure = run_step(step, ",".join(excluded))
            if self.last_failure:
                return False
        return self._cases_pass()

    def _cases_pass(self) -> bool:
        if not self.cases:
            return True
        for case in sorted(Path(self.cases).glob("*.in")):
            expected = case.with_suffix(".out")
            proc = subproc.run([self.program], stdin=case.read_bytes(), timeout=600)
            if not proc.ok or not expected.exists() or proc.stdout != expected.read_bytes():
                self.last_failure = f"{self.program} < {case.name}: output differs from " \
                                    f"{expected.name}" if proc.ok else \
                    f"{self.program} < {case.name} exited {proc.returncode}"
                return False
        return True


def run_step(command: str, excluded: str) -> str:
    """Run ``command`` with ``sh -c``, builds leaving out the rewrites ``excluded`` names
    (decision keys, or 'all'); '' when it succeeds, else what went wrong, on one line."""
    env = {**os.environ, "LLMCC_EXCLUDE_REWRITES": excluded}
    proc = subproc.run(["sh", "-c", command], env=env, timeout=None)
    if proc.ok:
        return ""
    tail = " | ".join((proc.stdout + proc.stderr).decode(errors="replace").split("\n")[-4:])
    return f"`{command}` exited {proc.returncode}: {tail.strip(' |')[-300:]}"


def culprits(keys: list[str], tests: Tests) -> list[str]:
    """A minimal set of ``keys`` whose rewrites together make the tests fail (given that
    all of them do and none does not): halving, and for failures that need rewrites from
    both halves, minimising each half with the other kept in."""

    def bad(enabled: list[str]) -> bool:
        return not tests.passes([k for k in keys if k not in enabled])

    def minimal(subset: list[str], fixed: list[str]) -> list[str]:
        if len(subset) <= 1:
            return subset
        half = len(subset) // 2
        first, second = subset[:half], subset[half:]
        if bad(first + fixed):
            return minimal(first, fixed)
        if bad(second + fixed):
            return minimal(second, fixed)
        kept_first = minimal(first, fixed + second)
        if bad(kept_first + fixed):
            return kept_first
        return kept_first + minimal(second, fixed + kept_first)

    return minimal(keys, [])


def main(args: list[str]) -> int:
    command = " ".join(args[args.index("--") + 1:]) if "--" in args else ""
    if [a for a in args[: args.index("--") if "--" in args else len(args)]]:
        print("usage: llmcc check [-- CMD ...]", file=sys.stderr)
        return 2
    config = load()
    tests = Tests(config.check_build, command or config.check_test, config.test_program,
                  config.test_cases)
    if not (tests.command or tests.cases):
        print("llmcc check: error: nothing to check: give -- CMD, or set check_test or "
              "test_program and test_cases in llmcc.toml", file=sys.stderr)
        return 2
    if tests.cases and not tests.program:
        print("llmcc check: error: test_cases needs test_program", file=sys.stderr)
        return 2
    project = open_project(config)
    accepted = sorted(r["key"] for r in project.decisions() if isinstance(r.get("chosen"), int))
    if tests.passes([]):
        print(f"llmcc check: the tests pass with all {len(accepted)} accepted rewrites")
        return 0
    failure = tests.last_failure
    if not accepted or not tests.passes(accepted):
        print(f"llmcc check: the tests fail without llmcc's rewrites too ({failure}); "
              "nothing rejected")
        return 1
    print(f"llmcc check: the tests fail with llmcc's rewrites and pass without them "
          f"({failure}); looking for the culprit among {len(accepted)}")
    found = culprits(accepted, tests)
    names = {r["key"]: r for r in project.decisions()}
    for key in found:
        record = names[key]
        project.reject(key, f"the project's tests failed with it: {failure}")
        print(f"  rejected {record['function']} ({record.get('source')}): "
              f"{record['candidates'][record['chosen']]['origin']}, key {key[:12]}")
    ok = tests.passes([])
    print(f"llmcc check: after rejecting {len(found)}, the tests "
          f"{'pass' if ok else 'still fail: ' + tests.last_failure} ({tests.runs} test runs)")
    return 0 if ok else 1
