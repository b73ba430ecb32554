"""Function tasks from C sources: every function the pipeline would offer, with its unit
preprocessed so the task compiles anywhere, its prompt, signature and verified harness, and
(optionally) the fastest version the variants proposer found."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from typing import NamedTuple

from llmcc import subproc
from llmcc.dataset.records import DatasetError, split_of
from llmcc.errors import LlmccError, ToolError
from llmcc.files import private_dir, remove_dir
from llmcc.gcc_options import recompile_flags
from llmcc.propose.prompt import PROMPT_VERSION, PromptInput, chat_messages, completion_prompt
from llmcc.records import FunctionTask
from llmcc.verify.candidate import baseline_flags, compile_baseline

# options that only the preprocessor reads: the preprocessed unit no longer needs them
# (joined forms like -Ifoo are dropped by prefix)
_PREPROCESSOR_ARG = frozenset({"-D", "-U", "-I", "-include", "-imacros", "-isystem",
                               "-idirafter", "-iquote", "-iprefix", "-iwithprefix",
                               "-iwithprefixbefore"})
_PREPROCESSOR_JOINED = ("-D", "-U", "-I")
# seconds the variants proposer may spend on one function (compiles of the whole unit)
VARIANTS_BUDGET_S = 60.0

Progress = Callable[[str], None]


class BuildResult(NamedTuple):
    tasks: list[dict]
    skipped: list[str]  # "<relpath>:<function>: why", for functions left out


def compile_flags(flags: tuple[str, ...]) -> tuple[str, ...]:
    """``flags`` without preprocessor-only options (what the preprocessed unit compiles
    with)."""
    out: list[str] = []
    args = recompile_flags(flags)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _PREPROCESSOR_ARG:
            i += 2
            continue
        if not arg.startswith(_PREPROCESSOR_JOINED):
            out.append(arg)
        i += 1
    return tuple(out)


def build_tasks(sources: list[str], *, flags: tuple[str, ...] = (), compiler: str = "gcc",
                eval_fraction: float = 0.2, with_variants: bool = False, root: str = ".",
                min_valid: int = 10, min_effect: float = 0.03,
                progress: Progress | None = None) -> BuildResult:
    """Function tasks for every offered function of ``sources`` (C files compiled with
    ``flags`` at -O3). A source that does not compile is an error naming it; a function
    whose harness cannot be built or has too few valid inputs is left out (``skipped``)."""
    tasks: list[dict] = []
    skipped: list[str] = []
    for source in sources:
        relpath = os.path.relpath(os.path.abspath(source), os.path.abspath(root))
        workdir = private_dir("")
        try:
            made, why = _source_tasks(source, relpath, flags, compiler, workdir,
                                      split_of(relpath, eval_fraction), with_variants,
                                      min_valid, min_effect, progress)
        finally:
            remove_dir(workdir)
        tasks += made
        skipped += why
    return BuildResult(tasks, skipped)


def _source_tasks(source: str, relpath: str, flags: tuple[str, ...], compiler: str,
                  workdir: str, split: str, with_variants: bool, min_valid: int,
                  min_effect: float, progress: Progress | None) -> tuple[list[dict], list[str]]:
    from llmcc.pipeline import offered

    bflags = baseline_flags(flags)
    compile_baseline(source, compiler, bflags, workdir)  # the user's file compiles at all
    unit = preprocess(source, compiler, bflags)
    uflags = compile_flags(bflags)
    unit_path = os.path.join(workdir, os.path.basename(source))
    with open(unit_path, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(unit)
    try:
        module = compile_baseline(unit_path, compiler, uflags, workdir)
    except ToolError as exc:
        raise DatasetError(f"{source}: the preprocessed unit does not compile: {exc}") from None
    variants = None
    if with_variants:
        from llmcc.propose.variants import Variants

        variants = Variants()
    tasks: list[dict] = []
    skipped: list[str] = []
    for fn in offered(module):
        where = f"{relpath}:{fn.name}"
        if progress:
            progress(where)
        ftask = FunctionTask(module, fn, unit_path, compiler, uflags, workdir, min_valid,
                             min_effect)
        try:
            sig, harness = _verified_harness(ftask)
        except LlmccError as exc:
            skipped.append(f"{where}: {exc}")
            continue
        prompt = PromptInput.from_task(ftask._replace(source=source))
        tasks.append({
            "id": where, "kind": "function", "split": split, "source": relpath, "unit": unit,
            "function": fn.name, "compiler": compiler, "flags": list(uflags),
            "prompt": completion_prompt(prompt), "messages": chat_messages(prompt),
            "baseline": module.function_text(fn.name), "c_source": prompt.c_source,
            "signature": _signature_json(sig), "harness": harness,
            "best": _best_variant(variants, ftask) if variants else None,
            "prompt_version": PROMPT_VERSION,
        })
    return tasks, skipped


def preprocess(source: str, compiler: str, flags: tuple[str, ...]) -> str:
    """``source`` through ``gcc -E`` with ``flags``: one text that compiles on its own."""
    proc = subproc.run([compiler, *recompile_flags(flags), "-E", source])
    if not proc.ok:
        first = proc.stderr.decode(errors="replace").strip().splitlines()[:1]
        raise ToolError(f"gcc cannot preprocess {source}: {' '.join(first)}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def _verified_harness(task: FunctionTask):
    """The function's signature and its differential harness run on the baseline against
    itself: a task is only as good as the tests that will judge its candidates."""
    from llmcc.pipeline import signature
    from llmcc.verify.harness import run_differential

    sig = signature(task.source, task.name, task.compiler, task.flags)
    if not sig.testable:
        raise LlmccError(f"untestable: the function {sig.untestable_reason}")
    result = run_differential(task.module, sig, task.baseline_text, compiler=task.compiler,
                              flags=task.flags, workdir=task.workdir, min_valid=task.min_valid)
    if result.outcome is not None:
        raise LlmccError(f"{result.outcome.value}: {result.reason}")
    return sig, {"run": result.counts.run, "valid": result.counts.valid}


def _signature_json(sig) -> dict:
    """The signature as the JSON it will be read back as (lists, not tuples)."""
    return json.loads(json.dumps(dataclasses.asdict(sig)))


def _best_variant(variants, task: FunctionTask) -> dict | None:
    """The fastest candidate of the variants proposer that the pipeline accepts."""
    from llmcc.pipeline import judge

    best = None
    for cand in variants.propose(task, VARIANTS_BUDGET_S):
        verdict = judge(cand, task)
        if not verdict.accepted or verdict.speedup is None or verdict.speedup.low is None:
            continue
        s = verdict.speedup
        if best is None or s.median > best["speedup"]:
            kept = s.rounded()
            best = {"text": cand.text, "speedup": kept.median, "ci_low": kept.low,
                    "origin": cand.origin}
    return best
