"""Entry point of the ``llmcc`` command: a subcommand, or a compiler invocation.

``llmcc version|config|log|help ...`` are llmcc's own commands. Everything
else is a compiler command line: ``llmcc ARGS`` (the configured compiler),
``llmcc gcc ARGS`` / ``llmcc /path/to/gcc ARGS`` (an explicit compiler), or a
link named ``gcc``/``cc`` pointing at llmcc (masquerade).
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

# subcommand -> ("module[:function]" under llmcc.cli, one-line help); loaded on demand
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "version": ("version", "print llmcc's version and the compiler it wraps"),
    "config": ("config_cmd", "print the effective settings and where each came from"),
    "log": ("log_cmd", "show the invocation log (--summary counts outcomes)"),
    "verify": ("verify_cmd", "verify and time one candidate for one function"),
    "bench-function": ("verify_cmd:bench_main",
                       "like verify, with the timer's table per input and entry offset"),
    "optimize": ("optimize_cmd", "work through the queue that async builds left"),
    "report": ("report_cmd", "a Markdown or HTML page of the rewrites, their evidence and cost"),
    "check": ("check_cmd", "run the project's tests; reject rewrites that break them"),
    "bench": ("bench_cmd", "time a benchmark on the program built without and with the "
              "rewrites"),
    "cache": ("cache_cmd", "inspect the project's cache: stats, list, show, diff, clear, ..."),
    "profile": ("profile_cmd", "run a command under perf; builds offer its hottest functions "
                "first"),
    "serve": ("serve_cmd", "serve a GGUF model on loopback for the model proposer "
                           "(--status, --stop)"),
    "train": ("train_cmd", "train a Hugging Face model on the reward: ppo, grpo, rrhf, sft"),
    "export": ("export_cmd", "turn a Hugging Face checkpoint into a GGUF (--gguf DIR OUT)"),
    "dataset": ("dataset_cmd", "tasks for training and eval: build from C sources, import "
                "the research's benchmark"),
    "eval": ("eval_cmd", "sample, verify and time a model's answers on tasks; rates and "
             "speedups"),
    "help": ("help_cmd", "show this help"),
}

USAGE = """\
usage: llmcc [gcc arguments]            compile with the configured compiler (gcc)
       llmcc COMPILER [gcc arguments]   compile with COMPILER (gcc, cc, /path/to/gcc)
       llmcc SUBCOMMAND [options]       one of llmcc's own commands:
"""


def usage() -> str:
    lines = [USAGE]
    for name, (_, text) in SUBCOMMANDS.items():
        lines.append(f"  {name:<15} {text}\n")
    lines.append("\nSettings come from llmcc.toml and LLMCC_* variables; see `llmcc config`.\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    prog = os.path.basename(argv[0])
    args = argv[1:]
    try:
        from llmcc.driver.compiler import LLMCC_NAMES, looks_like_compiler

        if prog not in LLMCC_NAMES:  # masquerading as the compiler it is named after
            return _compile(argv[0], args)
        if not args:
            sys.stdout.write(usage())
            return 0
        first = args[0]
        if first in SUBCOMMANDS:
            return _subcommand(first, args[1:])
        if looks_like_compiler(first):
            return _compile(first, args[1:])
        return _compile(None, args)
    except KeyboardInterrupt:
        return 130


def _compile(compiler: str | None, args: list[str]) -> int:
    from llmcc.driver.run import compile_main

    code = compile_main(compiler, args)
    # a build runs this thousands of times: skip the interpreter's teardown
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _subcommand(name: str, args: list[str]) -> int:
    from llmcc.errors import LlmccError

    module_name, _, function = SUBCOMMANDS[name][0].partition(":")
    module = import_module(f"llmcc.cli.{module_name}")
    try:
        return getattr(module, function or "main")(args)
    except BrokenPipeError:  # the reader went away (`llmcc cache show f | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except LlmccError as exc:
        print(f"llmcc {name}: error: {exc}", file=sys.stderr)
        return 1
