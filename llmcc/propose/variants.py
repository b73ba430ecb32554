"""The ``variants`` proposer: gcc's own code for a function when the unit is compiled under
other optimization settings (-O2, unrolling, no vectorization ...), with the static helpers it
calls there that the baseline has not; needs no model."""

from __future__ import annotations

import contextlib
import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.asm.rename import normalized
from llmcc.files import exclusive_file
from llmcc.gcc_options import is_opt_level, recompile_flags
from llmcc.outcome import Outcome
from llmcc.records import Candidate, Failure, FunctionTask
from llmcc.subproc import child_env


class Variant(NamedTuple):
    """Flags that replace the baseline's -O level (when they name one) and are added last."""

    flags: tuple[str, ...]
    only_if: str = ""  # a regex the baseline function must match for the compile to be worth it


VARIANTS: tuple[Variant, ...] = (
    # No loop versioning, peeling or unroll-and-jam, and gcc 12 vectorizes at -O2 only when it
    # is "very cheap": wins where -O3's runtime checks, prologues and epilogues cost more than
    # they save (short or unknown trip counts) or its code growth hurts the caches.
    Variant(("-O2",)),
    # Scalar loops, with everything else -O3 does: the same trade-off as -O2 for functions
    # whose only -O3 advantage would be vector code that rarely runs at full width.
    Variant(("-O3", "-fno-tree-vectorize")),
    # Unrolling is on at no level without profile data; it removes branches and induction
    # updates from hot small loops (and gives the scheduler more independent work).
    Variant(("-O3", "-funroll-loops")),
    # The unrolled scalar loop without -O3's vector versioning.
    Variant(("-O2", "-funroll-loops")),
    # Loops kept as loops rather than calls to memset/memcpy/memmove: for the small sizes
    # common inside hot functions the call costs more than inline stores. Only meaningful
    # when gcc's code for the function makes such a call.
    Variant(("-O3", "-fno-tree-loop-distribute-patterns"),
            only_if=r"\b(?:call|jmp)\s+(?:memset|memcpy|memmove)\b"),
    # Loop heads on 32-byte boundaries instead of gcc's 16 (with a skip limit): a hot loop
    # straddling a fetch or micro-op cache line runs slower. Loop-free code is unchanged
    # and deduplicated away.
    Variant(("-O3", "-falign-loops=32")),
)

# Leave this much of the budget for killing compiles that ran out of time.
_KILL_MARGIN_S = 0.1

class VariantArgs(NamedTuple):
    args: tuple[str, ...]  # the options; the compile adds ``-w -S -o OUT SOURCE``
    detail: str  # for the candidate's origin: the level and options the variant set


def _level_of(args: list[str]) -> str:
    levels = [a for a in args if is_opt_level(a)]
    return levels[-1] if levels else ""  # the last -O wins


def variant_args(flags: tuple[str, ...], variant: Variant) -> VariantArgs | None:
    """The options that compile the unit as ``flags`` do, changed as ``variant`` says;
    None when that changes nothing.

    The variant's -O level replaces the user's, other user options stay in place (-I, -D,
    -std, -m, -g, -f ...), and the variant's own options come last, so they win.
    """
    args = recompile_flags(flags)
    user_level = _level_of(args)
    level, extra = user_level, list(variant.flags)
    if extra and is_opt_level(extra[0]):
        level = extra.pop(0)
    if user_level == "-Ofast":  # keep the floating-point semantics the user asked for
        if level == "-O3":
            level = "-Ofast"
        elif level != "-Ofast":
            extra.append("-ffast-math")
    if level == user_level and not extra:
        return None  # the baseline's own compile
    kept = [a for a in args if not is_opt_level(a)]
    chosen = [level] if level else []
    return VariantArgs((*kept, *chosen, *extra), " ".join([*chosen, *extra]))


class _Build(NamedTuple):
    module: Module | None  # None: gcc rejected the variant (it will again: remembered)
    final: bool  # False when it ran out of time (a later, longer budget may try again)


