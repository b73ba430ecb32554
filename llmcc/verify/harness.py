"""Differential tests: one harness binary calls the baseline and the candidate on the same
generated inputs, each call in a fresh forked child, and compares everything they leave.

The harness assembly is the baseline translation unit itself with the candidate added under
another name, so both see the same globals, helpers and constants; the TU's writable data is
moved into sections of its own so its bytes can be compared after each call (and set to
other values before it in some tests), and the candidate's read-only data is followed by
poison, so reading past the end of a table shows. The C side is generated from the DWARF
signature (llmcc.verify.signature).
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.lines import DATA_DIRECTIVES, SECTION_SWITCHES, is_unanalysed, split_lines
from llmcc.asm.module import Module
from llmcc.asm.rename import (
    is_compiler_local,
    rename_function,
    rename_symbols,
    strip_line_info,
    uniquify_local_labels,
)
from llmcc.outcome import Outcome
from llmcc.records import Counts
from llmcc.verify import sandbox
from llmcc.verify.signature import CType, Signature, c_declarations, c_prototype

CANDIDATE_SUFFIX = "__llmcc_cand"
DATA_SECTION = "llmcc_tu_data"
BSS_SECTION = "llmcc_tu_bss"
# (start, end, bytes per value) of each part of the unit's writable data that holds no address
FIELDS_SECTION = "llmcc_tu_fields"
# elements in every pointed-to buffer; size-like parameters stay within it
CAPACITY = 64
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
# added to a test number: the same input with every string where it was made (not moved to
# end at a guard page); above any test count
STRINGS_IN_PLACE = 1 << 24
# parameter names that mean "how many": their values stay inside the buffers
_SIZE_NAMES = re.compile(r"^(n|len|length|size|sz|count|cnt|num|nelem|nmemb|width|height|"
                         r"w|h|rows|cols|k|m|limit|max|bytes|nbytes|elems)(_.*)?$|.*(len|size|"
                         r"count|_n)$", re.I)


class DiffResult(NamedTuple):
    outcome: Outcome | None  # None when no input told the two apart
    reason: str
    counts: Counts
    # the inputs the baseline survives (when none failed): test numbers, plus STRINGS_IN_PLACE
    # where that test's strings moved to a guard page made the baseline itself fault
    valid_inputs: tuple[int, ...] = ()


# -- the assembly side -------------------------------------------------------------------------

class Copy(NamedTuple):
    """A copy of the function added to the harness unit under another name: taken from
    ``text`` (a whole unit or just the function); with ``offset`` set, its entry part goes
    to a section of its own, ``offset`` bytes past the start of a page. With ``poison``,
    its read-only data goes to a section of its own, each block followed by POISON, so a
    read past the end of a table sees bytes the baseline's copy never has there."""

    name: str
    text: str
    tag: str
    offset: int | None = None
    poison: bool = False


def harness_assembly(baseline: Module, function: str, copies: list[Copy]) -> str:
    """The baseline TU plus each copy of ``function``, all global, with the TU's writable
    data gathered into DATA_SECTION and BSS_SECTION and described in FIELDS_SECTION."""
    text = baseline.emit()
    if "main" in baseline.functions:
        text = rename_symbols(text, {"main": "__llmcc_tu_main"})
    out = _gather_writable(split_lines(text)[0])
    for copy in copies:
        source = Module(copy.text)
        snippet = strip_line_info(source.function_text(function))
        if copy.poison:
            snippet = _poisoned_data(snippet, source, copy.tag)
        snippet = _private_tables(snippet, copy.tag, function)
        snippet = uniquify_local_labels(snippet, copy.tag, keep=(function, f"{function}.cold"))
        snippet = rename_function(snippet, function, copy.name)
        if copy.offset is not None:
            snippet = _placed(snippet, copy.name, copy.offset)
        out += [snippet, f"\t.globl\t{copy.name}"]
    out += [f"\t.globl\t{function}", ""]
    return "\n".join(out)


def _private_tables(snippet: str, tag: str, function: str) -> str:
    """``snippet`` with the read-only static objects it owns renamed for this copy (a
    ``static const`` table only this function uses, such as ``crc_table``, is defined in
    the baseline unit as well). Writable statics keep their names: their definitions clash
    and the function stays untestable, since a private copy of its state would escape the
    comparison of the unit's data."""
    lines, _ = split_lines(snippet)
    exported = {name for line in lines if line.head in (".globl", ".global")
                for name in line.split_args()}
    tables = {label for line in lines if line.section.startswith(".rodata")
              for label in line.labels
              if not label.startswith(".L") and not is_compiler_local(label)
              and label not in exported and label != function}
    return rename_symbols(snippet, {name: f"{name}.{tag}" for name in tables})


def _placed(snippet: str, name: str, offset: int) -> str:
    """``snippet`` with the function's entry section replaced by one of its own that starts
    on a page boundary, padded by ``offset`` bytes (the function's own alignment directives
    still apply after the padding). Copies placed this way share every address bit below
    the page size, which is what caches and branch predictors index by, so two copies of the
    same code time alike at the same offset."""
    entry = Module(snippet).function(name).section
    lines, _ = split_lines(snippet)
    section = f'\t.section\t.text.llmcc.{name},"ax",@progbits'
    out, padded = [], False
    for line in lines:
        if line.head in SECTION_SWITCHES and line.section == entry:
            out.append(section)
            if not padded:
                out += ["\t.p2align\t12", f"\t.skip\t{offset}, 0xcc"]
                padded = True
        else:
            out.append(line.text)
    return "\n".join(out)


# follows every read-only data block of a poisoned copy: no table gcc makes ends this way
POISON = bytes((0xa5 + 0x3b * k) & 0xff for k in range(32))
_ALIGN_HEADS = (".align", ".p2align", ".balign")
_ATTRIBUTE_HEADS = frozenset({".type", ".size", ".local", ".globl", ".global", ".weak",
                              ".hidden", ".protected", ".internal"})


def _poisoned_data(snippet: str, source: Module, tag: str) -> str:
    """``snippet`` (a function's text from ``source``) with each read-only data block (its
    labels and the data after them) moved to a plain section of its own, at the alignment
    it had, and followed by POISON. A plain section: appending to a mergeable one
    (``.rodata.cst16``) would break its entities, and the linker could place a merged copy
    anywhere. String literals stay where they are: the linker merges the candidate's with
    the baseline's, so a string pointer either returns compares equal."""
    lines, tracker = split_lines(snippet)

    def movable(section: str) -> bool:
        return not (tracker.is_code(section) or tracker.is_writable(section)
                    or is_unanalysed(section) or "S" in tracker.flags.get(section, ""))

    source_index = {label: i for i, line in enumerate(source.lines) for label in line.labels}
    kept, moved = [], []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.labels or not movable(line.section):
            kept.append(line.text)
            i += 1
            continue
        # the block: labels (several may name the same data), then its data lines
        j, has_data = i, False
        while j < n and (not lines[j].labels or not has_data) and (
                lines[j].head in DATA_DIRECTIVES or not lines[j].head):
            has_data = has_data or lines[j].head in DATA_DIRECTIVES
            j += 1
        if not has_data:
            j = max(j, i + 1)
            kept.extend(ln.text for ln in lines[i:j])
            i = j
            continue
        align = max(_entity_size(tracker, line.section),
                    _alignment_before(lines, i),
                    *(_alignment_before(source.lines, source_index[label])
                      for ln in lines[i:j] for label in ln.labels if label in source_index))
        moved += [f"\t.balign\t{align}", *(ln.text for ln in lines[i:j]),
                  "\t.byte\t" + ", ".join(f"0x{b:02x}" for b in POISON)]
        i = j
    if not moved:
        return snippet
    return "\n".join([*kept, f'\t.pushsection\t.rodata.llmcc.{tag},"a",@progbits', *moved,
                      "\t.popsection", ""])


