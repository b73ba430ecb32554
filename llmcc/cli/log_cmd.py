"""`llmcc log`: the invocation log, raw or summarised by outcome."""

from __future__ import annotations

import argparse
import re
from collections import Counter

from llmcc import log as logfile
from llmcc.config import load
from llmcc.errors import LlmccError
from llmcc.outcome import Outcome

_FIELD_RE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc log", description=__doc__)
    parser.add_argument("--summary", action="store_true", help="count invocations by outcome")
    parser.add_argument("--tail", type=int, default=20, help="lines to show (default 20)")
    parser.add_argument("--path", action="store_true", help="print the log file's path")
    opts = parser.parse_args(args)
    path = logfile.log_path(load().log)
    if path is None:
        raise LlmccError("logging is off (log = 'off')")
    if opts.path:
        print(path)
        return 0
    try:
        with open(path, errors="replace") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise LlmccError(f"no log yet at {path}") from None
    if not opts.summary:
        print("\n".join(lines[-opts.tail:]) if opts.tail > 0 else "")
        return 0
    outcomes: Counter[str] = Counter()
    budgets: Counter[str] = Counter()  # units a spent budget cut short, by which budget
    functions = rewritten = 0
    for line in lines:
        fields = dict(_FIELD_RE.findall(line))
        if " compile " in line:
            outcomes[fields.get("outcome", "?")] += 1
        elif " function " in line:
            functions += 1
            rewritten += fields.get("chosen", "-") != "-"
        elif " budget " in line:
            budgets[fields.get("outcome", "?")] += 1
    print(f"log: {path}")
    print(f"{sum(outcomes.values())} compiler invocations")
    for value, count in outcomes.most_common():
        try:
            text = Outcome(value).description
        except ValueError:
            text = "?"
        print(f"  {count:6d}  {value:<20} {text}")
    print(f"{functions} functions offered to proposers, {rewritten} rewritten")
    for value, count in budgets.most_common():
        print(f"  {count:6d}  {value:<20} units cut short: the rest stayed gcc's")
    return 0
