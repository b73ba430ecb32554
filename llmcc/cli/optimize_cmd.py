"""`llmcc optimize [--watch SECONDS]`: work through the queue that builds in ``async`` mode
left: compile each queued unit, offer its undecided functions to the proposers, verify and
time the candidates, and record the decisions, so the next build uses them. With --watch
it keeps waiting for new jobs until none has come for that long (a background worker:
`llmcc optimize --watch 600 &`). Functions come in the order of the project's profile
(`llmcc profile`) when there is one, and the build budget (build_max_functions,
build_budget_s) holds here too: once it is spent, the worker stops and leaves the rest of
the queue for later."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING

from llmcc import log as logfile
from llmcc.cache.budget import BuildBudget
from llmcc.cache.caches import Caches, open_project
from llmcc.cache.project import ProjectCache
from llmcc.cache.queue import Job, Refused, claim, pending, requeue_stale
from llmcc.config import Settings, load
from llmcc.errors import CacheError, LlmccError

if TYPE_CHECKING:
    from llmcc.pipeline import PipelineResult
    from llmcc.propose import Proposer


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc optimize", description=__doc__.splitlines()[0])
    parser.add_argument("--watch", type=float, default=0.0, metavar="SECONDS",
                        help="wait for new jobs until none came for this long")
    opts = parser.parse_args(args)
    settings = load()
    from llmcc import propose

    proposers = propose.load(settings)
    if not proposers:
        print("llmcc optimize: error: no proposers configured (set proposers, e.g. variants)",
              file=sys.stderr)
        return 2
    project = open_project(settings)
    requeue_stale(project)
    budget = BuildBudget.from_config(project.folder, settings)

    def spent() -> bool:
        return budget is not None and budget.spent()

    done = 0
    idle_since = time.monotonic()
    while not spent():
        for job in claim(project, more=lambda: not spent()):
            try:
                if isinstance(job, Refused):
                    raise CacheError(job.reason)
                result = _optimize(job, settings, project, proposers, budget)
            except CacheError as exc:  # never run: one line says why
                print(f"llmcc optimize: queued job {job.name} refused: {exc}",
                      file=sys.stderr)
                logfile.write(logfile.log_path(settings.log), "queue", action="refused",
                              job=job.name, reason=str(exc))
                continue
            done += 1
            rewritten = result.rewritten if result else []
            project.drop_objects()  # the next build splices the new decisions in
            print(f"{job.source}: {len(job.functions)} functions offered, "
                  f"{len(rewritten)} rewritten{': ' + ', '.join(rewritten) if rewritten else ''}"
                  + (f"; {len(result.over_budget)} left untried ({result.budget.value})"
                     if result and result.over_budget else ""), flush=True)
            idle_since = time.monotonic()
        if time.monotonic() - idle_since >= opts.watch:
            break
        time.sleep(min(2.0, opts.watch))
    if spent():  # what is left stays queued (and builds queue untried functions again)
        print(f"llmcc optimize: build budget spent ({budget.describe(budget.state())}); "
              f"{len(pending(project))} queued units left for later")
    print(f"llmcc optimize: {done} queued units done")
    return 0


def _optimize(job: Job, settings: Settings, project: ProjectCache, proposers: list[Proposer],
              budget: BuildBudget | None) -> PipelineResult | None:
    """The unit of ``job`` through the pipeline; None when it does not compile any more.
    CacheError when the job asks for what no build of llmcc's would run (_check)."""
    from llmcc import pipeline, subproc
    from llmcc.asm.module import parse_module
    from llmcc.files import private_dir, remove_dir

    tmp = private_dir(settings.temp_dir)
    here = os.getcwd()
    try:
        try:
            os.chdir(job.cwd)  # the unit's flags and paths are relative to where it was built
        except OSError as exc:
            raise CacheError(f"its folder: {exc.strerror}") from None
        compiler = _check(job, project)
        asm = os.path.join(tmp, "unit.s")
        proc = subproc.run([compiler, *job.flags, "-S", job.source, "-o", asm],
                           env=subproc.child_env(compiler))
        if not proc.ok:
            print(f"{job.source}: does not compile any more; skipped", file=sys.stderr)
            return None
        with open(asm, encoding="utf-8", errors="surrogateescape") as fh:
            module = parse_module(fh.read())
        # the job's own decisions and profile; its counters are not added to the project's
        return pipeline.optimize(pipeline.UnitTask.configured(
            module, source=job.source, compiler=compiler, flags=job.flags, workdir=tmp,
            settings=settings, proposers=proposers, caches=Caches(project, budget=budget),
            build=False))
    finally:
        os.chdir(here)
        remove_dir(tmp)


def _check(job: Job, project: ProjectCache) -> str:
    """The compiler to run for ``job``: the one its build ran, as llmcc resolves it itself
    (an executable file that is not llmcc) and with the identity the build recorded; and
    its flags must be ones the driver compiles with itself (no -fplugin, -wrapper, response
    files...). The job is sealed as this user's, so this guards against a compiler replaced
    since, and keeps optimize to what a build would run. CacheError says what is wrong."""
    from llmcc.cache.keys import compiler_identity
    from llmcc.driver.args import CompileJob, classify
    from llmcc.driver.compiler import resolve

    try:
        compiler = resolve(job.compiler)
    except LlmccError as exc:
        raise CacheError(f"its compiler: {exc}") from None
    if compiler != job.compiler or \
            compiler_identity(compiler, project.shared) != job.compiler_id:
        raise CacheError("its compiler is not the one its build ran")
    if any(flag.startswith("@") for flag in job.flags):
        raise CacheError("a response file among its flags")
    verdict = classify([*job.flags, "-c", job.source])
    if not isinstance(verdict, CompileJob):
        raise CacheError(f"flags a build would not optimize with ({verdict.outcome.value}"
                         f"{': ' + verdict.detail if verdict.detail else ''})")
    return compiler