def _alignment_before(lines, index: int) -> int:
    """The alignment the directives just before line ``index`` (a data label) ask for."""
    align = 1
    k = index - 1
    while k >= 0 and not lines[k].labels and (
            lines[k].head in _ALIGN_HEADS or lines[k].head in _ATTRIBUTE_HEADS
            or not lines[k].head):
        align = max(align, _align_value(lines[k]))
        k -= 1
    return align


def _align_value(line) -> int:
    """The bytes an alignment directive asks for; 1 for any other line."""
    if line.head not in _ALIGN_HEADS or not line.args:
        return 1
    try:
        value = int(line.split_args()[0], 0)
    except ValueError:
        return 64
    return min(max(1 << min(value, 12) if line.head == ".p2align" else value, 1), 4096)


def _entity_size(tracker, section: str) -> int:
    """The entity size of a mergeable section (``"aM",@progbits,16``), else 1."""
    parts = [p.strip() for p in tracker.declared.get(section, "").split(",")]
    if len(parts) >= 4 and "M" in parts[1] and parts[3].isdigit():
        return int(parts[3])
    return 1


# bytes per value of the data directives a field may be made of
_FIELD_WIDTHS = {".byte": 1, ".value": 2, ".short": 2, ".word": 2, ".2byte": 2, ".long": 4,
                 ".int": 4, ".4byte": 4, ".quad": 8, ".8byte": 8, ".float": 4, ".single": 4,
                 ".double": 8, ".string": 1, ".ascii": 1, ".asciz": 1}
_ZERO_HEADS = (".zero", ".skip", ".space")


def _gather_writable(lines) -> list[str]:
    """The unit's lines with its writable data moved to DATA_SECTION and BSS_SECTION, and
    FIELDS_SECTION listing the parts of it the harness may set before a call: each data
    line that holds no address (a relocation) outside const objects, as (start, end, bytes
    per value)."""
    out: list[str] = []
    fields: list[int] = []
    align = 1  # what the alignment directives since the last data line ask for

    def field(line_text: str, unit: int) -> list[str]:
        label = f".Lllmcc_g{len(fields)}"
        fields.append(unit)
        return [f"{label}:", line_text, f"{label}_e:"]

    for line in lines:
        head = line.head
        name = line.split_args()[0].strip('"') if head == ".section" and line.args else head
        align = 1 if head in SECTION_SWITCHES else max(align, _align_value(line))
        if head in (".data", ".section") and name.startswith(".data"):
            out.append(f'\t.section\t{DATA_SECTION},"aw",@progbits')
        elif head in (".bss", ".section") and name.startswith(".bss"):
            out.append(f'\t.section\t{BSS_SECTION},"aw",@nobits')
        elif head == ".comm":  # a common symbol: give it a place among the compared bytes
            args = line.split_args()
            common_align = args[2] if len(args) > 2 else "1"
            size = int(args[1], 0) if args[1].isdigit() else 0
            unit = _unit(int(common_align, 0) if common_align.isdigit() else 1, size)
            out += [f'\t.pushsection\t{BSS_SECTION},"aw",@nobits', f"\t.balign\t{common_align}",
                    f"{args[0]}:", *field(f"\t.zero\t{args[1]}", unit), "\t.popsection"]
        elif line.section.startswith((".data", ".bss")) and (
                head in _FIELD_WIDTHS or head in _ZERO_HEADS):
            # .data.rel.ro holds const objects (with addresses in them): code may have
            # their values built in, so they keep them
            if line.symbols() or line.labels or line.section.startswith(".data.rel.ro"):
                out.append(line.text)
            elif head in _ZERO_HEADS:
                args = line.split_args()
                size = int(args[0], 0) if args and args[0].isdigit() and len(args) == 1 else 0
                out += field(line.text, _unit(align, size)) if size else [line.text]
            else:
                out += field(line.text, _FIELD_WIDTHS[head])
            align = 1
        else:
            out.append(line.text)
    if fields:
        out += [f'\t.pushsection\t{FIELDS_SECTION},"aw",@progbits', "\t.balign\t8",
                *(f"\t.quad\t.Lllmcc_g{n}, .Lllmcc_g{n}_e, {unit}"
                  for n, unit in enumerate(fields)), "\t.popsection"]
    return out


def _unit(align: int, size: int) -> int:
    """Bytes per value of ``size`` zero bytes aligned at ``align``: the alignment, at most 8,
    that divides the size."""
    unit = min(max(align, 1), 8)
    while unit > 1 and size % unit:
        unit //= 2
    return unit


