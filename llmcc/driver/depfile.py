"""Dependency-file options for the compile step, so its ``.d`` is the one gcc would write.

llmcc compiles with ``-S -o TMP.s``; left alone, gcc would then name the
dependency file and its target after TMP.s. For ``-MD``/``-MMD`` this adds the
``-MF`` and ``-MQ`` gcc derives from the real output (gcc -dumpspecs:
``%{MD:-MD %{!o:%b.d}%{o*:%.d%*}}`` and ``-MQ %{o*}``). ``-Wp,-MD,path`` needs
nothing: its target comes from the input name, not the output. Where the user asked for
no dependency file but the object cache needs the included files, llmcc asks for one of its
own (``own_dependency_args``).
"""

from __future__ import annotations

import os

from llmcc.driver.args import CompileJob, Source


def dependency_args(job: CompileJob, source: Source) -> list[str]:
    deps = job.deps
    if not deps.driver_md:
        return []
    obj = job.object_name(source)
    extra = []
    if deps.depfile is None:
        extra += ["-MF", depfile_path(job, source)]
    if not deps.has_target:
        extra += ["-MQ", obj]
    return extra


def own_dependency_args(path: str) -> list[str]:
    """A dependency file at ``path`` where the user asked for none: the object cache's
    manifest names the files the unit included."""
    return ["-MD", "-MF", path]


def depfile_path(job: CompileJob, source: Source) -> str | None:
    """The dependency file the compile of ``source`` writes, if any."""
    deps = job.deps
    if deps.driver_md:
        if deps.depfile is not None:
            return deps.depfile
        base = job.output if job.output is not None else os.path.basename(source.path)
        return os.path.splitext(base)[0] + ".d"
    for arg in job.args:
        if arg.startswith(("-Wp,-MD,", "-Wp,-MMD,")):
            return arg.split(",", 2)[2]
    return None
