"""Symbol renaming for harnesses and splicing (whole names only, never mnemonics or strings),
and normalization: what is left of a function's text when only its code matters."""

from __future__ import annotations

import re

from llmcc.asm.lines import outside_strings, rename_line, split_lines


def rename_symbols(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each symbol in ``mapping`` renamed wherever it is defined or used."""
    if not mapping:
        return text
    return "\n".join(rename_line(raw, mapping) for raw in text.split("\n"))


def defined_labels(text: str) -> list[str]:
    """Names ``text`` defines: its labels and its ``.set`` aliases."""
    lines, _ = split_lines(text)
    names = [label for line in lines for label in line.labels]
    names += [line.split_args()[0] for line in lines if line.head in (".set", ".equ")]
    return names


def uniquify_local_labels(text: str, tag: str, keep: tuple[str, ...] = (),
                          also: tuple[str, ...] | list[str] = ()) -> str:
    """Give every compiler-made local name ``text`` defines a ``tag`` so it cannot clash
    when spliced: ``.L5`` becomes ``.L<tag>_5``, ``CSWTCH.17`` becomes ``CSWTCH.17.<tag>``
    (gcc's dotted names are numbered per compile), and so do the names in ``also`` (the
    helpers a candidate brings along); a renamed function's cold part follows it
    (``h.<tag>.cold``). Names in ``keep`` (the function's own, which may be a clone such as
    ``f.part.0``) stay. References inside ``text`` follow."""
    mapping = {}
    defined = defined_labels(text)
    for label in defined:
        if label in keep:
            continue
        if label.startswith(".L"):
            mapping[label] = f".L{tag}_{label[2:]}"
        elif is_compiler_local(label) or label in also:
            mapping[label] = f"{label}.{tag}"
    for label in defined:
        base = label.removesuffix(".cold")
        if base != label and base in mapping and label not in keep:
            mapping[label] = f"{mapping[base]}.cold"
    return rename_symbols(text, mapping)


def is_compiler_local(name: str) -> bool:
    """A name gcc made up for this compile (``CSWTCH.17``, ``buf.0``), not a C identifier
    or a function's cold part."""
    return "." in name and not name.startswith(".") and not name.endswith(".cold")


def rename_function(text: str, old: str, new: str) -> str:
    """Rename a function and its cold part (``old.cold``) in ``text``."""
    return rename_symbols(text, {old: new, f"{old}.cold": f"{new}.cold"})


def strip_line_info(text: str) -> str:
    """``text`` without ``.loc``/``.file`` lines: a candidate's source positions (and the
    location views they define) would clash with the unit it is spliced into, which keeps
    its own ``.file`` declarations."""
    lines, _ = split_lines(text)
    return "\n".join(line.text for line in lines
                     if line.head not in (".loc", ".file", ".loc_mark_labels"))


def code_lines(text: str) -> list[str]:
    """``text``'s lines without source positions, CFI and debug-info labels: the code as a
    reader compares it (``llmcc cache diff``, ``llmcc report``)."""
    return [ln for ln in strip_line_info(text).splitlines()
            if not ln.strip().startswith((".cfi_", ".LVL", ".LVU", ".LBB", ".LBE"))]


def normalized(text: str) -> str:
    """``text`` reduced to its code, for telling whether two compiles gave the same function.

    Line info (``.loc``, ``.file``), ``.cfi_*`` directives and comments go; local labels
    nothing in the text refers to (``.LFB0``, ``.LVL3``) go; the compiler's made-up names
    (``.L5``, ``.LC0``, ``CSWTCH.17``) are renumbered in order of definition; whitespace is
    reduced to single spaces.
    """
    lines, _ = split_lines(strip_line_info(text))
    lines = [line for line in lines if not line.head.startswith(".cfi_")]
    used = {sym for line in lines if line.args for sym in line.symbols()}
    mapping: dict[str, str] = {}
    out: list[str] = []
    for line in lines:
        for label in line.labels:
            if label.startswith(".L") and label not in used:
                continue
            out.append(f"{label}:")
            _canonical(label, mapping)
        if line.head:
            if line.head in (".set", ".equ"):
                _canonical(line.split_args()[0], mapping)
            out.append(f"\t{line.head} {_squeezed(line.args)}".rstrip())
    return rename_symbols("\n".join(out), mapping)


def _canonical(name: str, mapping: dict[str, str]) -> None:
    if name in mapping:
        return
    if name.startswith(".L"):
        mapping[name] = f".Lv{len(mapping)}"
    elif is_compiler_local(name):
        mapping[name] = f"{name.split('.', 1)[0]}.v{len(mapping)}"


def _squeezed(args: str) -> str:
    """Whitespace runs as one space and none around commas, string literals untouched."""
    return outside_strings(args, lambda code: re.sub(r"\s*,\s*", ",",
                                                     re.sub(r"\s+", " ", code))).strip()