# Calls go through this trampoline (in the spirit of checkasm): it seeds the callee-saved
# registers with known values, calls llmcc_target with the caller's arguments untouched
# (state lives in globals, not on the stack, so stack arguments stay where the callee
# expects them), then records in llmcc_abi_bad which rule the callee broke: 1 callee-saved
# register changed, 2 stack pointer not restored, 4 direction flag left set, 8 MXCSR
# changed, 16 x87 control word changed; and which memory it touched that gcc's code for a
# function never does: 32 below the red zone, 64 the caller's frame above the return address
# (judged against the baseline on the same input: a function that calls others uses the
# stack below itself legitimately).
TRAMPOLINE = r"""
	.text
	.globl	llmcc_tramp
	.type	llmcc_tramp, @function
llmcc_tramp:
	popq	llmcc_ret(%rip)
	movq	%rbx, llmcc_save+0(%rip)
	movq	%rbp, llmcc_save+8(%rip)
	movq	%r12, llmcc_save+16(%rip)
	movq	%r13, llmcc_save+24(%rip)
	movq	%r14, llmcc_save+32(%rip)
	movq	%r15, llmcc_save+40(%rip)
	movq	%rsp, llmcc_save+48(%rip)
	stmxcsr	llmcc_save+56(%rip)
	fnstcw	llmcc_save+60(%rip)
	# canaries: 256 bytes below the callee's red zone, and (when no argument is passed on
	# the stack) 64 bytes of frame above its return address
	# only r10 and r11 carry no argument: the canaries are written with them alone
	movabsq	$0x3d3d3d3d3d3d3d3d, %r11
	cmpl	$0, llmcc_frame_guard(%rip)
	je	8f
	subq	$64, %rsp
@FILL_FRAME@
8:
@FILL_BELOW@
	# 32-bit arguments: the ABI leaves the upper half of their register undefined
	movabsq	$0x5bad5bad00000000, %r11
@GARBLE@
	movabsq	$0x5a17c0de1badf00d, %rbx
	movabsq	$0x6b28d1ef2cbe011e, %rbp
	movabsq	$0x7c39e2f03dcf122f, %r12
	movabsq	$0x0d4af3014ed02330, %r13
	movabsq	$0x1e5b04125fe13441, %r14
	movabsq	$0x2f6c152360f24552, %r15
	call	*llmcc_target(%rip)
	movq	%rax, llmcc_save+64(%rip)
	movl	$0, llmcc_abi_bad(%rip)
	movq	%rdx, llmcc_save+80(%rip)
	movabsq	$0x3d3d3d3d3d3d3d3d, %r11
@CHECK_BELOW@
	jmp	16f
15:	orl	$32, llmcc_abi_bad(%rip)
16:	cmpl	$0, llmcc_frame_guard(%rip)
	je	10f
@CHECK_FRAME@
	jmp	13f
12:	orl	$64, llmcc_abi_bad(%rip)
13:	addq	$64, %rsp
10:
	movabsq	$0x5a17c0de1badf00d, %rax
	cmpq	%rax, %rbx
	jne	1f
	movabsq	$0x6b28d1ef2cbe011e, %rax
	cmpq	%rax, %rbp
	jne	1f
	movabsq	$0x7c39e2f03dcf122f, %rax
	cmpq	%rax, %r12
	jne	1f
	movabsq	$0x0d4af3014ed02330, %rax
	cmpq	%rax, %r13
	jne	1f
	movabsq	$0x1e5b04125fe13441, %rax
	cmpq	%rax, %r14
	jne	1f
	movabsq	$0x2f6c152360f24552, %rax
	cmpq	%rax, %r15
	je	2f
1:	orl	$1, llmcc_abi_bad(%rip)
2:	cmpq	llmcc_save+48(%rip), %rsp
	je	3f
	orl	$2, llmcc_abi_bad(%rip)
	movq	llmcc_save+48(%rip), %rsp
3:	pushfq
	popq	%rax
	testq	$0x400, %rax
	je	4f
	orl	$4, llmcc_abi_bad(%rip)
	cld
4:	stmxcsr	llmcc_save+72(%rip)
	movl	llmcc_save+72(%rip), %eax
	xorl	llmcc_save+56(%rip), %eax
	andl	$0xffc0, %eax
	je	5f
	orl	$8, llmcc_abi_bad(%rip)
5:	fnstcw	llmcc_save+76(%rip)
	movzwl	llmcc_save+76(%rip), %eax
	cmpw	llmcc_save+60(%rip), %ax
	je	6f
	orl	$16, llmcc_abi_bad(%rip)
6:	movq	llmcc_save+64(%rip), %rax
	movq	llmcc_save+80(%rip), %rdx
	movq	llmcc_save+0(%rip), %rbx
	movq	llmcc_save+8(%rip), %rbp
	movq	llmcc_save+16(%rip), %r12
	movq	llmcc_save+24(%rip), %r13
	movq	llmcc_save+32(%rip), %r14
	movq	llmcc_save+40(%rip), %r15
	pushq	llmcc_ret(%rip)
	ret
	.size	llmcc_tramp, .-llmcc_tramp
	.local	llmcc_ret
	.comm	llmcc_ret,8,8
	.local	llmcc_save
	.comm	llmcc_save,88,8
	.globl	llmcc_target
	.comm	llmcc_target,8,8
	.globl	llmcc_abi_bad
	.comm	llmcc_abi_bad,4,4
	.globl	llmcc_frame_guard
	.comm	llmcc_frame_guard,4,4
	.globl	llmcc_garble
	.comm	llmcc_garble,4,4
	.section	.note.GNU-stack,"",@progbits
"""


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
TRAMPOLINE = (TRAMPOLINE.replace("@GARBLE@", _garble_lines())
              .replace("@FILL_FRAME@", _canary_lines("movq", _FRAME))
              .replace("@FILL_BELOW@", _canary_lines("movq", _BELOW))
              .replace("@CHECK_BELOW@", _canary_lines("cmpq", _BELOW, "15f"))
              .replace("@CHECK_FRAME@", _canary_lines("cmpq", _FRAME, "12f")))


# -- the C side --------------------------------------------------------------------------------

def _is_string(ct: CType) -> bool:
    return ct.kind == "pointer" and ct.target is not None and ct.target.is_char


def _buffer_target(ct: CType) -> CType | None:
    """What a pointer parameter points to, when llmcc can make a buffer of it."""
    if ct.kind != "pointer" or ct.target is None:
        return None
    target = ct.target
    if target.kind == "void":
        return target
    if target.kind in ("int", "bool", "float", "enum", "struct", "union", "array") and \
            target.size > 0 and target.complete:
        return target
    return None


def interesting_constants(text: str) -> list[int]:
    """Immediates and displacements of the function's own code, each with its neighbours:
    the values where its comparisons and bounds turn (a fuzzer's dictionary)."""
    values: set[int] = set()
    for m in re.finditer(r"\$(-?(?:0x[0-9a-fA-F]+|\d+))\b|(?<![\w$])(-?\d+)\(", text):
        number = int(m.group(1) or m.group(2), 0)
        if abs(number) < 1 << 31:
            values.update((number - 1, number, number + 1))
    return sorted(values)[:200]


def compared_constants(text: str) -> list[int]:
    """The immediates the function's own code compares with, each with its neighbours: where
    a sum or difference of its inputs may be made to land (``llmcc_relate``)."""
    values: set[int] = set()
    for m in re.finditer(r"^\s*cmp[bwlq]?\s+\$(-?(?:0x[0-9a-fA-F]+|\d+))\b", text, re.M):
        number = int(m.group(1), 0)
        if abs(number) < 1 << 31:
            values.update((number - 1, number, number + 1))
    return sorted(values)[:100]


# library functions whose pointer arguments must not overlap (restrict in the C standard)
_NO_OVERLAP_CALL = re.compile(
    r"^\s*(?:call|jmp)\s+\*?(?:__)?(?:mem[pc]?cpy|wmemcpy|st[rp]n?cpy|strn?cat|wcsn?cpy|wcsn?cat"
    r"|v?sn?printf|strxfrm)(?:_chk)?(?:@\w+)?(?:\(%rip\))?\s*$", re.M)


def may_overlap(text: str) -> bool:
    """Whether the harness may pass partly overlapping buffers to the function whose code
    is ``text``: not when it hands its pointers to memcpy and its kind, whose behaviour on
    overlap is undefined (a correct candidate may copy in another order)."""
    return not _NO_OVERLAP_CALL.search(text)


class InputHints(NamedTuple):
    """What the baseline's code says about good inputs: its interesting values, the values
    it compares with, and whether buffers may partly overlap. Every harness of a function
    derives them the same way (``of``), so test t is the same input in all of them."""

    constants: tuple[int, ...] = ()
    compared: tuple[int, ...] = ()
    overlap: bool = True

    @classmethod
    def of(cls, baseline_text: str) -> InputHints:
        return cls(tuple(interesting_constants(baseline_text)),
                   tuple(compared_constants(baseline_text)), may_overlap(baseline_text))


