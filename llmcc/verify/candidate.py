"""The baseline a candidate for one function of a C file is judged against: the unit at
the user's flags with -O3 (pipeline.verify_candidate runs the stages; `llmcc verify`)."""

from __future__ import annotations

import os

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.errors import LlmccError, ToolError
from llmcc.gcc_options import is_opt_level


def baseline_flags(flags: tuple[str, ...], level: str = "-O3") -> tuple[str, ...]:
    """The user's flags at the baseline optimization level (the last -O wins)."""
    kept = tuple(f for f in flags if not is_opt_level(f))
    return (*kept, level)


def compile_baseline(source: str, compiler: str, flags: tuple[str, ...], workdir: str) -> Module:
    if not os.path.isfile(source):
        raise LlmccError(f"{source}: no such file")
    out = os.path.join(workdir, "baseline.s")
    proc = subproc.run([compiler, *flags, "-S", source, "-o", out])
    if not proc.ok:
        first = next((ln for ln in proc.stderr.decode(errors="replace").splitlines()
                      if "error" in ln), proc.stderr.decode(errors="replace").strip())
        raise ToolError(f"gcc cannot compile {source}: {first}")
    with open(out, encoding="utf-8", errors="surrogateescape") as fh:
        return Module(fh.read())
