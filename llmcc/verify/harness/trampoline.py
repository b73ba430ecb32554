"""The trampoline every call of the function under test goes through (trampoline.s): the
ABI checks, with the canary and argument-garbling lines it is filled with."""

from __future__ import annotations

import functools

from llmcc.verify import templates
from llmcc.verify.signature import Signature


def _canary_lines(op: str, offsets: range, jump: str = "") -> str:
    """Unrolled stores or compares of the canary in %r11 (no loop: no register to spare)."""
    tail = f"\n\tjne\t{jump}" if jump else ""
    return "\n".join(f"\t{op}\t%r11, {off}(%rsp){tail}" for off in offsets)


_ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")


def _garble_lines() -> str:
    """For each argument register whose bit is set in llmcc_garble: keep its low half,
    fill its high half with garbage."""
    out = []
    for n, reg in enumerate(_ARG_REGS):
        low = {"rdi": "edi", "rsi": "esi", "rdx": "edx", "rcx": "ecx"}.get(reg, reg + "d")
        out += [f"\ttestl\t${1 << n}, llmcc_garble(%rip)", f"\tje\t{20 + n}f",
                f"\tmovl\t%{low}, %{low}", f"\torq\t%r11, %{reg}", f"{20 + n}:"]
    return "\n".join(out)


def garble_mask(sig: Signature) -> int:
    """Bits of the integer argument registers that carry a 32-bit int (System V order);
    counting stops at the first aggregate, whose registers depend on its fields."""
    mask, reg = 0, 0
    for p in sig.params:
        ct = p.ctype
        if ct.kind in ("struct", "union", "array") or reg >= len(_ARG_REGS):
            break
        if ct.kind == "float":
            continue  # vector registers, or the stack for long double
        if ct.kind in ("int", "enum") and ct.size == 4:
            mask |= 1 << reg
        reg += 2 if ct.size > 8 else 1
    return mask


_BELOW = range(-392, -136, 8)  # 256 bytes under the callee's red zone
_FRAME = range(0, 64, 8)  # 64 bytes above its return address


@functools.cache
def trampoline() -> str:
    """The trampoline's assembly text."""
    return templates.load("llmcc.verify.harness", "trampoline.s").fill(
        GARBLE=_garble_lines(),
        FILL_FRAME=_canary_lines("movq", _FRAME),
        FILL_BELOW=_canary_lines("movq", _BELOW),
        CHECK_BELOW=_canary_lines("cmpq", _BELOW, "15f"),
        CHECK_FRAME=_canary_lines("cmpq", _FRAME, "12f"))