def inputs_source(sig: Signature, names: list[str], hints: InputHints) -> str:
    """The C every harness shares: the prelude, the types ``sig`` uses, a prototype for each
    of ``names`` (copies of the function), ``struct inputs`` with ``llmcc_input(in, test,
    seed)`` to make the inputs of one test, and ``llmcc_describe`` to print them."""
    constants, compared, overlap = hints
    params = sig.params
    table = ", ".join(f"{v}LL" for v in (*constants, 0)) if constants else "0"
    cmp_table = ", ".join(f"{v}LL" for v in compared) if compared else "0"
    lines = [_PRELUDE.replace("@INTERESTING@", table).replace("@CAPACITY@", str(CAPACITY))
             .replace("@IN_PLACE@", str(STRINGS_IN_PLACE))
             .replace("@COMPARED@", cmp_table).replace("@NCOMPARED@", str(len(compared))),
             c_declarations(sig),
             *(c_prototype(sig, name) for name in names), "struct inputs {"]
    for i in range(len(params)):
        lines.append(f"    {_decl(sig, i)};")
    lines.append("    int dummy;\n};")
    relate = _relate(params)
    if relate:
        lines.append("static void llmcc_relate(struct inputs *in) {")
        lines.extend("    " + s for s in relate)
        lines.append("}")
    lines.append("static void llmcc_make_inputs(struct inputs *in, int test) {")
    lines.append("    (void)test;")
    for i, p in enumerate(params):
        lines.extend("    " + s for s in _make_param(i, p.name, p.ctype, params, overlap))
    if relate:
        lines.append("    if (llmcc_next() % 2) llmcc_relate(in);")
    lines.extend("    " + s for s in _strings_at_end(params))
    lines.append("}")
    lines.append("static void llmcc_input(struct inputs *in, int id, uint64_t seed) {\n"
                 "    int test = id & (LLMCC_STRINGS_IN_PLACE - 1);\n"
                 "    llmcc_in_place = (id & LLMCC_STRINGS_IN_PLACE) != 0;\n"
                 "    llmcc_moved = 0;\n"
                 "    memset(in, 0, sizeof *in);\n"
                 "    llmcc_state = seed * 0x9E3779B97F4A7C15ULL"
                 " + (uint64_t)test * 0xBF58476D1CE4E5B9ULL + 1;\n"
                 "    llmcc_make_inputs(in, test);\n}")
    lines.append("static void llmcc_describe(struct inputs *in) {")
    lines.append('    if (llmcc_moved) fputs("[strings end at a guard page] ", stdout);')
    for i, p in enumerate(params):
        lines.append("    " + _describe_param(i, p.name, p.ctype))
    lines.append('    fputc(\'\\n\', stdout);\n}')
    lines.append(f"#define LLMCC_NO_STACK_ARGS {int(not _passes_on_stack(sig))}")
    lines.append(f"#define LLMCC_GARBLE {garble_mask(sig)}")
    return "\n".join(lines)


def call_arguments(sig: Signature, inputs: str = "in") -> str:
    """The argument list of a call on ``inputs`` (a ``struct inputs *``)."""
    return ", ".join(f"{inputs}->p{i}" for i in range(len(sig.params)))


def buffer_params(sig: Signature) -> list[int]:
    """Indexes of the parameters that point to a buffer the harness made (``buf<i>``,
    ``len<i>`` in ``struct inputs``)."""
    return [i for i, p in enumerate(sig.params) if _buffer_target(p.ctype) is not None]


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
    lines.append(_MAIN.replace("@TESTS@", str(tests)))
    return "\n".join(lines) + "\n"


def _passes_on_stack(sig: Signature) -> bool:
    """Does any argument travel on the stack (System V x86-64: past six integer or eight
    vector registers, aggregates over 16 bytes, long double)?"""
    ints = sse = 0
    for p in sig.params:
        ct = p.ctype
        aggregate = ct.kind in ("struct", "union")
        if (aggregate and ct.size > 16) or (ct.kind == "float" and ct.size > 8):
            return True
        if ct.kind == "float" or ct.kind in ("struct", "union"):
            sse += 1 if ct.kind == "float" else 2
            ints += 2 if ct.kind != "float" else 0
        else:
            ints += 2 if ct.size > 8 else 1
    return ints > 6 or sse > 8


def _decl(sig: Signature, i: int) -> str:
    """The inputs member for parameter i: its value, and for buffers their bytes."""
    p = sig.params[i]
    proto = c_prototype(sig, "f")
    # the prototype's parameter list spells each type; reuse it by declaring a pointer-free copy
    spelled = _param_spellings(proto)[i]
    decl = _rename_declarator(spelled, p.name, f"p{i}")
    if p.ctype.kind != "pointer" and p.ctype.const:  # the harness assigns it
        decl = re.sub(r"\bconst\b\s*", "", decl, count=1)
    if _buffer_target(p.ctype) is not None:
        return f"{decl}; unsigned char *buf{i}; size_t len{i}"
    return decl


