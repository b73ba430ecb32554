"""`llmcc verify` and `llmcc bench-function`: every stage on one candidate for one function;
verify prints the verdict, bench-function the timer's table as well.

Exit status: 0 accepted, 1 rejected, 2 bad input (missing file, unknown function,
gcc errors).
"""

from __future__ import annotations

import argparse
import json
import sys

from llmcc.config import load
from llmcc.driver.compiler import resolve
from llmcc.errors import LlmccError
from llmcc.records import Speedup


def main(args: list[str]) -> int:
    return _run("verify", args, table=False)


def bench_main(args: list[str]) -> int:
    return _run("bench-function", args, table=True)


def _run(command: str, args: list[str], *, table: bool) -> int:
    parser = argparse.ArgumentParser(
        prog=f"llmcc {command}", description=__doc__.splitlines()[0],
        epilog="Flags after -- are the gcc flags of the translation unit (its -O level is "
               "set to -O3 for the baseline).")
    parser.add_argument("source", help="the C file the function comes from")
    parser.add_argument("--function", required=True, help="the function's name")
    parser.add_argument("--candidate", required=True,
                        help="assembly for the function: a whole gcc -S file or just it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    argv, flags = (args[:args.index("--")], args[args.index("--") + 1:]) if "--" in args \
        else (args, [])
    opts = parser.parse_args(argv)
    try:
        with open(opts.candidate, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
    except OSError as exc:
        print(f"llmcc {command}: error: {opts.candidate}: {exc.strerror}", file=sys.stderr)
        return 2
    from llmcc.pipeline import verify_candidate

    try:
        config = load()
        verdict = verify_candidate(opts.source, opts.function, text,
                                   compiler=resolve(config.compiler), flags=tuple(flags),
                                   min_valid=config.min_valid_inputs,
                                   min_effect=config.min_effect)
    except LlmccError as exc:
        print(f"llmcc {command}: error: {exc}", file=sys.stderr)
        return 2
    told = "accepted" if verdict.accepted else "rejected"
    if opts.json:
        data = {"function": opts.function, "verdict": told, **verdict.as_json()}
        if table:
            data["timing"] = verdict.timing
        print(json.dumps(data, indent=2))
    else:
        print(f"{opts.function}: {told} at {verdict.stage} ({verdict.outcome.value}): "
              f"{verdict.reason}")
        if table:
            print(_table(verdict.timing) if verdict.timing else
                  "not timed: the candidate did not pass the correctness checks")
    return 0 if verdict.accepted else 1


def _table(timing: dict) -> str:
    """The timer's answer (llmcc.timing.Timing.as_json) as a table per input and offset."""
    lines = []
    for title in ("first", "reproduction"):
        run = timing[title]
        if run is None:
            continue
        lines.append(f"\n{'timing' if title == 'first' else title}: {run['verdict']}, "
                     f"{run['rounds']} rounds")
        if not run["cells"]:
            lines.append(f"  {run['reason']}")
            continue
        lines.append(f"  {'input':>6} {'offset':>6} {'calls':>8} {'baseline ns':>12} "
                     f"{'candidate ns':>13} {'speedup':>8}  95% interval")
        for c in run["cells"]:
            s = Speedup.from_json(c["speedup"])
            lines.append(f"  {c['input']:>6} {c['offset']:>6} {c['calls_per_batch']:>8} "
                         f"{c['baseline_ns']:>12.2f} {c['candidate_ns']:>13.2f} "
                         f"{s.median:>8.3f}  [{s.low:.3f}, {s.high:.3f}]")
        lines.append(f"  combined (against the baseline at its best offset per input): "
                     f"{Speedup.from_json(run['speedup']).describe()}")
    lines.append(f"\n{timing['seconds']:.2f} s")
    return "\n".join(lines)
