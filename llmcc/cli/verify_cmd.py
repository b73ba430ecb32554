"""`llmcc verify`: run every verification stage on one candidate and print the verdict.

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


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llmcc verify", description=__doc__.splitlines()[0],
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
        print(f"llmcc verify: error: {opts.candidate}: {exc.strerror}", file=sys.stderr)
        return 2
    from llmcc.verify.candidate import verify

    try:
        config = load()
        report = verify(opts.source, opts.function, text, compiler=resolve(config.compiler),
                        flags=tuple(flags), min_valid=config.min_valid_inputs,
                        min_effect=config.min_effect)
    except LlmccError as exc:
        print(f"llmcc verify: error: {exc}", file=sys.stderr)
        return 2
    if opts.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(f"{report.function}: {report.verdict} at {report.stage} "
              f"({report.outcome.value}): {report.reason}")
    return 0 if report.verdict == "accepted" else 1
