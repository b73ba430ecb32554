"""The differential harness: its C (differential_main.c after the shared inputs), built with
the unit and the trampoline, run on ``tests`` generated inputs, its report decoded."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.outcome import Outcome
from llmcc.records import Counts, ProgramParts
from llmcc.verify import templates
from llmcc.verify.harness.assembly import Copy, harness_assembly
from llmcc.verify.harness.inputs import InputHints, buffer_params, call_arguments, inputs_source
from llmcc.verify.harness.link import STAND_IN_EXIT, Linked, link_harness
from llmcc.verify.harness.report import Report, decode
from llmcc.verify.harness.trampoline import scratch_source, trampoline
from llmcc.verify.registers import preserved_for_callers
from llmcc.verify.signature import (
    CType,
    External,
    Signature,
    c_prototype,
    external_declarations,
)

CANDIDATE_SUFFIX = "__llmcc_cand"
# a call that takes longer than this (CPU seconds) is a hang; the baseline's are discarded
CALL_TIMEOUT_S = 2
# inputs the baseline takes longer than this on (wall clock, child start included) are
# discarded too: a correct candidate only a little slower would run into CALL_TIMEOUT_S
SLOW_BASELINE_US = CALL_TIMEOUT_S * 1_000_000 // 4
# the candidate's wall-clock limit on an input: this many times the baseline's time on it
# (child start included), at least TIME_FLOOR_US, at most 3 x CALL_TIMEOUT_S
TIME_SLACK = 20
TIME_FLOOR_US = 250_000
# address space of a child that runs one call (the harness itself needs a few MiB)
MEMORY_LIMIT_MB = 2048
DEFAULT_TESTS = 200


class DiffResult(NamedTuple):
    outcome: Outcome | None  # None when no input told the two apart
    reason: str
    counts: Counts
    # the inputs the baseline survives (when none failed): test numbers, plus STRINGS_IN_PLACE
    # where that test's strings moved to a guard page made the baseline itself fault
    valid_inputs: tuple[int, ...] = ()
    # what the link needed beyond the harness's own files (Linked.extra): the timer's too
    link: tuple[str, ...] = ()
    # how the harness was linked and why inputs were not valid, for people
    notes: tuple[str, ...] = ()
    # the stand-ins inputs were lost to: functions the baseline reached, data the function
    # names (FunctionDecision.waiting)
    waiting: tuple[str, ...] = ()


def harness_source(sig: Signature, function: str, tests: int,
                   hints: InputHints, preserved: frozenset[str] = frozenset()) -> str:
    """C text of the differential harness for ``sig`` (see the module docstring); every
    call also keeps the caller-saved registers ``preserved`` (those callers in the unit may
    rely on: llmcc.verify.registers.preserved_for_callers)."""
    lines = [inputs_source(sig, [function, function + CANDIDATE_SUFFIX], hints)]
    lines.append(scratch_source(preserved, sig))
    lines.append("static void llmcc_call(int cand, struct inputs *in, struct out *o) {")
    lines.append("    llmcc_scratch_setup();")
    ret = sig.return_type
    lines.append(f"    llmcc_target = cand ? (void *){function}{CANDIDATE_SUFFIX} "
                 f": (void *){function};")
    lines.append(f"    __typeof__({function}) *through = (__typeof__({function}) *)llmcc_tramp;")
    if ret.kind == "void":
        lines.append(f"    through({call_arguments(sig)});")
    else:
        lines.append(f"    {_declare_like(sig, 'r')} = through({call_arguments(sig)});")
    lines.append("    if (llmcc_abi_bad & 31) _exit(64 + (llmcc_abi_bad & 31));")
    lines.append("    int changed = llmcc_scratch_changed();")
    lines.append("    if (changed >= 0) _exit(LLMCC_SCRATCH_EXIT + changed);")
    lines.append("    unsigned char stack_bits = (unsigned char)(llmcc_abi_bad >> 5);")
    lines.append("    llmcc_out_bytes(o, &stack_bits, 1);")
    if ret.kind != "void":
        lines.extend("    " + s for s in _record_return(ret))
    for i in buffer_params(sig):
        lines.append(f"    llmcc_out_bytes(o, in->buf{i}, in->len{i});")
    lines.append("    llmcc_out_globals(o);\n}")
    lines.append(_main(tests))
    return "\n".join(lines) + "\n"


def _record_return(ret: CType) -> list[str]:
    if ret.kind == "float" and ret.size > 8:  # x87 long double: 10 bytes mean something
        return ["llmcc_out_bytes(o, &r, 10);"]
    if ret.kind in ("struct", "union") and ret.fields:
        parts = []
        for f in ret.fields:
            if f.bit_size is None and f.name and f.ctype.size:
                parts.append(f"llmcc_out_bytes(o, (unsigned char *)&r + {f.offset}, "
                             f"{f.ctype.size});")
            elif f.bit_size is not None:  # the bytes holding the bit-field
                first, last = f.bit_offset // 8, (f.bit_offset + f.bit_size - 1) // 8
                parts.append(f"llmcc_out_bits(o, (unsigned char *)&r, {f.bit_offset}, "
                             f"{f.bit_size});" if last >= first else "")
        return parts
    return ["llmcc_out_bytes(o, &r, sizeof r);"]


def _declare_like(sig: Signature, var: str) -> str:
    proto = c_prototype(sig, var + "__fn")
    head = proto[: proto.index(var + "__fn")].rstrip()
    return f"{head} {var}"


def _main(tests: int) -> str:
    return templates.load("llmcc.verify.harness", "differential_main.c").fill(
        TESTS=tests, TIMEOUT=CALL_TIMEOUT_S, SLACK=TIME_SLACK, SLOW_US=SLOW_BASELINE_US,
        FLOOR_US=TIME_FLOOR_US, MEMORY_MB=MEMORY_LIMIT_MB, STANDIN_EXIT=STAND_IN_EXIT)


def run_differential(baseline: Module, sig: Signature, candidate_text: str, *, compiler: str,
                     flags: tuple[str, ...], workdir: str, tests: int = DEFAULT_TESTS,
                     seed: int = 1, min_valid: int = 10,
                     program: Callable[[], ProgramParts | None] | None = None) -> DiffResult:
    """Build the harness and run ``tests`` generated inputs through both versions. A unit
    that refers to other units' symbols is linked with ``program`` (the rest of the
    project), else with stand-ins (llmcc.verify.harness.link)."""
    function = sig.name
    if not sig.testable:
        return DiffResult(Outcome.UNTESTABLE, f"the function {sig.untestable_reason}",
                          Counts(0, 0, 0))
    asm = os.path.join(workdir, "harness_tu.s")
    unit_text = harness_assembly(baseline, function,
                                 [Copy(function + CANDIDATE_SUFFIX, candidate_text, "cand",
                                       poison=True)])
    with open(asm, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(unit_text)
    csrc = os.path.join(workdir, "harness.c")
    with open(csrc, "w") as fh:
        fh.write(harness_source(sig, function, tests,
                                InputHints.of(baseline.function_text(function)),
                                preserved_for_callers(baseline, function)))
    tramp = os.path.join(workdir, "trampoline.s")
    with open(tramp, "w") as fh:
        fh.write(trampoline())
    exe = os.path.join(workdir, "harness")
    target = [f for f in flags if f.startswith("-m")]
    cobj = os.path.join(workdir, "harness.o")
    build = subproc.run([compiler, *target, "-O1", "-w", "-c", csrc, "-o", cobj], timeout=120)
    if not build.ok:
        first = build.stderr.decode(errors="replace").strip().splitlines()[:3]
        return DiffResult(Outcome.UNTESTABLE, "the test harness does not build: "
                          + " | ".join(first), Counts(0, 0, 0))
    linked = link_harness([compiler, *target, cobj, "-x", "assembler", asm, tramp, "-x", "none",
                           "-o", exe], workdir=workdir, texts=[unit_text], program=program,
                          externs=lambda: _declarations(sig.source_file, compiler, flags,
                                                        _stamp(sig.source_file)))
    notes = linked.notes
    if linked.error:
        return DiffResult(Outcome.UNTESTABLE, linked.error, Counts(0, 0, 0), notes=notes)
    budget = tests * (2 * CALL_TIMEOUT_S * 3 + 1)
    proc = subproc.run([exe, str(tests), str(seed)], timeout=budget)
    told = decode(proc.stdout.decode(errors="replace"))
    counts = told.counts
    link = linked.extra
    if not proc.ok or counts is None:
        return DiffResult(Outcome.UNTESTABLE, f"the test harness failed (exit {proc.returncode})",
                          counts or Counts(0, 0, 0), notes=notes)
    notes = (*notes, *_invalid_notes(counts, told, linked))
    own = baseline.function_text(function)
    waiting = (*(_stand_in(k, linked) for k, _ in told.reached),
               *(d for d in linked.data if re.search(rf"(?<![\w.$]){re.escape(d)}(?![\w.$])",
                                                     own)))
    if counts.failed:
        reason = told.reason
        if told.candidate_reached is not None:
            reason += f" [the stand-in reached: {_stand_in(told.candidate_reached, linked)}]"
        return DiffResult(told.outcome, reason, counts, notes=notes, waiting=waiting)
    if counts.valid < min_valid:
        invalid = counts.invalid()
        if counts.stand_in:
            reached = ", ".join(_stand_in(k, linked) for k, _ in told.reached)
            invalid = invalid.replace("reached a stand-in", f"reached a stand-in ({reached})")
        return DiffResult(Outcome.UNTESTABLE, f"only {counts.valid} of {counts.run} generated "
                          f"inputs are valid for the baseline (at least {min_valid} needed)"
                          + (f": {invalid}" if invalid else ""), counts, notes=notes,
                          waiting=waiting)
    return DiffResult(None, f"{counts.valid} valid inputs, no difference", counts,
                      told.valid_inputs, link, notes, waiting)


@functools.lru_cache(maxsize=32)
def _declarations(source: str, compiler: str, flags: tuple[str, ...],
                  stamp: tuple[int, int]) -> dict[str, External]:
    """The unit's external declarations, once per version of its source (every candidate's
    harness asks)."""
    return external_declarations(source, compiler, flags)


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def _stand_in(k: int, linked: Linked) -> str:
    return linked.stand_ins[k] if 0 <= k < len(linked.stand_ins) else f"stand-in {k}"


def _invalid_notes(counts: Counts, told: Report, linked: Linked) -> tuple[str, ...]:
    """Why the baseline's inputs were not valid, when some were not (and every input ran:
    a failed test ends the run early)."""
    if not counts.invalid() or counts.failed:
        return ()
    reached = ", ".join(f"{_stand_in(k, linked)} on {n}" for k, n in told.reached)
    return (f"inputs: {counts.run} run, {counts.valid} valid; not valid: {counts.invalid()}"
            + (f" (stand-ins reached: {reached})" if reached else ""),)
