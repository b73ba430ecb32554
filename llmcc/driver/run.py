"""The compile path's front door: one compiler invocation, start to exit code.

Whatever happens inside, the user gets gcc's behaviour: pass-throughs run gcc
untouched, compiler errors are replayed by gcc itself, and llmcc's own
failures are logged and answered by running gcc with the original arguments.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import time
from typing import TYPE_CHECKING

from llmcc import log as logfile
from llmcc import subproc
from llmcc.driver.args import CompileJob, PassThrough, classify, expand_response_files
from llmcc.driver.compiler import resolve
from llmcc.errors import LlmccError
from llmcc.outcome import Outcome
from llmcc.subproc import child_env

if TYPE_CHECKING:
    from llmcc.config import Settings


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def compile_main(compiler_name: str | None, args: list[str]) -> int:
    """Run one compiler invocation; returns the exit status gcc would have returned."""
    start = time.monotonic()
    # a short-lived process that allocates many small objects: collection only costs time
    gc.disable()
    settings: Settings | None = None
    note = ""
    try:
        from llmcc.config import load

        settings = load()  # once per process: passed down from here
    except LlmccError as exc:
        note = f"configuration ignored: {exc}"
    log_path = logfile.log_path(settings.log if settings else os.environ.get("LLMCC_LOG", ""))

    def log(event: str, **fields: object) -> None:
        logfile.write(log_path, event, **fields)

    if note:
        log("error", reason=note)
    try:
        compiler = resolve(compiler_name or (settings.compiler if settings else "gcc"))
    except LlmccError as exc:
        import sys

        print(f"llmcc: error: {exc}", file=sys.stderr)
        log("error", reason=str(exc))
        return 127

    if _env_true("LLMCC_DISABLE") or settings is None or settings.disable:
        decision: CompileJob | PassThrough = PassThrough(
            Outcome.DISABLED if settings is not None else Outcome.INTERNAL_ERROR, note
        )
    else:
        decision = classify(expand_response_files(args))

    if isinstance(decision, PassThrough):
        code = passthrough(compiler, args)
        if decision.outcome is Outcome.LINK_ONLY and code == 0 and settings is not None:
            _record_link(settings, expand_response_files(args))
        _record(log, decision.outcome, start, args, decision.detail)
        return code

    from llmcc.driver.compile import CompilerFailed, run_job

    try:
        result = run_job(decision, compiler, settings, log)
    except CompilerFailed:
        code = passthrough(compiler, args)
        _record(log, Outcome.COMPILER_ERROR, start, args)
        return code
    except Exception as exc:  # on any doubt, plain gcc: never fail a build gcc would pass
        log("error", reason=f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
            args=" ".join(args))
        code = passthrough(compiler, args)
        _record(log, Outcome.INTERNAL_ERROR, start, args, type(exc).__name__)
        return code
    rewritten = sum(len(r.rewritten) for r in result.sources)
    functions = sum(r.functions for r in result.sources)
    _record(log, result.outcome, start, args, f"{rewritten}/{functions} functions rewritten")
    return result.exit_code


def _record_link(settings: Settings, args: list[str]) -> None:
    """What a link says of the project's program (its objects, the libraries it links
    with), for the verifier's harnesses (llmcc.cache.program). Never fails the link."""
    if settings.mode == "off" or "-c" in args:
        return
    with contextlib.suppress(Exception):
        from llmcc.cache.caches import open_project
        from llmcc.cache.program import ProgramIndex

        ProgramIndex(open_project(settings)).record_link(args, os.getcwd())


def passthrough(compiler: str, args: list[str]) -> int:
    """Run the compiler with the original arguments and our stdio; mirror how it ended."""
    proc = subproc.run([compiler, *args], env=child_env(compiler), capture=False, timeout=None)
    if proc.returncode < 0:
        sig = -proc.returncode
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    return proc.returncode


def _record(log, outcome: Outcome, start: float, args: list[str], detail: str = "") -> None:
    log("compile", outcome=outcome.value, seconds=f"{time.monotonic() - start:.3f}",
        cwd=os.getcwd(), detail=detail or "-", args=" ".join(args))
