"""Symbol renaming for harnesses and splicing: whole names only, never mnemonics or strings."""

from __future__ import annotations

from llmcc.asm.lines import rename_line, split_lines


def rename_symbols(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each symbol in ``mapping`` renamed wherever it is defined or used."""
    if not mapping:
        return text
    return "\n".join(rename_line(raw, mapping) for raw in text.split("\n"))


def defined_labels(text: str) -> list[str]:
    lines, _ = split_lines(text)
    return [label for line in lines for label in line.labels]


def uniquify_local_labels(text: str, tag: str) -> str:
    """Give every ``.L`` label defined in ``text`` a ``tag`` so it cannot clash when spliced.

    ``.L5`` becomes ``.L<tag>_5``; references inside ``text`` follow.
    """
    mapping = {
        label: f".L{tag}_{label[2:]}"
        for label in defined_labels(text)
        if label.startswith(".L")
    }
    return rename_symbols(text, mapping)


def rename_function(text: str, old: str, new: str) -> str:
    """Rename a function and its cold part (``old.cold``) in ``text``."""
    return rename_symbols(text, {old: new, f"{old}.cold": f"{new}.cold"})
