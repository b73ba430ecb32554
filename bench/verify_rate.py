#!/usr/bin/env python3
"""Verifier throughput and accuracy on the mutation corpus (tests/verify/mutants.py).

    .venv/bin/python bench/verify_rate.py

Prints, for wrong and for correct candidates: how many, how many the verifier accepted,
and seconds per candidate (median and total), judged one at a time on one core; then the
same per kind of wrong candidate, with the outcomes they got.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "verify"))

import mutants  # noqa: E402

from llmcc import pipeline  # noqa: E402
from llmcc.asm import parse_module  # noqa: E402
from llmcc.records import Candidate, FunctionTask  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmcc-vbench-") as tmp:
        root = Path(tmp)
        cases = mutants.confirmed_wrong(mutants.build_cases(root), root)
        times: dict[str, list[float]] = {"wrong": [], "correct": []}
        accepted = {"wrong": 0, "correct": 0}
        kinds: dict[str, list[float]] = collections.defaultdict(list)
        kind_accepted: collections.Counter[str] = collections.Counter()
        kind_outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter)
        for n, case in enumerate(cases):
            source = root / f"{case.unit.name}.c"
            source.write_text(case.unit.source)
            module = parse_module(case.asm)
            for expected, group in (("wrong", case.wrong), ("correct", case.correct)):
                for k, m in enumerate(group):
                    work = root / f"w{n}-{expected}-{k}"
                    work.mkdir()
                    start = time.perf_counter()
                    task = FunctionTask(module, module.function(case.function), str(source),
                                        "gcc", ("-O3",), str(work))
                    verdict = pipeline.judge(Candidate(case.function, m.text, m.kind), task,
                                             pipeline.CORRECTNESS)
                    took = time.perf_counter() - start
                    times[expected].append(took)
                    accepted[expected] += verdict.accepted
                    if expected == "wrong":
                        kinds[m.kind].append(took)
                        kind_accepted[m.kind] += verdict.accepted
                        kind_outcomes[m.kind][verdict.outcome.value] += 1
        print(f"{'candidates':<10} {'count':>6} {'accepted':>9} {'median s':>9} {'total s':>8}")
        for kind, ts in times.items():
            print(f"{kind:<10} {len(ts):6d} {accepted[kind]:9d} {statistics.median(ts):9.3f} "
                  f"{sum(ts):8.1f}")
        print()
        print(f"{'wrong kind':<22} {'count':>6} {'accepted':>9} {'median s':>9}  outcomes")
        for kind in sorted(kinds):
            ts = kinds[kind]
            why = ", ".join(f"{o} {n}" for o, n in kind_outcomes[kind].most_common())
            print(f"{kind:<22} {len(ts):6d} {kind_accepted[kind]:9d} "
                  f"{statistics.median(ts):9.3f}  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
