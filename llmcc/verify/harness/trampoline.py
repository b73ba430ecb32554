"""The trampoline every call of the function under test goes through (trampoline.s): the
ABI checks, with the canary and argument-garbling lines it is filled with."""

from __future__ import annotations

import functools

from llmcc.verify import templates
from llmcc.verify.registers import GPRS, MASKS, VECTORS
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
        CHECK_FRAME=_canary_lines("cmpq", _FRAME, "12f"),
        SEED_SCRATCH=_seed_lines(), KEEP_BEFORE=_keep_lines(0, "before"),
        KEEP_AFTER=_keep_lines(_AREA, "after"), REGS_BYTES=2 * _AREA,
        CANARIES=_canary_data())


# -- caller-saved registers callers in the unit may rely on (gcc's -fipa-ra) ----------------
# The registers the trampoline can keep and compare, a bit each in llmcc_scratch_check and
# llmcc_scratch_seed (in this order); each vector register whole (xmm, ymm, zmm), as far as
# the CPU has it. llmcc_regs holds two areas (before the call, after it) of _AREA bytes:
# the general registers at 0, the vector registers at _VECTOR_AT (64 bytes each), the mask
# registers at _MASK_AT.
SCRATCH = (*GPRS, *VECTORS, *MASKS)
_VECTOR_AT = 8 * 16
_MASK_AT = _VECTOR_AT + 64 * len(VECTORS)
_AREA = _MASK_AT + 8 * len(MASKS)
_NO_ARGUMENT = ("rax", "r10", "r11")  # the function under test is never variadic
# a child whose call changed checked register i exits with this plus i (above the codes of
# the other ABI checks, 64 to 95)
SCRATCH_EXIT = 96


def _slot(reg: str) -> tuple[int, int]:
    """Where a register is kept in an area, and how many bytes."""
    if reg in GPRS:
        return 8 * GPRS.index(reg), 8
    if reg in VECTORS:
        return _VECTOR_AT + 64 * VECTORS.index(reg), 64
    return _MASK_AT + 8 * MASKS.index(reg), 8


def _canary(k: int) -> int:
    return (0x9E3779B97F4A7C15 * (k + 7) ^ 0x5C5C5C5C00000000) & (1 << 64) - 1


