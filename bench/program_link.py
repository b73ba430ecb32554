#!/usr/bin/env python3
"""Untestable candidates on a real multi-file project: Lua 5.4 (inside the lupa sdist on
PyPI, built with its own makefile through llmcc), each unit's offered functions given to
the variants proposer and judged for correctness only (static checks, differential tests:
pipeline.CORRECTNESS, no timing), with the project's objects as the build recorded them.

    .venv/bin/python bench/program_link.py WORKDIR [--max-functions N] [--files a.c,b.c]
                                           [--json OUT]

Run it with the llmcc it should measure first on the import path (an older checkout:
``PYTHONPATH=/path/to/old python bench/program_link.py ...``): that llmcc judges; the build
runs the current tree's ``llmcc`` console script either way (an older one records no
program, which it does not use). Prints candidates by outcome, the untestable ones by
reason, and per function why inputs were not valid; ``--json`` writes every verdict (unit,
function, origin, outcome, reason) so two runs can be compared on the same candidates
(``--compare OLD.json NEW.json``, or one printed again: ``--report RUN.json``);
``--no-program`` judges each unit alone (stand-ins only), as a unit compiled alone is.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLMCC = str(ROOT / ".venv" / "bin" / "llmcc")
LUPA = "lupa==2.8"


def fetch_lua(work: Path) -> Path:
    """Lua's sources as lupa 2.8's sdist ships them (the package registry's client)."""
    lua = work / "lua54"
    if lua.is_dir():
        return lua
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", "--no-build-isolation", LUPA, "-d", str(work)],
                   check=True)
    with tarfile.open(work / "lupa-2.8.tar.gz") as tar:
        tar.extractall(work, filter="data")
    shutil.copytree(work / "lupa-2.8" / "third-party" / "lua54", lua)
    return lua


def build(lua: Path, work: Path) -> tuple[Path, dict[str, tuple[str, ...]]]:
    """The project built by its makefile through llmcc (no proposers: the program is
    recorded, nothing is optimized); its sources with the flags the makefile gives each."""
    tree = work / "build"
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(lua, tree)
    env = {**os.environ, "LLMCC_CACHE_DIR": str(work / "cache"), "LLMCC_MODE": "sync",
           "LLMCC_PROPOSERS": "none"}
    env.pop("PYTHONPATH", None)  # the build is the current tree's
    subprocess.run(["make", "-s", f"CC={LLMCC}", "lua"], cwd=tree, env=env, check=True,
                   capture_output=True)
    dry = subprocess.run(["make", "-n", "-B", "CC=gcc", "lua"], cwd=tree, check=True,
                         capture_output=True, text=True).stdout
    sources = {}
    for line in dry.splitlines():
        m = re.match(r"^gcc (.*) -c (?:-o \S+ )?(\S+\.c)$", line.strip())
        if m:
            flags = tuple(f for f in m.group(1).split() if f not in ("-c",))
            sources[m.group(2)] = tuple("-O3" if f == "-O2" else f for f in flags)
    return tree, sources


def judge(tree: Path, work: Path, sources: dict[str, tuple[str, ...]], max_functions: int,
          with_program: bool = True) -> list[dict]:
    from llmcc import pipeline, propose
    from llmcc.asm.module import parse_module
    from llmcc.config import load

    os.environ.update(LLMCC_PROPOSERS="variants", LLMCC_CACHE_DIR=str(work / "cache"))
    settings = load()
    proposers = propose.load(settings)
    program = None
    try:
        from llmcc.cache.caches import Caches
        from llmcc.cache.project import ProjectCache, project_root

        caches = Caches(ProjectCache(work / "cache", project_root(tree, None)))
        program = getattr(caches, "program_parts", None) if with_program else None
    except ImportError:
        pass
    fields = {f.name for f in dataclasses.fields(pipeline.UnitTask)}
    rows = []
    here = os.getcwd()
    os.chdir(tree)
    try:
        for source, flags in sorted(sources.items()):
            with tempfile.TemporaryDirectory(prefix="llmcc-plink-") as tmp:
                asm = os.path.join(tmp, "unit.s")
                subprocess.run(["gcc", *flags, "-S", source, "-o", asm], check=True)
                module = parse_module(Path(asm).read_text(errors="surrogateescape"))
                extra = {"program": program(source)} if program and "program" in fields \
                    else {}
                unit = pipeline.UnitTask(module, source, "gcc", flags, tmp, proposers,
                                         max_functions=max_functions, unit_budget_s=1e9,
                                         **extra)
                start = time.monotonic()
                try:
                    result = pipeline.optimize(unit, pipeline.CORRECTNESS)
                except Exception as exc:  # a unit llmcc fails on: counted, the rest go on
                    rows.append({"unit": source, "function": "-", "origin": "-",
                                 "outcome": "error", "reason": str(exc)[:200], "invalid": []})
                    print(f"{source}: error: {str(exc)[:200]}", flush=True)
                    continue
                for decision in result.decisions:
                    invalid = [n for n in decision.notes if n.startswith("inputs:")]
                    linked = [n for n in decision.notes if n.startswith(("harness linked",
                                                                          "stand-ins"))]
                    for v in decision.verdicts:
                        rows.append({"unit": source, "function": decision.name,
                                     "origin": v.candidate.origin, "outcome": v.outcome.value,
                                     "reason": v.reason, "invalid": invalid[:1],
                                     "linked": linked})
                print(f"{source}: {len(result.decisions)} functions, "
                      f"{sum(len(d.verdicts) for d in result.decisions)} candidates, "
                      f"{time.monotonic() - start:.1f} s", flush=True)
    finally:
        os.chdir(here)
    return rows


