"""Lossless, fast splitting of assembly text into lines that know their labels, head and section.

This is what the compile path uses on whole compiler output: it never loses a
byte (``join`` gives the text back) and costs a regex match per line. The
full grammar (``llmcc.asm.parser``) is applied only to text llmcc must
understand completely; tests check that both agree on every corpus line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

# labels at the start, then the head word (directive, mnemonic or prefix), then the rest
_LINE_RE = re.compile(
    r'[ \t]*((?:(?:[A-Za-z_.$][\w.$]*|\d+|"(?:[^"\\]|\\.)+"):[ \t]*)*)([^\s#;"]*)[ \t]*(.*)'
)
_LABEL_RE = re.compile(r'([A-Za-z_.$][\w.$]*|\d+|"(?:[^"\\]|\\.)+"):')
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
# a symbol: not a register (%), an immediate's $, or a relocation suffix (@PLT)
SYMBOL_RE = re.compile(r'(?<![\w.%@])[A-Za-z_.][\w.$]*')

# directives that emit data (as opposed to layout, symbols and debug line info)
DATA_DIRECTIVES = frozenset({
    ".byte", ".value", ".word", ".short", ".long", ".int", ".quad", ".octa", ".string",
    ".ascii", ".asciz", ".zero", ".skip", ".space", ".fill", ".float", ".double", ".single",
    ".8byte", ".4byte", ".2byte", ".dc.a", ".uleb128", ".sleb128",
})
SECTION_SWITCHES = frozenset(
    {".text", ".data", ".bss", ".section", ".previous", ".pushsection", ".popsection"}
)


class Line(NamedTuple):
    """One line of assembly text.

    ``head`` is the directive name (``.section``) or mnemonic (``movl``, or a
    prefix such as ``rep``), empty for label-only, blank and comment lines;
    ``args`` is the rest without the comment; ``section`` is where the line's
    contents go. ``inline`` marks user inline asm (between ``#APP`` and
    ``#NO_APP``), which llmcc never claims to understand. ``odd`` marks a line
    the splitter could not take apart with confidence (several statements
    separated by ``;``, or unbalanced quotes).
    """

    text: str
    labels: tuple[str, ...]
    head: str
    args: str
    section: str
    inline: bool = False
    odd: bool = False

    @property
    def is_directive(self) -> bool:
        return self.head.startswith(".")

    @property
    def is_instruction(self) -> bool:
        return bool(self.head) and not self.head.startswith(".")

    def symbols(self) -> list[str]:
        """Names the line's arguments refer to (string literals skipped)."""
        args = self.args
        if '"' in args:
            args = _STRING_RE.sub(" ", args)
        return SYMBOL_RE.findall(args)

    def split_args(self) -> list[str]:
        """Directive arguments split at top-level commas, stripped."""
        return [a.strip() for a in _split_commas(self.args)]


# a string literal (possibly left open) or a run of text outside strings
_PIECE_RE = re.compile(r'"(?:[^"\\]|\\.)*"?|[^"]+')


def _pieces(text: str):
    """(offset, piece, is_string) for the string literals of ``text`` and the text between."""
    for m in _PIECE_RE.finditer(text):
        yield m.start(), m.group(0), m.group(0).startswith('"')


def _split_commas(text: str) -> list[str]:
    if '"' not in text:
        return text.split(",")
    out, cur = [], []
    for _, piece, is_string in _pieces(text):
        if is_string:
            cur.append(piece)
            continue
        first, *rest = piece.split(",")
        cur.append(first)
        for part in rest:
            out.append("".join(cur))
            cur = [part]
    out.append("".join(cur))
    return out


def _strip_comment(rest: str) -> tuple[str, bool]:
    """Cut a trailing ``#`` comment outside strings; report a line that is odd: a second
    statement (``;``), a C comment, or an unterminated string."""
    if "#" not in rest and ";" not in rest and "/*" not in rest:
        return rest.rstrip(), False
    for offset, piece, is_string in _pieces(rest):
        if is_string:
            if not _STRING_RE.fullmatch(piece):
                return rest.rstrip(), True  # unterminated
            continue
        cut = min((i for i in (piece.find("#"), piece.find(";"), piece.find("/*")) if i >= 0),
                  default=-1)
        if cut >= 0:
            if piece[cut] == "#":
                return rest[:offset + cut].rstrip(), False
            return rest.rstrip(), True
    return rest.rstrip(), False


class SectionTracker:
    """Follows ``.section``/``.text``/``.previous``/``.pushsection`` like the assembler."""

    def __init__(self) -> None:
        self.current = ".text"
        self.previous = ".text"
        self.stack: list[tuple[str, str]] = []
        self.flags: dict[str, str] = {".text": "ax", ".data": "aw", ".bss": "aw"}
        # the fullest .section arguments seen per section, to re-declare it faithfully
        self.declared: dict[str, str] = {}

    def switch(self, head: str, args: str) -> None:
        if head in (".text", ".data", ".bss"):
            self._go(head)
        elif head in (".section", ".pushsection"):
            parts = [p.strip() for p in _split_commas(args)]
            name = parts[0].split()[0] if parts and parts[0] else self.current
            name = name.strip('"')
            if len(parts) > 1 and name not in self.flags:
                self.flags[name] = parts[1].strip('"')
            if len(parts) > 1:
                self.declared.setdefault(name, args.strip())
            if head == ".pushsection":
                self.stack.append((self.current, self.previous))
            self._go(name)
        elif head == ".previous":
            self.current, self.previous = self.previous, self.current
        elif head == ".popsection" and self.stack:
            self.current, self.previous = self.stack.pop()

    def _go(self, name: str) -> None:
        if name != self.current:
            self.previous, self.current = self.current, name

    def directive(self, name: str) -> str:
        """A line that switches to section ``name`` with its declared flags."""
        if name in (".text", ".data", ".bss"):
            return "\t" + name
        return "\t.section\t" + self.declared.get(name, name)

    def is_writable(self, name: str) -> bool:
        return "w" in self.flags.get(name, "") or name.startswith(
            (".data", ".bss", ".tdata", ".tbss"))

    def is_code(self, name: str) -> bool:
        return name == ".text" or name.startswith(".text.") or "x" in self.flags.get(name, "")


# a line that may switch sections (anything else keeps the section it is in)
_SWITCH_LINE_RE = re.compile(
    r"^[ \t]*\.(?:section|text|data|bss|previous|pushsection|popsection)\b.*$", re.M
)
DEBUG_CHUNK = "#debug"  # head of a Line holding a whole run of debug-section lines


def is_unanalysed(section: str) -> bool:
    """Sections llmcc never takes apart line by line: DWARF, notes."""
    return section.startswith((".debug", ".note", ".gnu_debug"))


def split_lines(text: str) -> tuple[list[Line], SectionTracker]:
    """Split assembly text into Lines; ``"\\n".join(l.text for l in lines)`` is ``text``.

    A run of lines inside a debug section becomes one Line with head
    DEBUG_CHUNK whose ``args`` is its text, so symbol references from debug
    info are still seen; this keeps ``-g`` output (mostly DWARF) cheap.
    """
    tracker = SectionTracker()
    lines: list[Line] = []
    state = [False]  # inside #APP ... #NO_APP
    pos = 0
    for m in _SWITCH_LINE_RE.finditer(text):
        _split_run(text[pos:m.start()], tracker, lines, state)
        raw = m.group(0)
        _split_run(raw, tracker, lines, state, switch=True)
        pos = m.end() + 1
        if pos > len(text):
            return lines, tracker
    _split_run(text[pos:], tracker, lines, state, last=True)
    return lines, tracker


def _split_run(chunk: str, tracker: SectionTracker, lines: list[Line], state: list[bool],
               last: bool = False, switch: bool = False) -> None:
    """Split ``chunk`` (whole lines, each ending in a newline unless ``last``; ``switch``:
    a line that may switch sections, taken apart even inside a debug section, so that the
    section after it is followed)."""
    if not chunk:
        if last:
            lines.append(Line("", (), "", "", tracker.current))
        return
    if not last and chunk.endswith("\n"):
        chunk = chunk[:-1]
    if is_unanalysed(tracker.current) and not state[0] and not switch:
        lines.append(Line(chunk, (), DEBUG_CHUNK, chunk, tracker.current))
        return
    inline = state[0]
    match = _LINE_RE.match
    for raw in chunk.split("\n"):
        m = match(raw)
        label_text, head, rest = m.group(1), m.group(2), m.group(3)
        labels = tuple(_LABEL_RE.findall(label_text)) if label_text else ()
        odd = False
        if not head and rest.startswith("#"):  # a comment line; gcc marks inline asm so
            stripped = rest.rstrip()
            if stripped == "#APP":
                inline = True
            elif stripped == "#NO_APP":
                inline = False
            rest = ""
        elif rest:
            rest, odd = _strip_comment(rest)
        if head in SECTION_SWITCHES:
            tracker.switch(head, rest)
        lines.append(Line(raw, labels, head, rest, tracker.current, inline, odd))
    state[0] = inline


def rename_line(raw: str, mapping: dict[str, str]) -> str:
    """``raw`` with every symbol in ``mapping`` renamed, in labels and arguments only.

    The head word (a mnemonic may look like a symbol: ``add``), string literals
    and comments are left alone.
    """
    m = _LINE_RE.match(raw)
    if m.group(2).startswith("#"):
        return raw

    def sub(text: str) -> str:
        return SYMBOL_RE.sub(lambda s: mapping.get(s.group(0), s.group(0)), text)

    labels = sub(raw[m.start(1):m.end(1)])
    rest = raw[m.start(3):]
    code, _ = _strip_comment(rest)
    comment = rest[len(code):]
    code = outside_strings(code, sub)
    return raw[:m.start(1)] + labels + raw[m.end(1):m.start(3)] + code + comment


def outside_strings(code: str, change: Callable[[str], str]) -> str:
    """``code`` with ``change`` applied to everything but its string literals."""
    if '"' not in code:
        return change(code)
    pieces, last = [], 0
    for s in _STRING_RE.finditer(code):
        pieces.append(change(code[last:s.start()]))
        pieces.append(s.group(0))
        last = s.end()
    pieces.append(change(code[last:]))
    return "".join(pieces)
