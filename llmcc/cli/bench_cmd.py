"""`llmcc bench [-- CMD]`: end-to-end numbers. Builds the project without llmcc's rewrites
and with them (``check_build``, as ``llmcc check`` does), keeps a copy of the program each
build made (``bench_program``), and times CMD (``bench_command``; ``{}`` stands for the
program) on both, alternately, with the function timer's statistics and rule. The tree is
left built with the rewrites. Exit status: 0 measured, 1 a build or a run failed, 2 bad
input."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile

from llmcc.cli.check_cmd import run_step
from llmcc.config import Settings, load
from llmcc.outcome import Outcome
from llmcc.pipeline import EXCLUDE_ALL
from llmcc.timing.program import PLACEHOLDER, ProgramTiming, time_programs
from llmcc.timing.stats import VERDICT_WORDS


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llmcc bench", description="time a benchmark command on the program built "
        "without and with llmcc's rewrites")
    parser.add_argument("--budget", type=float, default=120.0, metavar="S",
                        help="seconds of timing before the answer is 'inconclusive'")
    parser.add_argument("--max-rounds", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- CMD ...: the benchmark ({} = the program)")
    opts = parser.parse_args(args)
    config = load()
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not command and config.bench_command:
        command = shlex.split(config.bench_command)
    problem = _problem(command, config)
    if problem:
        print(f"llmcc bench: error: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="llmcc-bench-") as tmp:
        copies = {}
        for which, excluded in (("without", EXCLUDE_ALL), ("with", "")):
            failure = run_step(config.check_build, excluded)
            if failure:
                print(f"llmcc bench: error: the build {which} rewrites failed: {failure}",
                      file=sys.stderr)
                return 1
            copies[which] = os.path.join(tmp, f"{which}-{os.path.basename(config.bench_program)}")
            shutil.copy2(config.bench_program, copies[which])
        timing = time_programs(command, copies["without"], copies["with"],
                               min_effect=config.min_effect, budget_s=opts.budget,
                               max_rounds=opts.max_rounds)
    if opts.json:
        print(json.dumps(timing.as_json(), indent=2))
    else:
        print(_describe(timing, command))
    return 1 if timing.outcome is Outcome.TIMING_FAILED else 0


def _problem(command: list[str], config: Settings) -> str:
    if not config.check_build:
        return "set check_build (the command that rebuilds the project, e.g. 'make clean all')"
    if not config.bench_program:
        return "set bench_program (the program the build makes and the benchmark runs)"
    if not command:
        return "nothing to time: give -- CMD (with {} for the program) or set bench_command"
    if not any(PLACEHOLDER in arg for arg in command):
        return f"the benchmark command must name the program as {PLACEHOLDER}: " \
               f"{' '.join(command)}"
    return ""


def _describe(t: ProgramTiming, command: list[str]) -> str:
    lines = [f"llmcc bench: {' '.join(command)}",
             f"  without rewrites  {t.a_seconds * 1000:10.2f} ms (median of {t.rounds} runs)",
             f"  with rewrites     {t.b_seconds * 1000:10.2f} ms"]
    if t.speedup is not None:
        lines.append(f"  speedup           {t.speedup.as_speedup().describe()} (95%)")
    lines.append(f"  verdict           {VERDICT_WORDS[t.outcome]}"
                 + (f": {t.reason}" if t.reason else ""))
    return "\n".join(lines)
