#!/usr/bin/env python3
"""What the static checks make of the `variants` proposer's candidates, per C file group:
how many pass, and why the others are rejected (unknown_symbol above all: a variant that
calls a static helper the -O3 baseline inlined away, before candidates brought helpers).

    .venv/bin/python bench/variant_static.py [--json OUT] FILE.c ...

Each file is compiled at -O3 (its baseline); every function without callers in its unit
(calls only, as the pipeline selected before issue 14), not main, of at least 4
instructions, is offered to the variants proposer, and each candidate goes through
llmcc.verify.static.check_static. The selection is fixed here so that two trees compare:
run it again with PYTHONPATH at another tree (``git archive REV llmcc grammar | tar -x``).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import tempfile
from pathlib import Path

from llmcc.asm.module import Module
from llmcc.propose.variants import Variants
from llmcc.records import FunctionTask
from llmcc.verify.static import check_static, function_march

FLAGS = ("-O3",)


def offered(module: Module) -> list[str]:
    called = {sym for fn in module.functions.values() for j in fn.body
              if module.lines[j].head.startswith("call")
              for sym in module.lines[j].symbols() if sym != fn.name}
    return [fn.name for fn in module.functions.values()
            if not fn.opaque and fn.name != "main" and not module.loader_bound(fn.name)
            and fn.name not in called and module.shape(fn.name).instructions >= 4]


def judge_file(source: str, counts: collections.Counter, reasons: list[str]) -> None:
    work = tempfile.mkdtemp(prefix="variant-static-")
    asm = os.path.join(work, "base.s")
    if subprocess.run(["gcc", *FLAGS, "-w", "-S", source, "-o", asm],
                      capture_output=True).returncode:
        counts["files that do not compile"] += 1
        return
    counts["files"] += 1
    module = Module(Path(asm).read_text())
    proposer = Variants()
    for name in offered(module):
        counts["functions"] += 1
        task = FunctionTask(module, module.function(name), os.path.abspath(source), "gcc",
                            FLAGS, work)
        march = function_march("gcc", FLAGS, module.function_text(name), work)
        for cand in proposer.propose(task, 900.0):
            counts["candidates"] += 1
            finding = check_static(cand.text, name, module, compiler="gcc", march=march,
                                   workdir=work)
            counts[finding.outcome.value if finding else "passed"] += 1
            if finding:
                reasons.append(f"{Path(source).name} {name} {cand.origin}: "
                               f"{finding.outcome.value}: {finding.reason[:100]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", help="write the counts and every rejection here")
    args = parser.parse_args()
    counts: collections.Counter = collections.Counter()
    reasons: list[str] = []
    for source in args.files:
        judge_file(source, counts, reasons)
    for key, value in counts.most_common():
        print(f"{value:6d}  {key}")
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": counts, "rejections": reasons},
                                              indent=1))


if __name__ == "__main__":
    main()
