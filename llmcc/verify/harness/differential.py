"""The differential harness: its C (differential_main.c after the shared inputs), built with
the unit and the trampoline, run on ``tests`` generated inputs, its report decoded."""

from __future__ import annotations

import os
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.module import Module
from llmcc.outcome import Outcome
from llmcc.records import Counts
from llmcc.verify import templates
from llmcc.verify.harness.assembly import Copy, harness_assembly
from llmcc.verify.harness.inputs import InputHints, buffer_params, call_arguments, inputs_source
from llmcc.verify.harness.report import decode
from llmcc.verify.harness.trampoline import trampoline
from llmcc.verify.signature import CType, Signature, c_prototype

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


def harness_source(sig: Signature, function: str, tests: int,
                   hints: InputHints) -> str:
    """C text of the differential harness for ``sig`` (see the module docstring)."""
    lines = [inputs_source(sig, [function, function + CANDIDATE_SUFFIX], hints)]
    lines.append("static void llmcc_call(int cand, struct inputs *in, struct out *o) {")
    ret = sig.return_type
    lines.append(f"    llmcc_target = cand ? (void *){function}{CANDIDATE_SUFFIX} "
                 f": (void *){function};")
    lines.append(f"    __typeof__({function}) *through = (__typeof__({function}) *)llmcc_tramp;")
    if ret.kind == "void":
        lines.append(f"    through({call_arguments(sig)});")
    else:
        lines.append(f"    {_declare_like(sig, 'r')} = through({call_arguments(sig)});")
    lines.append("    if (llmcc_abi_bad & 31) _exit(64 + (llmcc_abi_bad & 31));")
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
        FLOOR_US=TIME_FLOOR_US, MEMORY_MB=MEMORY_LIMIT_MB)


def run_differential(baseline: Module, sig: Signature, candidate_text: str, *, compiler: str,
                     flags: tuple[str, ...], workdir: str, tests: int = DEFAULT_TESTS,
                     seed: int = 1, min_valid: int = 10) -> DiffResult:
    """Build the harness and run ``tests`` generated inputs through both versions."""
    function = sig.name
    if not sig.testable:
        return DiffResult(Outcome.UNTESTABLE, f"the function {sig.untestable_reason}",
                          Counts(0, 0, 0))
    asm = os.path.join(workdir, "harness_tu.s")
    with open(asm, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(harness_assembly(baseline, function,
                                  [Copy(function + CANDIDATE_SUFFIX, candidate_text, "cand",
                                        poison=True)]))
    csrc = os.path.join(workdir, "harness.c")
    with open(csrc, "w") as fh:
        fh.write(harness_source(sig, function, tests,
                                InputHints.of(baseline.function_text(function))))
    tramp = os.path.join(workdir, "trampoline.s")
    with open(tramp, "w") as fh:
        fh.write(trampoline())
    exe = os.path.join(workdir, "harness")
    target = [f for f in flags if f.startswith("-m")]
    build = subproc.run([compiler, *target, "-O1", "-w", csrc, "-x", "assembler", asm, tramp,
                         "-x", "none", "-o", exe, "-lm"], timeout=120)
    if not build.ok:
        first = build.stderr.decode(errors="replace").strip().splitlines()[:3]
        return DiffResult(Outcome.UNTESTABLE, "the test harness does not build: "
                          + " | ".join(first), Counts(0, 0, 0))
    budget = tests * (2 * CALL_TIMEOUT_S * 3 + 1)
    proc = subproc.run([exe, str(tests), str(seed)], timeout=budget)
    told = decode(proc.stdout.decode(errors="replace"))
    counts = told.counts
    if not proc.ok or counts is None:
        return DiffResult(Outcome.UNTESTABLE, f"the test harness failed (exit {proc.returncode})",
                          counts or Counts(0, 0, 0))
    if counts.failed:
        return DiffResult(told.outcome, told.reason, counts)
    if counts.valid < min_valid:
        return DiffResult(Outcome.UNTESTABLE, f"only {counts.valid} of {counts.run} generated "
                          f"inputs are valid for the baseline (at least {min_valid} needed)",
                          counts)
    return DiffResult(None, f"{counts.valid} valid inputs, no difference", counts,
                      told.valid_inputs)
