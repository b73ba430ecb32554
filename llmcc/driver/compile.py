"""Running a CompileJob: gcc -S at the baseline level, the pipeline, assemble, place or link.

Outputs are produced in a private temporary directory and moved into place
only when every source succeeded, so a failure at any point leaves the
user's files as they were and the caller can fall back to plain gcc.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, NamedTuple

from llmcc import subproc
from llmcc.cache.caches import Caches, open_caches
from llmcc.driver.args import CompileJob, Source
from llmcc.driver.depfile import dependency_args, depfile_path, own_dependency_args
from llmcc.errors import ToolError
from llmcc.files import exclusive_file, private_dir, remove_dir
from llmcc.gcc_options import recompile_flags
from llmcc.outcome import Outcome
from llmcc.subproc import child_env

if TYPE_CHECKING:
    from llmcc.cache.objects import ObjectCache
    from llmcc.config import Settings

_COLOR_OPTIONS = ("-fdiagnostics-color", "-fno-diagnostics-color")
_URL_OPTIONS = ("-fdiagnostics-urls", "-fno-diagnostics-urls")


class CompilerFailed(Exception):
    """gcc itself rejected the source: the caller replays gcc's own run."""


class SourceResult(NamedTuple):
    source: Source
    object_path: str
    stdout: bytes
    stderr: bytes
    rewritten: list[str]
    functions: int


class CompileResult(NamedTuple):
    outcome: Outcome
    exit_code: int
    sources: list[SourceResult]


def baseline_args(job: CompileJob, baseline: str) -> list[str]:
    """The user's arguments with every speed -O level set to the baseline's."""
    args = list(job.args)
    if baseline != "keep" and job.opt_level != "-Ofast":
        for i in job.opt_index:
            args[i] = baseline
    return args


def unit_flags(job: CompileJob, args: list[str]) -> tuple[str, ...]:
    """The options that shape the code of the job's sources, without inputs, outputs or
    dependency-file options: what the verifier, timer and proposers compile a unit with."""
    inputs = {s.index for s in job.sources} | set(job.link_inputs)
    return tuple(recompile_flags([a for i, a in enumerate(args) if i not in inputs]))


def compile_step_args(job: CompileJob, source: Source, args: list[str], asm_out: str,
                      own_depfile: str | None = None) -> list[str]:
    """Arguments that make gcc write ``source``'s assembly to ``asm_out``, and nothing else
    but the dependency file the user asked for, or else ``own_depfile`` (llmcc's own, for
    the object cache's manifest).

    Other sources and linker inputs go (with -S gcc would warn that they are
    unused), and so do -c and -o.
    """
    drop = {s.index for s in job.sources if s is not source} | set(job.link_inputs)
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-o":
            i += 2
            continue
        if not (i in drop or arg == "-c" or (arg.startswith("-o") and len(arg) > 2)):
            out.append(arg)
        i += 1
    out += dependency_args(job, source)
    # gcc colours a terminal and may add option URLs; its stderr here is a pipe, so ask
    if _gcc_would_colorize() and not any(a.startswith(_COLOR_OPTIONS) for a in args):
        out.append("-fdiagnostics-color=always")
    if _gcc_would_link_urls() and not any(a.startswith(_URL_OPTIONS) for a in args):
        out.append("-fdiagnostics-urls=always")
    if own_depfile is not None:
        out += own_dependency_args(own_depfile)
    out += ["-S", "-o", asm_out]
    return out


def _gcc_would_colorize() -> bool:
    """gcc's -fdiagnostics-color=auto rule: stderr is a terminal and TERM is set, not "dumb"."""
    term = os.environ.get("TERM")
    return term is not None and term != "dumb" and os.isatty(2)


def _gcc_would_link_urls() -> bool:
    """gcc's -fdiagnostics-urls=auto rule (diagnostic-color.cc, auto_enable_urls)."""
    if not _gcc_would_colorize():
        return False
    colorterm = os.environ.get("COLORTERM")
    if colorterm in ("xfce4-terminal", "gnome-terminal"):
        return False
    if "GCC_URLS" in os.environ or "TERM_URLS" in os.environ:
        return True
    return not (colorterm is None and os.environ.get("TERM") in ("xterm", "linux"))


def link_args(job: CompileJob, objects: dict[int, str]) -> list[str]:
    """The original arguments with each C source replaced by its object, order kept."""
    out: list[str] = []
    lang: str | None = None
    i = 0
    args = job.args
    while i < len(args):
        arg = args[i]
        if arg == "-x" and i + 1 < len(args):
            lang = None if args[i + 1] == "none" else args[i + 1]
        elif arg.startswith("-x") and len(arg) > 2:
            lang = None if arg[2:] == "none" else arg[2:]
        if i in objects:
            if lang is not None:
                # the object must not be read as source. Every later input under the same
                # -x is a C source replaced here too, so -x none may stay in force (putting
                # the language back after the last input makes gcc warn it has no effect)
                out += ["-x", "none", objects[i]]
                lang = None
            else:
                out.append(objects[i])
        else:
            out.append(arg)
        i += 1
    return out