def _canary_data() -> str:
    """The values seeded into registers that carry no argument: an area laid out as
    llmcc_regs' (general registers as immediates, not from here)."""
    quads = [f"\t.quad\t{_canary(k):#x}" for k in range(_AREA // 8)]
    return "\n".join(["\t.section\t.rodata", "\t.balign\t64", "llmcc_canaries:", *quads,
                      "\t.text"])


def _levels(lines_for: dict[int, list[str]], done: str) -> list[str]:
    """``lines_for`` each vector level (0: SSE, 1: AVX, 2: AVX-512F and BW), each level's
    lines run only where llmcc_vector_level reaches it."""
    out: list[str] = []
    for level, lines in sorted(lines_for.items()):
        if level:
            out += [f"\tcmpl\t${level}, llmcc_vector_level(%rip)", f"\tjb\t{done}"]
        out += lines
    return out


def _seed_lines() -> str:
    """Canaries into the registers that carry no argument (llmcc_scratch_seed): the general
    ones for every function, the vector ones (with the upper parts, never an argument's,
    and the registers only AVX-512 has) where some are checked (llmcc_scratch_check)."""
    done = ".Lllmcc_seeded"
    out: list[str] = []
    for bit, reg in enumerate(SCRATCH[:len(GPRS) + 16]):
        at, _ = _slot(reg)
        load = (f"\tmovabsq\t${_canary(at // 8):#x}, %{reg}" if reg in GPRS
                else f"\tmovdqu\tllmcc_canaries+{at}(%rip), %{reg}")
        if reg == SCRATCH[len(GPRS)]:
            # general registers are seeded for every function: a candidate that reads one it
            # never set (a dropped zeroing) then differs, whatever the C left there; the
            # vector registers only where callers in the unit may rely on them
            out += ["\tcmpq\t$0, llmcc_scratch_check(%rip)", f"\tje\t{done}"]
        out += [f"\tbtq\t${bit}, llmcc_scratch_seed(%rip)", f"\tjnc\t.Lllmcc_seed{bit}",
                load, f".Lllmcc_seed{bit}:"]
    avx = [f"\tvinsertf128\t$1, llmcc_canaries+{_slot(v)[0] + 16}(%rip), %y{v[1:]}, %y{v[1:]}"
           for v in VECTORS[:16]]
    avx512 = [f"\tvinserti64x4\t$1, llmcc_canaries+{_slot(v)[0] + 32}(%rip), %z{v[1:]}, "
              f"%z{v[1:]}" for v in VECTORS[:16]]
    avx512 += [f"\tvmovdqu64\tllmcc_canaries+{_slot(v)[0]}(%rip), %z{v[1:]}"
               for v in VECTORS[16:]]
    avx512 += [f"\tkmovq\tllmcc_canaries+{_slot(k)[0]}(%rip), %{k}" for k in MASKS]
    return "\n".join([*out, *_levels({1: avx, 2: avx512}, done), f"{done}:"])


def _keep_lines(area: int, tag: str) -> str:
    """Every register of SCRATCH the CPU has, stored into the area at ``area`` of llmcc_regs
    (only when some are checked); nothing else changes but the flags."""
    done = f".Lllmcc_kept_{tag}"
    at = {reg: area + _slot(reg)[0] for reg in SCRATCH}
    sse = [f"\tmovq\t%{r}, llmcc_regs+{at[r]}(%rip)" for r in GPRS]
    sse += [f"\tmovdqu\t%{v}, llmcc_regs+{at[v]}(%rip)" for v in VECTORS[:16]]
    avx = [f"\tvextractf128\t$1, %y{v[1:]}, llmcc_regs+{at[v] + 16}(%rip)"
           for v in VECTORS[:16]]
    avx512 = [f"\tvextracti64x4\t$1, %z{v[1:]}, llmcc_regs+{at[v] + 32}(%rip)"
              for v in VECTORS[:16]]
    avx512 += [f"\tvmovdqu64\t%z{v[1:]}, llmcc_regs+{at[v]}(%rip)" for v in VECTORS[16:]]
    avx512 += [f"\tkmovq\t%{k}, llmcc_regs+{at[k]}(%rip)" for k in MASKS]
    head = ["\tcmpq\t$0, llmcc_scratch_check(%rip)", f"\tje\t{done}"]
    return "\n".join([*head, *_levels({0: sse, 1: avx, 2: avx512}, done), f"{done}:"])


def scratch_mask(registers: frozenset[str] | set[str]) -> int:
    """The bits of SCRATCH for ``registers`` (others, such as the x87 stack, are left out)."""
    return sum(1 << bit for bit, reg in enumerate(SCRATCH) if reg in registers)


def seed_mask(sig: Signature) -> int:
    """The bits of SCRATCH for the registers no argument of ``sig`` arrives in (System V):
    the trampoline seeds those with canaries. When unsure of an argument's registers (an
    aggregate, a long double, a type llmcc does not model) only the registers that never
    carry one."""
    free = {*_NO_ARGUMENT, *VECTORS[8:]}
    ints = 1 if sig.return_type.kind in ("struct", "union") else 0  # a hidden pointer maybe
    vectors = 0
    for p in sig.params:
        ct = p.ctype
        if ct.kind in ("int", "enum", "bool", "pointer", "funcptr") and ct.size <= 16:
            ints += 2 if ct.size > 8 else 1
        elif ct.kind == "float" and ct.size in (4, 8):
            vectors += 1
        else:
            return scratch_mask(free)
    free.update(_ARG_REGS[min(ints, len(_ARG_REGS)):])
    free.update(VECTORS[min(vectors, 8):8])
    return scratch_mask(free)


def scratch_source(registers: frozenset[str] | set[str], sig: Signature) -> str:
    """The C that checks, after a call through the trampoline, the caller-saved
    ``registers`` (those the baseline leaves alone, for a function with callers in its
    unit): ``llmcc_scratch_setup()`` before the call, ``llmcc_scratch_changed()`` after it
    (the first one changed, an index into ``llmcc_scratch_names``, or -1)."""
    names = ", ".join(f'"{r}"' for r in SCRATCH)
    slots = ", ".join(f"{{{at}, {size}}}" for at, size in map(_slot, SCRATCH))
    return f"""\
#define LLMCC_SCRATCH_EXIT {SCRATCH_EXIT}
extern uint64_t llmcc_scratch_check, llmcc_scratch_seed;
extern int llmcc_vector_level;
extern unsigned char llmcc_regs[];
static const char *const llmcc_scratch_names[] = {{{names}}};
static const unsigned short llmcc_scratch_slots[][2] = {{{slots}}};
static void llmcc_scratch_setup(void) {{
    llmcc_scratch_check = {scratch_mask(registers):#x}ULL;
    llmcc_scratch_seed = {seed_mask(sig):#x}ULL;
    __builtin_cpu_init();
    llmcc_vector_level = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        ? 2 : __builtin_cpu_supports("avx") ? 1 : 0;
    memset(llmcc_regs, 0, {2 * _AREA});
}}
static int llmcc_scratch_changed(void) {{
    for (int i = 0; i < {len(SCRATCH)}; i++)
        if ((llmcc_scratch_check >> i & 1)
            && memcmp(llmcc_regs + llmcc_scratch_slots[i][0],
                      llmcc_regs + {_AREA} + llmcc_scratch_slots[i][0],
                      llmcc_scratch_slots[i][1]))
            return i;
    return -1;
}}
"""
