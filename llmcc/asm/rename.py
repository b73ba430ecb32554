"""Symbol renaming for harnesses and splicing: whole names only, never mnemonics or strings."""

from __future__ import annotations

from llmcc.asm.lines import rename_line, split_lines


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


def uniquify_local_labels(text: str, tag: str, keep: tuple[str, ...] = ()) -> str:
    """Give every compiler-made local name ``text`` defines a ``tag`` so it cannot clash
    when spliced: ``.L5`` becomes ``.L<tag>_5``, ``CSWTCH.17`` becomes ``CSWTCH.17.<tag>``
    (gcc's dotted names are numbered per compile). Names in ``keep`` (the function's own,
    which may be a clone such as ``f.part.0``) stay. References inside ``text`` follow."""
    mapping = {}
    for label in defined_labels(text):
        if label in keep:
            continue
        if label.startswith(".L"):
            mapping[label] = f".L{tag}_{label[2:]}"
        elif is_compiler_local(label):
            mapping[label] = f"{label}.{tag}"
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