def run_job(job: CompileJob, compiler: str, settings: Settings, log) -> CompileResult:
    """Compile every source through the pipeline, then place objects or link.

    Raises CompilerFailed when gcc rejects a source, and any other exception
    for llmcc's own failures; in both cases no output file has been touched.
    """
    env = child_env(compiler)
    args = baseline_args(job, settings.baseline)
    caches = open_caches(settings, compiler, objects=_keeps_object(job))
    if caches and caches.budget:
        caches.budget.touch()  # this compile is part of the build, even if it offers nothing
    objects = caches.objects if caches else None
    object_key = objects.direct_key(job.args, job.sources[0].path) if objects else None
    if object_key is not None:
        hit = objects.lookup(object_key)
        if hit is not None:
            return _from_cache(job, hit, caches)
    tmp = private_dir(settings.temp_dir)
    running = None
    try:
        stems = [f"{n}-{os.path.splitext(os.path.basename(s.path))[0]}"
                 for n, s in enumerate(job.sources)]
        own_depfile = None
        if object_key is not None and depfile_path(job, job.sources[0]) is None:
            # the included files, for the object cache's manifest (one source: the first)
            own_depfile = os.path.join(tmp, "includes.d")
        steps = [compile_step_args(job, source, args, os.path.join(tmp, stem + ".s"),
                                   own_depfile if n == 0 else None)
                 for n, (stem, source) in enumerate(zip(stems, job.sources, strict=True))]
        # gcc starts first: the pipeline's imports happen while it compiles
        running = subproc.start([compiler, *steps[0]], env=env)
        from llmcc import pipeline, propose
        from llmcc.asm.module import parse_module

        proposers = propose.load(settings)
        results: list[SourceResult] = []
        unheard = False  # a proposer failed on some function: the object is not kept
        for n, source in enumerate(job.sources):
            stem, step = stems[n], steps[n]
            asm_path = step[-1]
            proc = (running if n == 0 else subproc.start([compiler, *step], env=env)).wait()
            if not proc.ok:
                raise CompilerFailed(proc.stderr.decode(errors="replace"))
            with open(asm_path, encoding="utf-8", errors="surrogateescape") as fh:
                text = fh.read()
            module = parse_module(text)
            flags = unit_flags(job, args)
            outcome = pipeline.optimize(pipeline.UnitTask.configured(
                module, source=source.path, compiler=compiler, flags=flags, workdir=tmp,
                settings=settings, proposers=proposers, caches=caches, build=True))
            # what the build did not try waits for `llmcc optimize`: async mode's misses,
            # and in sync mode what a budget cut off (the object is still cached, so a
            # rebuild after `make clean` is as fast as ever) and what a proposer failed on
            # (that object is not kept: the next compile offers it again too)
            left = {"async": (*outcome.missed, *outcome.over_budget),
                    "sync": (*outcome.over_budget, *outcome.unheard)}.get(settings.mode, ())
            if left and caches:
                from llmcc.cache.queue import enqueue

                enqueue(caches.project, compiler, source.path, flags, left)
            if outcome.over_budget:  # once per unit, not per function
                log("budget", source=source.path, outcome=outcome.budget.value,
                    skipped=len(outcome.over_budget), functions=",".join(outcome.over_budget),
                    used=_budget_used(outcome.budget, caches, settings))
            unheard = unheard or bool(outcome.unheard)
            for decision in outcome.decisions:
                log("function", source=source.path, function=decision.name,
                    candidates=len(decision.verdicts),
                    chosen=decision.chosen.candidate.origin if decision.chosen else "-",
                    rejected=",".join(v.outcome.value for v in decision.verdicts
                                      if not v.accepted) or "-",
                    unheard=",".join(f"{name}:{f.outcome.value}"
                                     for name, f in decision.unheard.items()) or "-",
                    notes="; ".join(decision.notes) or "-")
            final_path = os.path.join(tmp, stem + ".final.s")
            with open(final_path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(outcome.module.emit())
            obj_path = os.path.join(tmp, stem + ".o")
            assemble = [compiler, *job.assembler_flags, "-c", "-x", "assembler", final_path,
                        "-o", obj_path]
            asm_proc = subproc.run(assemble, env=env)
            if not asm_proc.ok:
                raise ToolError("assembling the pipeline's output failed: "
                                + asm_proc.stderr.decode(errors="replace").strip()[:500])
            results.append(SourceResult(
                source, obj_path, proc.stdout + asm_proc.stdout, proc.stderr + asm_proc.stderr,
                outcome.rewritten, len(module.functions),
            ))
        exit_code = _finish(job, compiler, env, results)
        if caches and exit_code == 0:
            with contextlib.suppress(OSError):  # the program only helps the verifier
                _record_program(caches, job,
                                [(r.source, _read(r.object_path)) for r in results])
        # an object with a function no proposer has decided yet is not kept: the next
        # compile offers that function again (the cache has no decision for it)
        if object_key is not None and not unheard:
            _remember(objects, object_key, job, results[0], own_depfile)
        if caches:
            caches.close()
        rewritten = any(r.rewritten for r in results)
        return CompileResult(Outcome.OPTIMIZED if rewritten else Outcome.UNCHANGED, exit_code,
                             results)
    finally:
        if running is not None:
            running.kill()  # only still running if something failed before waiting on it
        remove_dir(tmp)


def _budget_used(which: Outcome, caches: Caches | None, settings: Settings) -> str:
    """What the spent budget allowed and used, for the log line."""
    if which is Outcome.BUILD_BUDGET_SPENT and caches and caches.budget:
        return caches.budget.describe(caches.budget.state())
    return f"{settings.unit_budget_s:g} s for the unit"


def _keeps_object(job: CompileJob) -> bool:
    """Can the object cache keep this compile's object? Only one source's, compiled with
    -c (gcc's dependency variables name files llmcc's manifest compile would not write)."""
    return len(job.sources) == 1 and not job.link and not (
        os.environ.get("DEPENDENCIES_OUTPUT") or os.environ.get("SUNPRO_DEPENDENCIES"))


def _from_cache(job: CompileJob, hit, caches: Caches) -> CompileResult:
    """Place a cached object (and dependency file) as the compile would have."""
    source = job.sources[0]
    target = job.object_name(source)
    depfile = depfile_path(job, source)
    staged = _stage_bytes_next_to(target, hit.object)
    try:
        if depfile is not None and hit.depfile is not None:
            staged_dep = _stage_bytes_next_to(depfile, hit.depfile.encode(), ".d")
            os.replace(staged_dep, depfile)
    except BaseException:
        os.unlink(staged)
        raise
    os.replace(staged, target)
    _replay(hit.stdout, hit.stderr)
    _record_program(caches, job, [(source, hit.object)])  # the bytes in hand, not read back
    caches.close()
    return CompileResult(Outcome.CACHED, 0, [SourceResult(source, target, hit.stdout,
                                                          hit.stderr, [], 0)])


def _record_program(caches: Caches, job: CompileJob, made: list[tuple[Source, bytes]]
                    ) -> None:
    """Keep a copy of each object in the project's program (llmcc.cache.program), for the
    harnesses of functions in other units. Objects of a compile that also links get a
    name of their own (``prog(a.o)``, as ar names members), and the link is recorded
    too. Never fails the compile: the program only helps the verifier."""
    with contextlib.suppress(Exception):
        program = caches.program()
        named = []
        for source, data in made:
            path = job.object_name(source)
            if job.link:
                path = f"{os.path.abspath(job.output or 'a.out')}({path})"
            program.record_object(source.path, path, data)
            named.append((source.index, path))
        if job.link:
            program.record_link(link_args(job, dict(named)), os.getcwd())


def _remember(objects: ObjectCache, key: str, job: CompileJob, result: SourceResult,
              own_depfile: str | None) -> None:
    from llmcc.cache.objects import CachedObject, included_files

    depfile = depfile_path(job, result.source)
    try:
        with open(job.object_name(result.source), "rb") as fh:
            made = fh.read()
        with open(own_depfile or depfile, encoding="utf-8", errors="surrogateescape") as fh:
            dep_text = fh.read()
    except (OSError, TypeError):
        return
    includes = included_files(dep_text)
    with contextlib.suppress(OSError):  # an unwritable cache: the object is not kept
        objects.save(key, includes, CachedObject(made, result.stdout, result.stderr,
                                                 dep_text if own_depfile is None else None))


def _finish(job: CompileJob, compiler: str, env: dict[str, str],
            results: list[SourceResult]) -> int:
    """Replay gcc's messages, then move objects into place or link them."""
    if not job.link:
        placed = []
        try:
            for r in results:
                target = job.object_name(r.source)
                placed.append((_stage_next_to(target, r.object_path), target))
        except BaseException:
            for staged, _ in placed:
                os.unlink(staged)
            raise
        for staged, target in placed:
            os.replace(staged, target)
    for r in results:
        _replay(r.stdout, r.stderr)
    if job.link:
        objects = {r.source.index: r.object_path for r in results}
        proc = subproc.run([compiler, *link_args(job, objects)], env=env, capture=False)
        return subproc.exit_status(proc.returncode)
    return 0


def _stage_next_to(target: str, built: str) -> str:
    """Copy ``built`` beside ``target`` so the final move is an atomic rename."""
    return _stage_bytes_next_to(target, _read(built))


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _stage_bytes_next_to(target: str, data: bytes, suffix: str = ".o") -> str:
    """Write ``data`` to a new file beside ``target``, created like gcc creates its output
    (mode 0666 less the umask)."""
    staged, fd = exclusive_file(os.path.dirname(target) or ".", ".llmcc-", suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        os.unlink(staged)
        raise
    return staged


def _replay(stdout: bytes, stderr: bytes) -> None:
    if stdout:
        sys.stdout.buffer.write(stdout)
        sys.stdout.buffer.flush()
    if stderr:
        sys.stderr.buffer.write(stderr)
        sys.stderr.buffer.flush()
