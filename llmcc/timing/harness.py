"""The timing harness: baseline (A) and candidate (B) linked into one binary, each copied at
every entry offset, called on the verifier's valid inputs in interleaved batches.

The binary prints ``CELL`` lines (one per input and offset, with the calls per batch) and
then, for each byte the timer writes to its stdin, one line ``R <round> <ns>...``: for each
cell the nanoseconds of A's batch and of B's. Which of A and B runs first is random per cell
and round. Everything the function may change (the inputs' buffers, the unit's writable
data) is restored before every batch, outside the timed region.

Two processes, so that a candidate cannot speak for the timer. After setting up its inputs
the binary forks. The child picks the inputs, calibrates and runs the rounds, under the
sandbox's TIMING policy (llmcc/verify/sandbox.py): no read(2) or write(2) on any file
descriptor, no signal but to itself; a write attempt, also through the C library's stdio
when its buffer is flushed, kills it, and the timer reports the measurement failed. The
parent never calls A or B: it reads the timer's pacing bytes, hands each request to the
child and copies the child's results from a shared page into the lines the timer reads.
So what a candidate can no longer do: print lines for the timer (the old harness let it
write to the timer's pipe), signal the timer or another process. What it still can: it
shares the child's memory, which holds the shared page and the clock readings, so code
written to find and overwrite them could still forge a round's numbers (loads and stores
only, which no static check can rule out); the timer trusts the parent's lines, checking
only their shape and round numbers. The cells (inputs, offsets, calls per batch, all
calibrated on A) are copied by the parent before the child first runs B, so B cannot
change them; nor can it touch the parent's memory. A baseline that writes output
(printf in the timed function) fills stdio's buffer and is killed too: such a function is
not timed.

The C is timing_main.c beside this file, after the inputs the verifier's harness makes
(llmcc.verify.harness's shared interface).
"""

from __future__ import annotations

from llmcc.asm.module import Module
from llmcc.verify import sandbox, templates
from llmcc.verify.harness import (
    Copy,
    InputHints,
    buffer_params,
    call_arguments,
    harness_assembly,
    inputs_source,
)
from llmcc.verify.signature import Signature

# entry addresses relative to a 64-byte line: every place a 16-byte aligned entry can land
OFFSETS = (0, 16, 32, 48)


def copy_name(function: str, version: str, offset: int) -> str:
    return f"{function}__llmcc_{version}{offset}"


def timing_assembly(baseline: Module, function: str, candidate_text: str,
                    swapped: bool = False) -> str:
    """The baseline unit with A and B copies at every offset; ``swapped`` puts B's copies
    first, so a reproduction also sees another placement of the two in memory."""
    versions = [("a", baseline.emit()), ("b", candidate_text)]
    if swapped:
        versions.reverse()
    copies = [Copy(copy_name(function, v, off), text, f"{v}{off}", off)
              for v, text in versions for off in OFFSETS]
    return harness_assembly(baseline, function, copies)


def timing_source(sig: Signature, function: str, hints: InputHints) -> str:
    """C text of the timing harness (see the module docstring)."""
    names = [copy_name(function, v, off) for v in "ab" for off in OFFSETS]
    table = ", ".join("{" + ", ".join(f"&{copy_name(function, v, off)}" for off in OFFSETS)
                      + "}" for v in "ab")
    buffers = buffer_params(sig)
    save = "\n".join(f"    x->copy{i} = malloc(x->in.len{i});\n"
                     f"    memcpy(x->copy{i}, x->in.buf{i}, x->in.len{i});" for i in buffers)
    restore = "\n".join(f"    memcpy(x->in.buf{i}, x->copy{i}, x->in.len{i});" for i in buffers)
    members = "".join(f" unsigned char *copy{i};" for i in buffers)
    return (inputs_source(sig, names, hints) + "\n"
            + sandbox.c_function(sandbox.TIMING, "llmcc_sandbox_timing")
            + templates.load("llmcc.timing", "timing_main.c").fill(
                FN=names[0], NOFF=len(OFFSETS), OFFSETS=", ".join(map(str, OFFSETS)),
                VERSIONS=table, MEMBERS=members, SAVE=save, RESTORE=restore,
                ARGS=call_arguments(sig)))