def _param_spellings(proto: str) -> list[str]:
    inner = proto[proto.index("(") + 1: proto.rindex(")")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        depth += ch in "([{"
        depth -= ch in ")]}"
        cur += ch
    if cur.strip() and cur.strip() != "void":
        parts.append(cur.strip())
    return parts


def _rename_declarator(spelled: str, name: str, new: str) -> str:
    if name and re.search(rf"\b{re.escape(name)}\b", spelled):
        return re.sub(rf"\b{re.escape(name)}\b", new, spelled, count=1)
    return f"{spelled} {new}"


def _declare_like(sig: Signature, var: str) -> str:
    proto = c_prototype(sig, var + "__fn")
    head = proto[: proto.index(var + "__fn")].rstrip()
    return f"{head} {var}"


def _make_param(i: int, name: str, ct: CType, params, overlap: bool = True) -> list[str]:
    target = _buffer_target(ct)
    if target is not None:
        elem = max(target.size, 1) if target.kind != "void" else 1
        string = _is_string(ct)
        kind = (2 if target.size == 4 else 3) if target.kind == "float" else \
            1 if target.kind in ("int", "enum", "bool") else 0
        return [
            f"in->len{i} = {CAPACITY * elem};",
            f"in->buf{i} = llmcc_guarded(in->len{i}, test, {int(string)}, {elem}, {kind});",
            f"in->p{i} = (void *)in->buf{i};",
            *(_typed_fill(i, target)),
            *(_alias(i, ct, params, overlap)),
            *(_same_string(i, ct, params)),
        ]
    if ct.kind == "pointer":
        return [f"in->p{i} = 0;"]
    if ct.kind in ("int", "enum") and ct.is_char and ct.size == 1:
        return [f"in->p{i} = llmcc_pick_char();"]
    if ct.kind in ("int", "enum"):
        has_buffer = any(_buffer_target(p.ctype) is not None for p in params)
        size_like = has_buffer and bool(_SIZE_NAMES.match(name or ""))
        return [f"in->p{i} = llmcc_pick_int({ct.size}, {int(ct.signed)}, {int(size_like)}, "
                f"{CAPACITY});"]
    if ct.kind == "bool":
        return [f"in->p{i} = llmcc_next() & 1;"]
    if ct.kind == "float":
        if ct.size == 4:
            return [f"in->p{i} = (float)llmcc_pick_double();"]
        if ct.size == 8:
            return [f"in->p{i} = llmcc_pick_double();"]
        return [f"in->p{i} = (long double)llmcc_pick_double();"]
    # structs and unions by value: random bytes
    return [f"llmcc_random_bytes(&in->p{i}, sizeof in->p{i});"]


def _scalar_fields(ct: CType, base: int = 0, depth: int = 0) -> list[tuple[int, CType]]:
    """(offset, type) of the scalar members of struct ``ct``, nested structs and the first
    elements of member arrays included; bit-fields and unions left out."""
    out: list[tuple[int, CType]] = []
    for f in ct.fields or ():
        t = f.ctype
        if f.bit_size is not None:
            continue
        if (t.kind in ("int", "enum", "bool") and t.size in (1, 2, 4, 8)) or \
                (t.kind == "float" and t.size in (4, 8)):
            out.append((base + f.offset, t))
        elif t.kind == "struct" and depth < 3:
            out += _scalar_fields(t, base + f.offset, depth + 1)
        elif t.kind == "array" and t.target is not None and t.count and t.target.size and \
                t.target.kind in ("int", "enum", "float") and t.target.size in (1, 2, 4, 8):
            out += [(base + f.offset + k * t.target.size, t.target)
                    for k in range(min(t.count, 8))]
    return out[:64]


def _int_fields(ct: CType) -> list[tuple[int, CType]]:
    """(offset, type) of the integer members of struct ``ct`` (see _scalar_fields)."""
    return [(off, t) for off, t in _scalar_fields(ct) if t.kind in ("int", "enum")]


def _typed_fill(i: int, target: CType) -> list[str]:
    """In half the tests, the scalar members of every struct in buffer ``i`` get values of
    their type (small integers, the function's constants, plain doubles) rather than random
    bytes."""
    if target.kind != "struct":
        return []
    stores = []
    for off, t in _scalar_fields(target):
        if t.kind == "bool":
            stores.append(f"e[{off}] = (unsigned char)(llmcc_next() & 1);")
        elif t.kind == "float":
            c = "float" if t.size == 4 else "double"
            stores.append(f"{{ {c} v = ({c})llmcc_pick_double(); memcpy(e + {off}, &v, "
                          f"{t.size}); }}")
        else:
            stores.append(f"{{ long long v = llmcc_pick_int({t.size}, {int(t.signed)}, 0, "
                          f"{CAPACITY}); memcpy(e + {off}, &v, {t.size}); }}")
    if not stores:
        return []
    return [f"if (llmcc_next() % 2) for (size_t at = 0; at + {target.size} <= in->len{i}; "
            f"at += {target.size}) {{ unsigned char *e = in->buf{i} + at; "
            + " ".join(stores) + " }"]


def _relate(params) -> list[str]:
    """The body of ``llmcc_relate``: set one integer parameter so that its sum with (or
    difference from) another value the function reads, an integer parameter or a member
    of the first struct (or element) of a buffer, is one of the constants the function
    compares with: a condition on ``balance + amount`` or ``a - b`` is rarely met by
    independent inputs. Operands of the parameter's own size are preferred."""
    ints = [(i, p) for i, p in enumerate(params) if p.ctype.kind in ("int", "enum")
            and p.ctype.size in (1, 2, 4, 8)]
    has_buffer = any(_buffer_target(p.ctype) is not None for p in params)
    targets = [(i, p.ctype) for i, p in ints if not (p.ctype.is_char and p.ctype.size == 1)
               and not (has_buffer and _SIZE_NAMES.match(p.name or ""))]
    operands: list[tuple[int, str, str]] = []  # (size, C expression, what else to do)
    for i, p in ints:
        operands.append((p.ctype.size, f"(long long)in->p{i}", ""))
    for i, p in enumerate(params):
        target = _buffer_target(p.ctype)
        if target is None:
            continue
        if target.kind in ("int", "enum") and target.size in (1, 2, 4, 8) and \
                not _is_string(p.ctype):
            operands.append((target.size, f"llmcc_load(in->buf{i}, {target.size}, "
                             f"{int(target.signed)})", ""))
        elif target.kind == "struct":
            fields = _int_fields(target)
            for off, t in fields:
                # the struct's other integer members are 0 half the time: a fresh record
                others = " ".join(f"memset(in->buf{i} + {o}, 0, {u.size});"
                                  for o, u in fields if o != off)
                operands.append((t.size, f"llmcc_load(in->buf{i} + {off}, {t.size}, "
                                 f"{int(t.signed)})",
                                 f"if (llmcc_next() % 2) {{ {others} }}" if others else ""))
    blocks = []
    for i, ct in targets:
        mine = [op for op in operands if op[1] != f"(long long)in->p{i}"]
        if not mine:
            continue
        same = [op for op in mine if op[0] == ct.size]
        pick = _choose(mine)
        if same and len(same) < len(mine):
            pick = f"if ((r >> 8) % 4) {{ {_choose(same)} }} else {{ {pick} }}"
        blocks.append(f"{pick} in->p{i} = llmcc_related(o, r >> 40);")
    if not blocks:
        return []
    return ["uint64_t r = llmcc_next();", "long long o = 0;",
            f"switch (r % {len(blocks)}) {{",
            *(f"case {n}: {block} break;" for n, block in enumerate(blocks)),
            "}"]


def _choose(group: list[tuple[int, str, str]]) -> str:
    """C that sets ``o`` to one of the operands of ``group``, picked by ``r``."""
    cases = " ".join(f"case {k}: o = {expr}; {extra} break;".replace("  ", " ")
                     for k, (_, expr, extra) in enumerate(group))
    return f"switch ((r >> 16) % {len(group)}) {{ {cases} }}"


def _same_string(i: int, ct: CType, params) -> list[str]:
    """Every third test, a second string starts as a copy of the first (compare functions
    only turn on common prefixes), sometimes one character shorter; not where the two
    overlap (the first may then end nowhere)."""
    if not _is_string(ct):
        return []
    for j in range(i):
        if _is_string(params[j].ctype):
            return [f"if (test % 3 == 1 && (in->buf{i} >= in->buf{j} + in->len{j} || "
                    f"in->buf{j} >= in->buf{i} + in->len{i})) {{ "
                    f"strcpy((char *)in->buf{i}, (char *)in->buf{j}); "
                    f"size_t l = strlen((char *)in->buf{i}); "
                    f"if (l && llmcc_next() % 2) in->buf{i}[l - 1] = 0; }}"]
    return []


def _strings_at_end(params) -> list[str]:
    """On a share of the tests, every string moves to the end of its buffer, its NUL just
    before the guard page (``llmcc_string_at_end``): last, once the buffers are filled."""
    return [f"in->p{i} = llmcc_string_at_end(in->buf{i}, in->len{i}, (void *)in->p{i}, "
            f"test, {int(not p.ctype.target.const)});"
            for i, p in enumerate(params) if _is_string(p.ctype)]


def _alias(i: int, ct: CType, params, overlap: bool = True) -> list[str]:
    """In some tests, make this buffer and an earlier one of the same element type overlap,
    unless either is restrict (the C standard lets those assume no aliasing): the same
    buffer, this one a few elements into the earlier one, or the earlier one a few elements
    into this one (a vectorizer's runtime overlap check may turn on which comes first). The
    one that starts later is that much shorter, so it still ends where the other does.
    Without ``overlap`` only the same buffer."""
    if ct.restrict:
        return []
    for j in range(i):
        other = params[j].ctype
        if _buffer_target(other) is not None and not other.restrict and \
                other.target.size == ct.target.size and other.target.kind == ct.target.kind:
            elem = max(ct.target.size, 1)
            same = [f"if (test % 4 == 3) {{ in->p{i} = in->p{j}; in->buf{i} = in->buf{j}; "
                    f"in->len{i} = in->len{j}; }}"]
            if not overlap:
                return same
            return [*same, f"if (test % 8 == 5 || test % 16 == 0) {_overlap(i, j, elem)}",
                    f"if (test % 8 == 1 || test % 16 == 8) {_overlap(j, i, elem)}"]
    return []


def _overlap(a: int, b: int, elem: int) -> str:
    """C that points buffer ``a`` a few elements into buffer ``b``."""
    return (f"{{ size_t k = llmcc_overlap({elem}) * {elem}; in->buf{a} = in->buf{b} + k; "
            f"in->len{a} = in->len{b} - k; in->p{a} = (void *)in->buf{a}; }}")


def _describe_param(i: int, name: str, ct: CType) -> str:
    label = name or f"arg{i}"
    if _buffer_target(ct) is not None:
        return f'printf("{label}=<%zu-byte buffer> ", in->len{i});'
    if ct.kind in ("int", "enum", "bool"):
        return f'printf("{label}=%lld ", (long long)in->p{i});'
    if ct.kind == "float":
        return f'printf("{label}=%.17Lg ", (long double)in->p{i});'
    return f'printf("{label}=<{ct.kind}> ");'


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


_PRELUDE = r"""
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

void llmcc_tramp(void);
extern void *llmcc_target;
extern int llmcc_abi_bad;
extern int llmcc_frame_guard;
extern int llmcc_garble;
extern char __start_llmcc_tu_data[] __attribute__((weak));
extern char __stop_llmcc_tu_data[] __attribute__((weak));
extern char __start_llmcc_tu_bss[] __attribute__((weak));
extern char __stop_llmcc_tu_bss[] __attribute__((weak));

static uint64_t llmcc_state;
static uint64_t llmcc_next(void) {
    llmcc_state ^= llmcc_state << 13;
    llmcc_state ^= llmcc_state >> 7;
    llmcc_state ^= llmcc_state << 17;
    return llmcc_state;
}
static void llmcc_random_bytes(void *p, size_t n) {
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)llmcc_next();
}
static const long long llmcc_interesting[] = {@INTERESTING@};
static const long long llmcc_compared[] = {@COMPARED@};
/* mostly a constant the function compares with, else any interesting one */
static long long llmcc_pick_compared(void) {
    uint64_t r = llmcc_next();
    if (@NCOMPARED@ > 0 && r % 4 != 0)
        return llmcc_compared[(r >> 8) % (sizeof llmcc_compared / sizeof *llmcc_compared)];
    return llmcc_interesting[(r >> 8) % (sizeof llmcc_interesting / sizeof *llmcc_interesting)];
}
/* a value whose sum with o, or difference from it, is a constant the function compares with */
static long long llmcc_related(long long o, uint64_t r) {
    uint64_t c = (uint64_t)llmcc_pick_compared(), u = (uint64_t)o;
    return (long long)(r % 4 < 2 ? c - u : r % 4 == 2 ? c + u : u - c);
}
/* the integer of size bytes at p */
static long long llmcc_load(const unsigned char *p, int size, int is_signed) {
    uint64_t u = 0;
    memcpy(&u, p, (size_t)size);
    if (size < 8 && is_signed && (u >> (size * 8 - 1)) & 1) u |= ~0ULL << (size * 8);
    return (long long)u;
}
static long long llmcc_pick_int(int size, int is_signed, int size_like, int cap) {
    static const long long special[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64};
    uint64_t r = llmcc_next();
    if (size_like && r % 4 != 0) return (long long)((r >> 8) % (uint64_t)(cap + 1));
    unsigned bits = (unsigned)size * 8;
    uint64_t mask = bits >= 64 ? ~0ULL : ((1ULL << bits) - 1);
    long long v;
    switch (r % 16) {
    case 0: v = special[(r >> 8) % (sizeof special / sizeof *special)]; break;
    case 1: v = is_signed ? -(long long)((r >> 8) % 70) : (long long)(mask); break;
    case 2: v = is_signed ? (long long)(mask >> 1) : 0; break;
    case 3: v = is_signed ? -(long long)(mask >> 1) - 1 : 1; break;
    case 4: case 5: case 6: case 7: /* where the function's own comparisons turn */
        v = llmcc_interesting[(r >> 8) % (sizeof llmcc_interesting
                                          / sizeof *llmcc_interesting)];
        break;
    case 8: case 9: case 10: v = (long long)((r >> 8) % 20) - 2; break;
    case 11: v = (long long)((r >> 8) % 80) - 8; break;
    default: {
        uint64_t u = (r >> 3) & mask;
        if (is_signed && bits < 64 && (u >> (bits - 1))) return (long long)(u | ~mask);
        return (long long)u;
    }
    }
    if (!is_signed && v < 0) v = (long long)((uint64_t)v & mask);
    return v;
}
/* the element values of a buffer: random bytes, or small integers (sorted, equal or not)
   of the element's kind: 1 integer, 2 float, 3 double */
static void llmcc_fill(unsigned char *b, size_t n, int elem, int kind) {
    llmcc_random_bytes(b, n);
    int mode = (int)(llmcc_next() % 8);
    if (kind == 0 || mode < 3 || elem == 0) return;
    size_t count = n / (size_t)elem;
    long long base = (long long)(llmcc_next() % 7), value = base;
    for (size_t i = 0; i < count; i++) {
        if (mode == 3 || mode == 4) value = (long long)(llmcc_next() % 10) - (mode == 4 ? 5 : 0);
        else if (mode == 5) value = base + (long long)i + (long long)(llmcc_next() % 2);
        else if (mode == 6) value = base;  /* 5 sorted, 6 all equal */
        else value = (long long)(llmcc_next() % 3);
        unsigned char *e = b + i * (size_t)elem;
        if (kind == 2 && elem == 4) { float f = (float)value; memcpy(e, &f, 4); }
        else if (kind == 3 && elem == 8) { double d = (double)value; memcpy(e, &d, 8); }
        else memcpy(e, &value, (size_t)elem < 8 ? (size_t)elem : 8);
    }
}
static void llmcc_fill_string(unsigned char *b, size_t n) {
    static const char *alphabets[] = {"0123456789", "ab", "abc 019-+xyzXYZ.,", 0};
    const char *alpha = alphabets[llmcc_next() % 4];
    size_t len = (size_t)(llmcc_next() % n);
    if (llmcc_next() % 4 == 0) len = (size_t)(llmcc_next() % 4);
    for (size_t i = 0; i < len; i++)
        b[i] = alpha ? (unsigned char)alpha[llmcc_next() % strlen(alpha)]
                     : (unsigned char)(' ' + llmcc_next() % 95);
    if (llmcc_next() % 4 == 0)  /* a palindrome */
        for (size_t i = 0; i < len / 2; i++) b[len - 1 - i] = b[i];
    b[len] = 0;
}
static long long llmcc_pick_char(void) {
    static const char common[] = "ab019 -+.xXzZ";
    uint64_t r = llmcc_next();
    return r % 2 ? (long long)common[(r >> 8) % (sizeof common - 1)] : (long long)(r >> 8) % 256;
}
static double llmcc_pick_double(void) {
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-310, 1e300, -3.25,
                                     1.0 / 0.0, -1.0 / 0.0};
    uint64_t r = llmcc_next();
    if (r % 4 == 0) return special[(r >> 8) % (sizeof special / sizeof *special)];
    return ((double)(int64_t)(r >> 11) / (double)(1LL << 40)) * ((r & 1) ? -1.0 : 1.0);
}
/* how many elements (of elem bytes) apart two overlapping buffers start: a few, or about
   a vector's width */
static size_t llmcc_overlap(size_t elem) {
    uint64_t r = llmcc_next();
    size_t k = 1 + r % 8;
    if ((r >> 8) % 3 == 0) {
        size_t width = (size_t)16 << ((r >> 16) % 3);  /* 16, 32 or 64 bytes */
        k = width / elem + (r >> 24) % 3;
        k = k > 1 ? k - 1 : 1;
    }
    return k < @CAPACITY@ / 2 ? k : @CAPACITY@ / 2;
}
/* a buffer of n bytes against a PROT_NONE page: at its end on even tests, at its start on
   odd ones, so a read or write one byte outside faults */
static unsigned char *llmcc_guarded(size_t n, int test, int string, int elem, int kind) {
    long page = sysconf(_SC_PAGESIZE);
    size_t span = (n + (size_t)page - 1) / (size_t)page * (size_t)page;
    unsigned char *m = mmap(0, span + 2 * (size_t)page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(3); }
    mprotect(m, (size_t)page, PROT_NONE);
    mprotect(m + page + span, (size_t)page, PROT_NONE);
    unsigned char *b = (test % 2 == 0) ? m + page + span - n : m + page;
    llmcc_fill(b, n, elem, kind);
    if (string) llmcc_fill_string(b, n);
    return b;
}
/* an input id with this bit makes test (id without it) with every string left in place */
#define LLMCC_STRINGS_IN_PLACE @IN_PLACE@
static int llmcc_in_place;  /* the id being made has LLMCC_STRINGS_IN_PLACE */
static int llmcc_moved;  /* strings the id being made moved to their guard page */
/* On a share of the even tests (the buffer lies against the PROT_NONE page after it, and
   no other buffer overlaps it: see _alias) a string moves to the end of its buffer, so its
   NUL is the last readable byte and reading one byte past it faults. gcc's and glibc's
   code reads in aligned blocks, which never cross a page, so a baseline does not. A string
   the function may write (not const) may be a destination, left no room there: it moves
   on fewer tests. Returns where the string starts now. */
static void *llmcc_string_at_end(unsigned char *buf, size_t len, void *p, int test,
                                 int writable) {
    int share = writable ? test % 4 == 2 : test % 4 == 2 || test % 8 == 4;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (!share || llmcc_in_place || p != buf || (uintptr_t)(buf + len) % page) return p;
    size_t l = strnlen((const char *)buf, len);
    if (l >= len) return p;
    llmcc_moved++;
    return memmove(buf + len - 1 - l, buf, l + 1);
}

struct out { size_t len; unsigned char bytes[1 << 20]; };
static void llmcc_out_bytes(struct out *o, const void *p, size_t n) {
    if (o->len + n > sizeof o->bytes) n = sizeof o->bytes - o->len;
    memcpy(o->bytes + o->len, p, n);
    o->len += n;
}
static void llmcc_out_bits(struct out *o, const unsigned char *p, int first, int width) {
    for (int i = 0; i < width; i++) {
        unsigned char bit = (p[(first + i) / 8] >> ((first + i) % 8)) & 1;
        llmcc_out_bytes(o, &bit, 1);
    }
}
static void llmcc_out_globals(struct out *o) {
    if (__start_llmcc_tu_data)
        llmcc_out_bytes(o, __start_llmcc_tu_data,
                        (size_t)(__stop_llmcc_tu_data - __start_llmcc_tu_data));
    if (__start_llmcc_tu_bss)
        llmcc_out_bytes(o, __start_llmcc_tu_bss,
                        (size_t)(__stop_llmcc_tu_bss - __start_llmcc_tu_bss));
}

/* the verifier's children compute only: see llmcc/verify/sandbox.py */
@SANDBOX@
""".replace("@SANDBOX@", sandbox.c_function(sandbox.VERIFY, "llmcc_sandbox"))

_MAIN = r"""
/* the parts of the unit's writable data that hold no address (FIELDS_SECTION) */
struct llmcc_field { unsigned char *start, *end; long long unit; };
extern struct llmcc_field __start_llmcc_tu_fields[] __attribute__((weak));
extern struct llmcc_field __stop_llmcc_tu_fields[] __attribute__((weak));
#define LLMCC_FIELD_VALUES 1024  /* values set per field, at most */
static unsigned char *llmcc_fields_copy;

static size_t llmcc_field_bytes(struct llmcc_field *f) {
    size_t n = (size_t)(f->end - f->start), most = (size_t)f->unit * LLMCC_FIELD_VALUES;
    return n < most ? n : most;
}
/* keep the unit's initial values, and put them back */
static void llmcc_globals(int restore) {
    size_t total = 0;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++)
        total += llmcc_field_bytes(f);
    if (!restore) llmcc_fields_copy = malloc(total + 1);
    unsigned char *at = llmcc_fields_copy;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++) {
        size_t n = llmcc_field_bytes(f);
        if (restore) memcpy(f->start, at, n);
        else memcpy(at, f->start, n);
        at += n;
    }
}
/* start a call from other global state than the unit's initial one (a function may take a
   path only when its globals are not all zero): most fields get values near their initial
   ones, small ones or the function's interesting constants. Never a small negative one: a
   field may hold floats, and those bits are NaNs, whose payload correct code may pass on
   from either operand. 1 if any changed */
static int llmcc_set_globals(void) {
    int changed = 0;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++) {
        if (llmcc_next() % 4 == 0) continue;  /* this one keeps its value */
        size_t unit = (size_t)f->unit, n = llmcc_field_bytes(f) / unit;
        for (size_t k = 0; k < n; k++) {
            uint64_t r = llmcc_next(), v = 0, d = (r >> 8) % 5;
            long long c = llmcc_interesting[(r >> 16) % (sizeof llmcc_interesting
                                                         / sizeof *llmcc_interesting)];
            memcpy(&v, f->start + k * unit, unit);
            if (r % 8 < 3) v = v >= 2 ? v + d - 2 : v + 1 + d % 3;  /* near the initial value */
            else if (r % 8 == 7 && c >= 0 && c < 1 << 30) v = (uint64_t)c;
            else v = 1 + d * 2 + (r >> 24) % 2;  /* 1 to 10 (a field left alone keeps a 0) */
            memcpy(f->start + k * unit, &v, unit);
            changed = 1;
        }
    }
    return changed;
}

static uint64_t llmcc_wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* 0 ran, 1 crashed or was killed, 2 timed out, 64+ broke the ABI; *took_us: wall time */
static int llmcc_run_child(int cand, struct inputs *in, struct out *o, uint64_t limit_us,
                           uint64_t *took_us) {
    o->len = 0;
    uint64_t start = llmcc_wall_us();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(3); }
    if (pid == 0) {
        struct rlimit cpu = {@TIMEOUT@, @TIMEOUT@ + 1};
        setrlimit(RLIMIT_CPU, &cpu);
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        setrlimit(RLIMIT_FSIZE, &none);
        struct rlimit memory = {(rlim_t)@MEMORY_MB@ << 20, (rlim_t)@MEMORY_MB@ << 20};
        setrlimit(RLIMIT_AS, &memory);
        struct itimerval wall = {{0, 0}, {(time_t)(limit_us / 1000000u),
                                          (suseconds_t)(limit_us % 1000000u)}};
        setitimer(ITIMER_REAL, &wall, 0);
        llmcc_sandbox();
        llmcc_call(cand, in, o);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {}
    *took_us = llmcc_wall_us() - start;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) >= 64) return WEXITSTATUS(status);
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGALRM))
        return 2;
    return 1;
}

int main(int argc, char **argv) {
    int tests = argc > 1 ? atoi(argv[1]) : @TESTS@;
    uint64_t seed = argc > 2 ? strtoull(argv[2], 0, 10) : 1;
    struct out *a = mmap(0, sizeof *a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct out *b = mmap(0, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    llmcc_frame_guard = LLMCC_NO_STACK_ARGS;
    llmcc_garble = LLMCC_GARBLE;
    int valid = 0, failed = 0, run = 0, listed = 0, globals = 0;
    int *valid_tests = calloc((size_t)tests + 1, sizeof *valid_tests);
    llmcc_globals(0);
    for (int t = 0; t < tests; t++) {
        struct inputs in;
        if (globals) llmcc_globals(1);
        llmcc_input(&in, t, seed);
        /* every fourth test starts both calls from other values of the unit's globals */
        globals = t % 4 == 2 && llmcc_set_globals();
        run++;
        uint64_t base_us, cand_us;
        int id = t, base = llmcc_run_child(0, &in, a, @TIMEOUT@ * 3000000u, &base_us);
        if (base == 1 && llmcc_moved) {
            /* the baseline reads past a string that ends at its guard page: to the function
               it is no string (a buffer of a given size, or one it writes): the same input
               with the strings left where they were */
            id = t | LLMCC_STRINGS_IN_PLACE;
            llmcc_input(&in, id, seed);
            base = llmcc_run_child(0, &in, a, @TIMEOUT@ * 3000000u, &base_us);
        }
        /* not a valid input: the baseline itself fails on it, or nearly runs out of time */
        if (base != 0 || base_us > @SLOW_US@) continue;
        valid++;
        if (!globals) valid_tests[listed++] = id;  /* the timer's inputs keep the globals */
        /* the candidate gets many times the baseline's time on this input, and at least
           enough to start a process on a busy machine */
        uint64_t limit = base_us * @SLACK@;
        if (limit < @FLOOR_US@) limit = @FLOOR_US@;
        if (limit > @TIMEOUT@ * 3000000u) limit = @TIMEOUT@ * 3000000u;
        int cand = llmcc_run_child(1, &in, b, limit, &cand_us);
        const char *what = 0, *kind = "mismatch";  /* kind: the parent's COUNTEREXAMPLE_KINDS */
        static char abi[160];
        if (cand >= 64) {
            int bad = cand - 64;
            snprintf(abi, sizeof abi, "candidate breaks the calling convention:%s%s%s%s%s",
                     bad & 1 ? " callee-saved register changed" : "",
                     bad & 2 ? " stack pointer not restored" : "",
                     bad & 4 ? " direction flag left set" : "",
                     bad & 8 ? " MXCSR changed" : "", bad & 16 ? " x87 control word changed" : "");
            what = abi, kind = "abi";
        } else if (cand == 2) what = "candidate timed out", kind = "timeout";
        else if (cand == 1) what = "candidate crashed", kind = "crash";
        else if (a->len && b->len && (b->bytes[0] & ~a->bytes[0]))
            what = "candidate breaks the calling convention: writes stack memory outside "
                   "its frame", kind = "abi";
        else if (a->len != b->len || memcmp(a->bytes + 1, b->bytes + 1, a->len - 1) != 0)
            what = "outputs differ";  /* byte 0: stack bits, which calls make legitimate */
        if (what) {
            failed++;
            size_t at = 0;
            while (at < a->len && at < b->len && a->bytes[at] == b->bytes[at]) at++;
            printf("COUNTEREXAMPLE %s test %d: %s (first differing output byte %zu): %s", kind,
                   t, what, at, globals ? "[the unit's globals set to other values] " : "");
            llmcc_describe(&in);
            break;
        }
    }
    printf("COUNTS run=%d valid=%d failed=%d\n", run, valid, failed);
    if (!failed) {
        fputs("VALID", stdout);
        for (int i = 0; i < listed; i++) printf(" %d", valid_tests[i]);
        fputc('\n', stdout);
    }
    return 0;
}
""".replace("@TIMEOUT@", str(CALL_TIMEOUT_S)).replace("@SLACK@", str(TIME_SLACK)) \
    .replace("@SLOW_US@", str(SLOW_BASELINE_US)) \
    .replace("@FLOOR_US@", str(TIME_FLOOR_US)).replace("@MEMORY_MB@", str(MEMORY_LIMIT_MB))


# -- building and running ----------------------------------------------------------------------

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
        fh.write(TRAMPOLINE)
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
    text = proc.stdout.decode(errors="replace")
    counts = _counts(text)
    if not proc.ok or counts is None:
        return DiffResult(Outcome.UNTESTABLE, f"the test harness failed (exit {proc.returncode})",
                          counts or Counts(0, 0, 0))
    example = re.search(r"^COUNTEREXAMPLE (\w+) (.*)$", text, re.M)
    if counts.failed:
        # any failure rejects; a kind this code does not know is a plain mismatch
        kind, reason = example.groups() if example else ("mismatch", "outputs differ")
        outcome = COUNTEREXAMPLE_KINDS.get(kind, Outcome.TEST_MISMATCH)
        return DiffResult(outcome, reason.strip(), counts)
    if counts.valid < min_valid:
        return DiffResult(Outcome.UNTESTABLE, f"only {counts.valid} of {counts.run} generated "
                          f"inputs are valid for the baseline (at least {min_valid} needed)",
                          counts)
    valid = re.search(r"^VALID((?: \d+)*)$", text, re.M)
    return DiffResult(None, f"{counts.valid} valid inputs, no difference", counts,
                      tuple(map(int, valid.group(1).split())) if valid else ())


# the harness's word for why a candidate failed a test -> its outcome (codes, not prose: the
# reason's wording may change freely)
COUNTEREXAMPLE_KINDS = {
    "mismatch": Outcome.TEST_MISMATCH,
    "crash": Outcome.CANDIDATE_CRASH,
    "timeout": Outcome.CANDIDATE_TIMEOUT,
    "abi": Outcome.ABI_VIOLATION,
}


def _counts(text: str) -> Counts | None:
    m = re.search(r"COUNTS run=(\d+) valid=(\d+) failed=(\d+)", text)
    return Counts(*map(int, m.groups())) if m else None
