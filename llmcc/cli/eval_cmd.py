"""`llmcc eval --model GGUF|URL|HF_DIR|variants --data tasks.jsonl [--samples K] [--json]`:
sample answers for every task, verify and time each one, and report compile, pass and
optimization rates and speedups (never clamped), beside the research's clamped figures."""

from __future__ import annotations

import argparse
import json

from llmcc.cli.dataset_cmd import progress
from llmcc.errors import LlmccError


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmcc eval",
        description="Sample answers for every task, verify and time each one, and report "
                    "compile, pass and optimization rates and speedups (never clamped), "
                    "beside the research's clamped figures.")
    parser.add_argument("--model", required=True,
                        help="variants (the proposer, no model), an http(s) URL of an "
                             "OpenAI-compatible server (…/v1), a .gguf file (served by llmcc "
                             "serve) or a Hugging Face model folder")
    parser.add_argument("--data", required=True, metavar="tasks.jsonl")
    parser.add_argument("--samples", type=_positive, default=4, metavar="K",
                        help="answers per task (default: 4; variants offers at most its "
                             "distinct candidates)")
    parser.add_argument("--split", choices=("eval", "train", "all"), default="eval",
                        help="which tasks (default: eval)")
    parser.add_argument("--limit", type=_positive, metavar="N", help="the first N tasks only")
    parser.add_argument("--api", choices=("chat", "completions"),
                        help="prompt form: chat messages or the completion prompt (default: "
                             "chat, but completions for a folder written by llmcc train, "
                             "which trains on the completion prompt)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--max-tokens", type=_positive, default=2048)
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes judging answers (default: one per CPU)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(args: list[str]) -> int:
    opts = _parser().parse_args(args)
    from llmcc.config import load
    from llmcc.dataset.records import load_tasks, select
    from llmcc.eval.run import evaluate
    from llmcc.eval.samplers import sampler_for

    tasks = select(load_tasks(opts.data), opts.split)
    if not tasks:
        raise LlmccError(f"{opts.data}: no task in the {opts.split} split (try --split all)")
    tasks = tasks[:opts.limit] if opts.limit else tasks
    kwargs = {"api": opts.api, "temperature": opts.temperature, "max_tokens": opts.max_tokens}
    sampler = sampler_for(opts.model, load(), **kwargs)
    try:
        result = evaluate(tasks, sampler, opts.samples, workers=opts.workers,
                          progress=None if opts.json else progress)
    finally:
        sampler.close()
    progress("")
    if opts.json:
        print(json.dumps({"data": opts.data, "split": opts.split, **result.as_json()},
                         indent=2))
    else:
        print(table(result, opts.data, opts.split))
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _x(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}x"


def _line(label: str, value: str) -> str:
    return f"  {label:<58} {value:>9}"


def table(result, data: str, split: str) -> str:
    m = result.metrics
    ps, pt, sp, pr = m["per_sample"], m["per_task"], m["speedup"], m["perfrl"]
    rows = [
        f"llmcc eval: {result.model} on {data} ({split} split): {m['tasks']} tasks, "
        f"{m['samples']} answers (up to {result.k} per task)",
        "",
        "per answer",
        _line("compiles (usable assembly)", _pct(ps["compile_rate"])),
        _line("passes every test", _pct(ps["pass_rate"])),
        _line("correct and changed (not a copy of the baseline)",
              _pct(ps["correct_and_changed_rate"])),
        _line("optimized (significantly faster, reproduced)", _pct(ps["optimized_rate"])),
        "per task (any of its answers)",
        _line("correct", _pct(pt["pass_at_k"])),
        _line("correct and changed", _pct(pt["correct_and_changed_at_k"])),
        _line("optimized", _pct(pt["optimized_at_k"])),
        "speedup, never clamped (the timer's median)",
        _line(f"geomean of correct changed answers (n={sp['timed_samples']})",
              _x(sp["geomean"])),
        _line("median of correct changed answers", _x(sp["median"])),
        _line("shipped: per task the fastest accepted, else 1.0 (geomean)",
              _x(sp["shipped_geomean"])),
        "for comparison, clamped as the research does (copies count, slower = 1.0)",
        _line("research: mean over tasks of max(1, best correct)",
              _x(m["research"]["clamped_mean_speedup"])),
        _line("PerfRL %OPT (best correct >= 1.10x)", f"{pr['opt_percent']:.1f}%"),
        _line("PerfRL SP (mean, incorrect or slower = 1.0)", _x(pr["sp"])),
        _line("PerfRL RTR (mean runtime reduction)", f"{pr['rtr_percent']:.1f}%"),
        "",
        f"  {'task':<40} {'answers':>7} {'correct':>7} {'faster':>6}  best speedup [95% interval]",
    ]
    by_task: dict[str, list] = {}
    for s in result.samples:
        by_task.setdefault(s.task, []).append(s)
    for task, group in by_task.items():
        timed = [s for s in group if s.correct and s.speedup is not None]
        best = max(timed, key=lambda s: s.speedup) if timed else None
        told = (f"{best.speedup:.3f}x [{best.ci_low:.3f}, {best.ci_high:.3f}]"
                if best and best.ci_low is not None else "-")
        rows.append(f"  {task:<40} {len(group):>7} {sum(s.correct for s in group):>7} "
                    f"{sum(s.faster for s in group):>6}  {told}")
    rows.append("")
    rows.append(f"time: sampling {result.seconds['sampling']:.1f} s, judging "
                f"{result.seconds['judging']:.1f} s")
    return "\n".join(rows)
