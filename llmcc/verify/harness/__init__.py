"""Differential tests: one harness binary calls the baseline and the candidate on the same
generated inputs, each call in a fresh forked child, and compares everything they leave.

The harness assembly is the baseline translation unit itself with the candidate added under
another name, so both see the same globals, helpers and constants; the TU's writable data is
moved into sections of its own so its bytes can be compared after each call (and set to
other values before it in some tests), and the candidate's read-only data is followed by
poison, so reading past the end of a table shows. The C side is generated from the DWARF
signature (llmcc.verify.signature); its fixed parts are C and assembly files beside this
one (prelude.c, differential_main.c, trampoline.s), filled through llmcc.verify.templates.

The modules: ``inputs`` (the generated inputs: the C every harness of a function shares),
``assembly`` (the unit with copies of the function, poisoned data, gathered writable data),
``trampoline`` (the ABI checks every call goes through), ``differential`` (the verifier's
harness: built, run), ``report`` (its output decoded, codes to Outcomes, in one place).

This package exports what the verifier's callers use (``run_differential``) and the
interface the timing harness (llmcc.timing.harness) shares with it, so that test t is the
same input in both harnesses:

- ``InputHints``: what the baseline's code says about good inputs (``InputHints.of``);
- ``inputs_source``: the shared C (prelude, ``struct inputs``, ``llmcc_input``);
- ``call_arguments``, ``buffer_params``: a call on ``struct inputs``, its buffers;
- ``STRINGS_IN_PLACE``: the flag bit in a test id (a valid input the verifier reports);
- ``Copy``, ``harness_assembly``: the unit with copies of the function added.
"""

from llmcc.verify.harness.assembly import Copy, harness_assembly
from llmcc.verify.harness.differential import DEFAULT_TESTS, DiffResult, run_differential
from llmcc.verify.harness.inputs import (
    STRINGS_IN_PLACE,
    InputHints,
    buffer_params,
    call_arguments,
    inputs_source,
)

__all__ = [
    "DEFAULT_TESTS",
    "STRINGS_IN_PLACE",
    "Copy",
    "DiffResult",
    "InputHints",
    "buffer_params",
    "call_arguments",
    "harness_assembly",
    "inputs_source",
    "run_differential",
]
