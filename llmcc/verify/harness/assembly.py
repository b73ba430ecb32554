"""The assembly side of a harness: the baseline translation unit with copies of the function
added under other names (placed at an entry offset, or with their read-only data poisoned),
and the unit's writable data gathered where the harness can compare and set it."""

from __future__ import annotations

from typing import NamedTuple

from llmcc.asm.lines import DATA_DIRECTIVES, SECTION_SWITCHES, is_unanalysed, split_lines
from llmcc.asm.module import Module
from llmcc.asm.rename import (
    is_compiler_local,
    rename_function,
    rename_symbols,
    strip_line_info,
    uniquify_local_labels,
)

# the harnesses' C reads these sections by their __start_ and __stop_ symbols
DATA_SECTION = "llmcc_tu_data"
BSS_SECTION = "llmcc_tu_bss"
# (start, end, bytes per value) of each part of the unit's writable data that holds no address
FIELDS_SECTION = "llmcc_tu_fields"


class Copy(NamedTuple):
    """A copy of the function added to the harness unit under another name: taken from
    ``text`` (a whole unit or just the function), with the helpers it brings along
    (``Module.helpers``) renamed for the copy; with ``offset`` set, its entry part goes
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
        helpers = source.helpers(function, baseline)  # renamed per copy, like its labels
        snippet = strip_line_info(source.function_text(function, helpers=helpers))
        if copy.poison:
            snippet = _poisoned_data(snippet, source, copy.tag)
        snippet = _private_tables(snippet, copy.tag, function)
        snippet = uniquify_local_labels(snippet, copy.tag, keep=(function, f"{function}.cold"),
                                        also=helpers)
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
