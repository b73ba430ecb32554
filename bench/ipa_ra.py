#!/usr/bin/env python3
"""Functions with callers in their unit (gcc's -fipa-ra): how many the corpus and the
examples have at -O3, and how many `variants` candidates for them keep to the caller-saved
registers the baseline writes (llmcc.verify.registers.check_callers).

    .venv/bin/python bench/ipa_ra.py [SOURCE.c ...]

Prints per file, then in all: functions pipeline.selectable allows (before this change it
refused every function with callers in its unit), those with such callers, those of them
pipeline.offered would offer (size limits), how many of those have registers their callers
may rely on at all (a callee that calls outside the unit leaves them none), their variants
candidates, how many of those pass the register check, and the functions with at least one
that passes. Then the registers that failed candidates write, most common first.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from llmcc import pipeline  # noqa: E402
from llmcc.asm import parse_module  # noqa: E402
from llmcc.propose.variants import Variants  # noqa: E402
from llmcc.records import FunctionTask  # noqa: E402
from llmcc.verify.registers import check_callers, preserved_for_callers  # noqa: E402

COLUMNS = ("selectable", "called", "offered", "relied", "candidates", "pass", "fns_pass")


def measure(source: Path, workdir: str, registers: collections.Counter[str]
            ) -> dict[str, int]:
    flags = ("-O3", f"-I{source.parent}")
    asm = Path(workdir) / f"{source.stem}.s"
    subprocess.run(["gcc", *flags, "-w", "-S", str(source), "-o", str(asm)], check=True)
    module = parse_module(asm.read_text())
    row = dict.fromkeys(COLUMNS, 0)
    offered = {fn.name for fn in pipeline.offered(module)}
    proposer = Variants()
    for fn in module.functions.values():
        if not pipeline.selectable(module, fn):
            continue
        row["selectable"] += 1
        if not module.internal_callers(fn.name):
            continue
        row["called"] += 1
        if fn.name not in offered:
            continue
        row["offered"] += 1
        if not preserved_for_callers(module, fn.name):
            continue  # its callers rely on nothing: no candidate can fail the check
        row["relied"] += 1
        task = FunctionTask(module, fn, str(source), "gcc", flags, workdir)
        passed = 0
        for cand in proposer.propose(task, 120.0):
            row["candidates"] += 1
            finding = check_callers(cand.text, fn.name, module)
            if finding is None:
                passed += 1
            else:
                registers[finding.reason.split()[2]] += 1
        row["pass"] += passed
        row["fns_pass"] += passed > 0
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path)
    opts = parser.parse_args()
    sources = opts.sources or sorted([*(ROOT / "tests" / "corpus").glob("*.c"),
                                      *(ROOT / "examples").glob("*.c")])
    total = dict.fromkeys(COLUMNS, 0)
    registers: collections.Counter[str] = collections.Counter()
    print(f"{'file':28}" + "".join(f"{c:>11}" for c in COLUMNS))
    with tempfile.TemporaryDirectory(prefix="llmcc-ipa-ra-") as tmp:
        for source in sources:
            try:
                row = measure(source, tmp, registers)
            except subprocess.CalledProcessError:
                print(f"{source.name:28} (gcc failed)")
                continue
            for c in COLUMNS:
                total[c] += row[c]
            if row["called"]:
                print(f"{source.name:28}" + "".join(f"{row[c]:>11}" for c in COLUMNS))
    print(f"{'all ' + str(len(sources)) + ' files':28}"
          + "".join(f"{total[c]:>11}" for c in COLUMNS))
    print("registers failed candidates write:",
          ", ".join(f"{r} {n}" for r, n in registers.most_common()) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