class Variants:
    """Candidates from compiling the same translation unit under the VARIANTS settings.

    Each variant compiles the whole unit once; the builds of the latest unit are kept, so
    every function of a unit after the first costs no compile. ``last_failure`` (a Failure)
    says when a call was not heard: it raised, or its budget ended before any variant's
    compile finished.
    """

    name = "variants"

    def __init__(self, variants: tuple[Variant, ...] = VARIANTS) -> None:
        self.variants = variants
        self.last_failure: Failure | None = None
        self._unit: tuple[str, str, tuple[str, ...]] | None = None
        self._builds: dict[tuple[str, ...], _Build] = {}  # by the compile's arguments

    def propose(self, task: FunctionTask, budget_s: float) -> list[Candidate]:
        deadline = time.monotonic() + budget_s
        self.last_failure = None
        try:
            return self._propose(task, deadline)
        except Exception as exc:  # a proposer never breaks a build
            self.last_failure = Failure(Outcome.PROPOSER_FAILED,
                                        f"variants failed: {type(exc).__name__}: {exc}")
            return []

    def _propose(self, task: FunctionTask, deadline: float) -> list[Candidate]:
        unit = (task.compiler, task.source, task.flags)
        if unit != self._unit:
            self._unit, self._builds = unit, {}
        builds = self._builds
        baseline_text = task.baseline_text
        todo: list[VariantArgs] = []
        for variant in self.variants:
            if variant.only_if and not re.search(variant.only_if, baseline_text):
                continue
            va = variant_args(task.flags, variant)
            if va is not None and all(va.args != other.args for other in todo):
                todo.append(va)  # (two variants may come to the same compile under -Ofast)

        missing = [va for va in todo if va.args not in builds or not builds[va.args].final]
        futures: dict[VariantArgs, Future[_Build]] = {}
        if missing and deadline - time.monotonic() > _KILL_MARGIN_S:
            env = child_env(task.compiler)
            pool = ThreadPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1))
            try:
                for va in missing:
                    futures[va] = pool.submit(_build, task, va, env, deadline - _KILL_MARGIN_S)
                wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
            finally:
                # compiles not started are dropped; started ones end by their own time-out
                pool.shutdown(wait=False, cancel_futures=True)
            for va, fut in futures.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    builds[va.args] = fut.result()

        if todo and not any(va.args in builds and builds[va.args].final for va in todo):
            self.last_failure = Failure(Outcome.PROPOSER_CUT_SHORT,
                                        f"the budget ended before any of {len(todo)} variant "
                                        "compiles finished")
        seen = {normalized(baseline_text)}
        candidates: list[Candidate] = []
        for va in todo:
            build = builds.get(va.args)
            if build is None or build.module is None:
                continue
            fn = build.module.functions.get(task.name)
            if fn is None or fn.opaque:
                continue  # inlined away or holding code llmcc does not claim to understand
            # the local functions it calls that the baseline inlined away (or has with
            # other code) come along, renamed (Module.candidate_text)
            helpers = build.module.helpers(task.name, task.module)
            if any(build.module.functions[h].opaque or build.module.functions[h].binding
                   != "local" for h in helpers):
                continue  # never a second definition of a global
            text = build.module.candidate_text(task.name, task.module, helpers)
            key = normalized(text)
            if key in seen:
                continue  # the same code as the baseline's or an earlier variant's
            seen.add(key)
            candidates.append(Candidate(task.name, text, f"variants:{va.detail}"))
        return candidates


def _build(task: FunctionTask, va: VariantArgs, env: dict[str, str], deadline: float) -> _Build:
    """Compile the unit as ``va`` says; never raises."""
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        return _Build(None, final=False)
    try:
        out, fd = exclusive_file(task.workdir, "variant-", ".s")
        os.close(fd)
    except OSError:
        return _Build(None, final=False)
    # -w: a variant's warnings reach nobody, and -Werror must not fail it over them
    args = [task.compiler, *va.args, "-w", "-S", "-o", out, task.source]
    try:
        try:
            proc = subproc.run(args, timeout=timeout, env=env)
        except Exception:  # could not start, or ran out of time
            timed_out = time.monotonic() >= deadline
            return _Build(None, final=not timed_out)
        if not proc.ok:
            return _Build(None, final=True)
        with open(out, encoding="utf-8", errors="surrogateescape") as fh:
            return _Build(Module(fh.read()), final=True)
    except Exception:
        return _Build(None, final=True)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out)