def why(reason: str) -> str:
    """An untestable reason without its particulars."""
    if "does not link" in reason or "does not build" in reason:
        return "harness does not link/build"
    if "inputs are valid" in reason:
        return "too few valid inputs"
    if reason.startswith("the function"):
        return "signature: " + reason.removeprefix("the function ").split(":")[0][:60]
    return reason[:60]


def report(rows: list[dict]) -> None:
    outcomes = collections.Counter(r["outcome"] for r in rows)
    print(f"\ncandidates: {len(rows)}")
    for outcome, n in outcomes.most_common():
        print(f"  {outcome:<22} {n}")
    untestable = collections.Counter(why(r["reason"]) for r in rows
                                     if r["outcome"] == "untestable")
    if untestable:
        print("untestable, by reason:")
        for reason, n in untestable.most_common():
            print(f"  {n:>4}  {reason}")
    def how(notes: list[str]) -> str:
        parts = ["the project's objects" if n.startswith("harness linked") else "stand-ins"
                 for n in notes]
        return " + ".join(parts) or "the unit alone"

    linked = collections.Counter(how(r.get("linked", [])) for r in rows
                                 if r["outcome"] != "error")
    print("harnesses linked with:")
    for how, n in linked.most_common():
        print(f"  {n:>4}  {how}")
    functions = {(r["unit"], r["function"]): r["invalid"] for r in rows if r["invalid"]}
    if functions:
        print("functions with invalid inputs (the baseline's own runs):")
        for (unit, function), invalid in sorted(functions.items()):
            print(f"  {unit}:{function}: {invalid[0].removeprefix('inputs: ')}")


def compare(old: list[dict], new: list[dict]) -> None:
    """Both runs' outcomes over the candidates both judged (same unit, function, origin)."""
    def keyed(rows):
        return {(r["unit"], r["function"], r["origin"]): r for r in rows}

    def fate(row):
        return f"untestable ({why(row['reason'])})" if row["outcome"] == "untestable" \
            else row["outcome"]

    a, b = keyed(old), keyed(new)
    common = sorted(a.keys() & b.keys())
    print(f"candidates judged by both: {len(common)} (old {len(a)}, new {len(b)})")
    for name, side in (("old", a), ("new", b)):
        counts = collections.Counter(fate(side[k]) for k in common)
        print(f"  {name}:")
        for what, n in counts.most_common():
            print(f"    {n:>4}  {what}")
    moved = collections.Counter((fate(a[k]), fate(b[k])) for k in common
                                if fate(a[k]) != fate(b[k]))
    for (was, now), n in moved.most_common():
        print(f"  {was} -> {now}: {n}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", nargs="?", type=Path)
    parser.add_argument("--max-functions", type=int, default=3)
    parser.add_argument("--files", default="", help="comma-separated C files (default: all)")
    parser.add_argument("--json", type=Path, help="write every verdict here")
    parser.add_argument("--no-program", action="store_true",
                        help="judge each unit alone (stand-ins only), not with the project")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    parser.add_argument("--report", type=Path, metavar="JSON", help="print a --json file's")
    opts = parser.parse_args()
    if opts.report:
        report(json.loads(opts.report.read_text()))
        return 0
    if opts.compare:
        compare(*(json.loads(p.read_text()) for p in opts.compare))
        return 0
    if opts.work is None:
        parser.error("WORKDIR is needed")
    work = opts.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    tree, sources = build(fetch_lua(work), work)
    if opts.files:
        wanted = set(opts.files.split(","))
        sources = {s: f for s, f in sources.items() if s in wanted}
    rows = judge(tree, work, sources, opts.max_functions, not opts.no_program)
    report(rows)
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
