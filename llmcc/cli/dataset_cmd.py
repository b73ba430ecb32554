"""`llmcc dataset build SRC.c... --out tasks.jsonl` (function tasks from C sources) and
`llmcc dataset import FILE.jsonl|FILE.parquet --out tasks.jsonl` (program tasks from the
research benchmark's files): the tasks training and `llmcc eval` read."""

from __future__ import annotations

import argparse
import sys

from llmcc.errors import LlmccError


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction from 0 to 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmcc dataset",
        description="Tasks for training and llmcc eval: function tasks built from C sources, "
                    "or program tasks imported from the research benchmark's files.")
    sub = parser.add_subparsers(dest="action", required=True)
    build = sub.add_parser(
        "build", help="function tasks from C sources",
        description="One task per function the pipeline would offer: the unit preprocessed, "
                    "the -O3 assembly, prompt, signature and a verified test harness. "
                    "Flags after -- are the sources' gcc flags.")
    build.add_argument("sources", nargs="+", metavar="SRC.c")
    build.add_argument("--root", default=".",
                       help="task ids and splits use paths relative to this (default: .)")
    imp = sub.add_parser(
        "import", help="program tasks from the research benchmark's JSONL or parquet",
        description="Rows with a C program (c_code | src_code | program | source | code) and "
                    "stdin/stdout tests (tests | inputs+outputs | input+output), at the top "
                    "level or in extra_info (the research's verl parquet); the -O3 baseline is "
                    "compiled here.")
    imp.add_argument("file", metavar="FILE.jsonl|FILE.parquet")
    imp.add_argument("--limit", type=int, help="import the first N rows only")
    for p in (build, imp):
        p.add_argument("--out", required=True, metavar="tasks.jsonl")
        p.add_argument("--split-eval", type=_fraction, default=0.2, metavar="FRACTION",
                       help="share of sources (programs) in the eval split, by hash of the "
                            "path (id) so splits never leak (default: 0.2)")
    build.add_argument("--with-variants", action="store_true",
                       help="run the variants proposer and keep the fastest accepted version "
                            "of each function as the task's 'best' (slow: every candidate "
                            "is timed)")
    return parser


def main(args: list[str]) -> int:
    argv, flags = (args[:args.index("--")], args[args.index("--") + 1:]) if "--" in args \
        else (args, [])
    opts = _parser().parse_args(argv)
    from llmcc.config import load
    from llmcc.dataset.records import write_tasks
    from llmcc.driver.compiler import resolve

    config = load()
    compiler = resolve(config.compiler)
    if opts.action == "build":
        from llmcc.dataset.build import build_tasks

        result = build_tasks(opts.sources, flags=tuple(flags), compiler=compiler,
                             eval_fraction=opts.split_eval, with_variants=opts.with_variants,
                             root=opts.root, min_valid=config.min_valid_inputs,
                             min_effect=config.min_effect, progress=progress)
        what = f"{len(opts.sources)} source(s)"
    else:
        from llmcc.dataset.importer import import_tasks

        result = import_tasks(opts.file, compiler=compiler, flags=("-O3", *flags),
                              eval_fraction=opts.split_eval, limit=opts.limit,
                              progress=progress)
        what = opts.file
    progress("")
    for line in result.skipped:
        print(f"llmcc dataset: left out {line}", file=sys.stderr)
    if not result.tasks:
        raise LlmccError(f"no tasks from {what}: nothing llmcc can optimize and test")
    write_tasks(opts.out, result.tasks)
    splits = {s: sum(t["split"] == s for t in result.tasks) for s in ("train", "eval")}
    best = sum(1 for t in result.tasks if t.get("best"))
    notes = [f"{best} with a faster known version"] if best else []
    notes += [f"{len(result.skipped)} left out"] if result.skipped else []
    print(f"{opts.out}: {len(result.tasks)} tasks ({splits['train']} train, {splits['eval']} "
          f"eval){'; ' + ', '.join(notes) if notes else ''}")
    return 0


def progress(what: str) -> None:
    """One status line on a terminal, overwritten by the next ("" clears it)."""
    if sys.stderr.isatty():
        print(f"\r\033[K{what}", end="", file=sys.stderr, flush=True)
