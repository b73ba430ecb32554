"""`llmcc profile -- CMD ...`: where CMD spends its time, per function, for builds to use.

CMD runs under perf; the samples per function of the project's binaries are kept in the
project's cache, and builds offer the hottest functions first (with profile_only, only the
functions that ran).

    llmcc profile [--add] [--keep-failed] [--top N] -- CMD [ARGS ...]
    llmcc profile --show [--top N]     the stored profile
    llmcc profile --clear              forget it (builds go back to the default order)

perf samples the cpu-clock software event, which needs no hardware counters; the kernel
must let users sample their own programs (kernel.perf_event_paranoid 2 or less).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from llmcc import subproc
from llmcc.cache import profile as profiles
from llmcc.cache.caches import open_project
from llmcc.cache.project import ProjectCache
from llmcc.config import load
from llmcc.errors import LlmccError, ToolError
from llmcc.files import private_dir, remove_dir

PARANOID = "/proc/sys/kernel/perf_event_paranoid"
# perf script on a long recording: minutes of samples take seconds to symbolize
SCRIPT_TIMEOUT_S = 600.0


def main(args: list[str]) -> int:
    doc = __doc__.splitlines()
    parser = argparse.ArgumentParser(prog="llmcc profile", description=doc[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(doc[2:]))
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--show", action="store_true", help="print the stored profile")
    what.add_argument("--clear", action="store_true", help="remove the stored profile")
    parser.add_argument("--add", action="store_true",
                        help="add this run's samples to the stored profile instead of "
                             "replacing it (several workloads)")
    parser.add_argument("--keep-failed", action="store_true",
                        help="store the profile even when CMD exits with an error")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="functions to print (default 10)")
    split = args.index("--") if "--" in args else len(args)
    opts = parser.parse_args(args[:split])
    command = args[split + 1:]
    config = load()
    project = open_project(config)
    if opts.show or opts.clear:
        if command:
            parser.error("--show and --clear take no command")
        return _show(project, opts.top) if opts.show else _clear(project)
    if not command:
        parser.error("name the command to profile: llmcc profile -- CMD [ARGS ...]")
    return _record(project, command, opts, config.temp_dir)


def _record(project: ProjectCache, command: list[str], opts, temp_dir: str) -> int:
    perf = shutil.which("perf")
    if perf is None:
        raise ToolError("perf not found on PATH (Debian/Ubuntu: apt-get install linux-perf)")
    if shutil.which(command[0]) is None:
        raise ToolError(f"cannot run {command[0]!r}: not found")
    tmp = private_dir(temp_dir)
    try:
        data = os.path.join(tmp, "perf.data")
        # CMD keeps the terminal: its output is the user's, and perf's -q keeps perf's own
        # chatter out of it. perf exits with CMD's status.
        ran = subproc.run([perf, "record", "-q", "-e", "cpu-clock", "-o", data, "--", *command],
                          capture=False, timeout=None)
        script = subproc.run([perf, "script", "-i", data, "-F", "ip,sym,dso"],
                             timeout=SCRIPT_TIMEOUT_S)
    finally:
        remove_dir(tmp)
    if not script.ok:
        raise ToolError(f"perf record failed (exit {ran.returncode}); the kernel must allow "
                        f"sampling (kernel.perf_event_paranoid is {_paranoid()}, at most 2 "
                        "works)")
    samples = profiles.parse_script(script.stdout.decode(errors="replace"), project.project)
    if ran.returncode != 0 and not opts.keep_failed:
        print(f"llmcc profile: error: {shlex.join(command)} exited with status "
              f"{subproc.exit_status(ran.returncode)}; profile not stored (--keep-failed "
              "stores it anyway)", file=sys.stderr)
        return subproc.exit_status(ran.returncode) or 1
    _check(samples, project.project, ran.seconds)
    new = profiles.profile_of(samples, shlex.join(command))
    old = profiles.load(project.folder) if opts.add else None
    stored = profiles.added(old, new) if old else new
    profiles.save(project.folder, stored)
    project.remember_project()
    project.drop_objects()  # cached objects were built in the old order: build afresh
    print(f"llmcc profile: {samples.total} samples in {ran.seconds:.1f} s, "
          f"{new.samples} ({new.share(new.samples):.1%}) in this project's binaries "
          f"({', '.join(sorted(_short(b, project.project) for b in samples.binaries))})")
    _table(stored, opts.top)
    told = "added to the stored profile" if old else "stored"
    print(f"{told} for {project.project}: builds offer these functions first")
    return 0


def _check(samples: profiles.Samples, root: Path, seconds: float) -> None:
    """A recording that cannot order anything is an error, said in one line."""
    if not samples.total:
        raise LlmccError(f"perf took no samples in {seconds:.1f} s (did the command run?)")
    if not samples.binaries:
        raise LlmccError(f"none of the {samples.total} samples fell in a binary under "
                         f"{root}: profile programs built in this project")
    if not samples.functions:
        raise LlmccError("the project's binaries have no symbols (stripped?): "
                         f"{samples.unnamed} samples without a function name")


def _show(project: ProjectCache, top: int) -> int:
    stored = profiles.load(project.folder)
    if stored is None:
        raise LlmccError(f"no profile for {project.project} (llmcc profile -- CMD records one)")
    age = time.time() - stored.recorded
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stored.recorded))
    print(f"profile of {project.project}, recorded {when} ({_ago(age)} ago)")
    for command in stored.commands:
        print(f"  command: {command}")
    print(f"{stored.total} samples, {stored.samples} ({stored.share(stored.samples):.1%}) in "
          f"the project's binaries, {len(stored.functions)} functions")
    _table(stored, top)
    return 0


def _clear(project: ProjectCache) -> int:
    if profiles.clear(project.folder):
        project.drop_objects()
        print(f"profile of {project.project} removed")
    else:
        print(f"no profile for {project.project}")
    return 0


def _table(stored: profiles.Profile, top: int) -> None:
    ranked = stored.ranked()
    print(f"  {'share':>6}  {'samples':>8}  function")
    for name, count in ranked[:max(top, 0)]:
        print(f"  {stored.share(count):>6.1%}  {count:>8}  {name}")
    if len(ranked) > top > 0:
        print(f"  ... {len(ranked) - top} more (--top N)")


def _short(binary: str, root: Path) -> str:
    try:
        return str(Path(binary).resolve().relative_to(root))
    except (OSError, ValueError):
        return binary


def _ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _paranoid() -> str:
    try:
        with open(PARANOID) as fh:
            return fh.read().strip()
    except OSError:
        return "unknown"
