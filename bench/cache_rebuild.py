#!/usr/bin/env python3
"""What the cache buys: plain gcc build vs a cold llmcc build (variants proposer, sync
mode, empty cache) vs a warm llmcc rebuild after `make clean` (goal: <= 0.5x plain gcc).

    .venv/bin/python bench/cache_rebuild.py [--rounds 3] [--project DIR ...]

Projects as in bench/build_overhead.py (examples/ by default; --project adds more). Each
round starts from an empty cache; medians over rounds, and the warm/gcc ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_overhead import LLMCC, ROOT, build, prepare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--corpus", action="store_true", help="also the 100-TU corpus")
    parser.add_argument("--proposers", default="variants",
                        help="for the cold build (none: measure the object cache alone)")
    parser.add_argument("--no-examples", action="store_true")
    opts = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "llmcc")],
                   check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="llmcc-cbench-") as tmp:
        projects = prepare(Path(tmp), opts.project)
        if not opts.corpus:
            projects.pop("corpus (100 TUs)")
        if opts.no_examples:
            projects.pop("examples")
        print(f"proposers for the cold build: {opts.proposers}")
        print(f"{'project':<18} {'gcc':>8} {'cold llmcc':>11} {'warm llmcc':>11} "
              f"{'warm/gcc':>9}")
        for name, folder in projects.items():
            times: dict[str, list[float]] = {"gcc": [], "cold": [], "warm": []}
            for n in range(opts.rounds):
                env = dict(os.environ, LLMCC_PROPOSERS=opts.proposers, LLMCC_LOG="off",
                           LLMCC_MODE="sync", LLMCC_CACHE_DIR=f"{tmp}/cache-{name}-{n}")
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                times["gcc"].append(build(folder, "gcc", opts.jobs, env))
                times["cold"].append(build(folder, LLMCC, opts.jobs, env))
                times["warm"].append(build(folder, LLMCC, opts.jobs, env))
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"{name:<18} {med['gcc']:7.2f}s {med['cold']:10.2f}s {med['warm']:10.2f}s "
                  f"{med['warm'] / med['gcc']:9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
