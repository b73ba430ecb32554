"""The model prompt, shared by the ``model`` proposer and training: what a model is shown for
one function (instructions, its C source, gcc's assembly, the target ISA) and how its answer
is read back (``extract_assembly``). Change the wording only with ``PROMPT_VERSION``."""

from __future__ import annotations

import re
from typing import NamedTuple

from llmcc.asm.rename import strip_line_info
from llmcc.records import FunctionTask

# Part of every cache key and training record built from these prompts: raise it whenever
# the text a model sees or the way its answer is read changes.
PROMPT_VERSION = 1

DEFAULT_ISA = "x86-64 baseline (SSE2)"

# the whole C file stands in for the function's definition when that is not found
_WHOLE_FILE_LIMIT = 8000

SYSTEM = (
    "You are an expert in x86-64 performance and in the GNU assembler. You rewrite functions "
    "compiled by gcc so that they run faster, and you never change what they compute."
)

_INSTRUCTIONS = """\
Rewrite the x86-64 assembly of the function `{name}` below so that it runs faster with \
identical behaviour.

- Write AT&T syntax for the GNU assembler, in the form gcc emits it.
- Keep the symbol name `{name}`, its binding ({binding}) and its calling convention \
(System V AMD64 ABI): the same arguments and return value, callee-saved registers \
preserved, the same reads and writes of memory.
- Use only instructions the target allows: {isa}.
- Keep the `.type`, `.size` and section directives, and any read-only data the code uses.
- Output only the assembly of the function, in one ```asm fenced block."""

_BINDINGS = {"global": "global, .globl", "weak": "weak, .weak", "local": "local, not exported"}


class PromptInput(NamedTuple):
    """Everything a prompt is made of; training builds these from its own records."""

    function: str  # the assembly symbol
    assembly: str  # gcc's text for the function with the data it references
    c_source: str = ""  # the C definition ("" when unknown)
    isa: str = DEFAULT_ISA
    binding: str = "global"  # global, weak or local
    level: str = "-O3"  # the optimization level of ``assembly``

    @classmethod
    def from_task(cls, task: FunctionTask) -> PromptInput:
        return cls(
            function=task.name,
            assembly=strip_line_info(task.baseline_text),  # no .loc/.file (a -g build)
            c_source=c_function_source(read_source(task.source), task.name),
            isa=target_isa(task.flags),
            binding=task.function.binding,
            level=opt_level(task.flags),
        )


def user_prompt(inp: PromptInput) -> str:
    binding = _BINDINGS.get(inp.binding, inp.binding)
    parts = [_INSTRUCTIONS.format(name=inp.function, binding=binding, isa=inp.isa), ""]
    parts.append(f"Target: {inp.isa}")
    parts.append("")
    if inp.c_source.strip():
        parts += ["C source:", "```c", inp.c_source.strip("\n"), "```"]
    else:
        parts.append("C source: not available.")
    parts += ["", f"gcc {inp.level} assembly:", "```asm", inp.assembly.strip("\n"), "```"]
    return "\n".join(parts) + "\n"


def chat_messages(inp: PromptInput | FunctionTask) -> list[dict[str, str]]:
    """System and user messages for a chat endpoint."""
    if isinstance(inp, FunctionTask):
        inp = PromptInput.from_task(inp)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user_prompt(inp)}]


# A completion prompt ends inside the answer's fence; prepend this to the completion before
# reading it back with extract_assembly.
COMPLETION_PRIMER = "```asm\n"
# where a completion's answer ends: the stop string of completion requests
CLOSING_FENCE = "\n```"


def completion_prompt(inp: PromptInput | FunctionTask) -> str:
    """The same content as one text, for a plain completions endpoint."""
    if isinstance(inp, FunctionTask):
        inp = PromptInput.from_task(inp)
    return f"{SYSTEM}\n\n{user_prompt(inp)}\nThe faster assembly:\n{COMPLETION_PRIMER}"


# -- the pieces --------------------------------------------------------------------------


def target_isa(flags: tuple[str, ...] | list[str]) -> str:
    """The -march/-m options among ``flags``, or DEFAULT_ISA when there are none."""
    chosen = [f for f in flags if f.startswith("-m") and len(f) > 2]
    return " ".join(chosen) if chosen else DEFAULT_ISA


def opt_level(flags: tuple[str, ...] | list[str]) -> str:
    levels = [f for f in flags if re.fullmatch(r"-O(?:[0-3sgz]|fast)?", f)]
    return levels[-1] if levels else "-O3"


def read_source(path: str) -> str:
    """The C file's text, or "" when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(1 << 22)
    except (OSError, ValueError):
        return ""


def c_function_source(text: str, function: str) -> str:
    """The definition of C function ``function`` in ``text`` (an assembly symbol: gcc's
    clone suffixes such as ``.constprop.0`` are ignored); the whole text when the definition
    is not found and the text is short, else ""."""
    name = function.split(".", 1)[0]
    found = _find_definition(text, name) if name.isidentifier() else None
    if found is not None:
        return found
    return text if len(text) <= _WHOLE_FILE_LIMIT else ""


def _find_definition(text: str, name: str) -> str | None:
    masked = _mask(text)
    depth, pos = 0, 0
    for m in re.finditer(rf"(?<![\w$]){re.escape(name)}\s*\(", masked):
        depth += _brace_delta(masked, pos, m.start())
        pos = m.start()
        if depth != 0:
            continue
        close = _matching(masked, m.end() - 1, "(", ")")
        if close < 0:
            return None
        body = _body_start(masked, close + 1)
        if body < 0:
            continue  # a declaration or a call in an initializer
        end = _matching(masked, body, "{", "}")
        if end < 0:
            return None
        start = max(masked.rfind(";", 0, m.start()), masked.rfind("}", 0, m.start())) + 1
        while start < m.start() and masked[start].isspace():
            start += 1
        return text[start:end + 1]
    return None


def _brace_delta(masked: str, start: int, end: int) -> int:
    chunk = masked[start:end]
    return chunk.count("{") - chunk.count("}")


def _matching(masked: str, at: int, opening: str, closing: str) -> int:
    """The index of the bracket closing the one at ``at``; -1 when unbalanced."""
    depth = 0
    for i in range(at, len(masked)):
        c = masked[i]
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _body_start(masked: str, at: int) -> int:
    """After a parameter list: the index of the body's ``{``, or -1 when what follows is no
    body (attributes and asm labels in parentheses are skipped)."""
    depth = 0
    for i in range(at, len(masked)):
        c = masked[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return -1
        elif depth == 0 and c in ";=,}":
            return -1
        elif depth == 0 and c == "{":
            return i
    return -1


def _mask(text: str) -> str:
    """``text`` with comments, string and character literals and preprocessor lines blanked
    (newlines kept), so brackets in them do not count; positions are unchanged."""
    out = list(text)
    n, i = len(text), 0
    line_start = True  # only blanks since the last newline

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c == "#" and line_start:
            j = i
            while True:
                j = text.find("\n", j)
                if j < 0:
                    j = n
                    break
                if text[j - 1] == "\\" or text[j - 2:j] == "\\\r":
                    j += 1
                    continue
                break
            blank(i, j)
            i = j
            continue
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] not in (c, "\n"):
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            if not c.isspace():
                line_start = False
            i += 1
            continue
        blank(i, j)
        line_start = False
        i = j
    return "".join(out)


# -- reading an answer -------------------------------------------------------------------

_OPEN_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^`]*$")
_CLOSE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")
_LABEL_ALONE_RE = re.compile(r"^[A-Za-z_.$][\w.$]*:\s*(?:#.*)?$")


def extract_assembly(text: str, function: str) -> str | None:
    """The assembly in a model's answer that defines ``function:``; None when there is none.

    Markdown fences of any language (```asm, ```s, ```gas, ```, ~~~) are read, a missing
    closing fence ends the block at the end of the text; of several fenced blocks that
    define the function the last wins (answers often quote the original first). Without
    such a block, the run of assembly-looking lines around the label is taken from the
    unfenced text, leaving chatter before and after out.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    defines = re.compile(rf"^\s*{re.escape(function)}:")
    fenced: list[list[str]] = []
    loose: list[list[str]] = [[]]
    i = 0
    while i < len(lines):
        m = _OPEN_RE.match(lines[i])
        if m is None:
            loose[-1].append(lines[i])
            i += 1
            continue
        fence = m.group(1)
        block: list[str] = []
        i += 1
        while i < len(lines):
            close = _CLOSE_RE.match(lines[i])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                break
            block.append(lines[i])
            i += 1
        i += 1  # past the closing fence
        fenced.append(block)
        loose.append([])
    for block in reversed(fenced):
        if any(defines.match(line) for line in block):
            return _joined(block)
    for segment in loose:
        for k, line in enumerate(segment):
            if defines.match(line):
                return _joined(_asm_run(segment, k))
    return None


def _asm_run(lines: list[str], at: int) -> list[str]:
    """The lines around ``lines[at]`` that look like assembly: contiguous before it, blank
    lines allowed after it."""
    first = at
    while first > 0 and _looks_like_asm(lines[first - 1]):
        first -= 1
    last = at
    for k in range(at + 1, len(lines)):
        if _looks_like_asm(lines[k]):
            last = k
        elif lines[k].strip():
            break
    return lines[first:last + 1]


def _looks_like_asm(line: str) -> bool:
    if not line.strip():
        return False
    return line[0] in " \t." or bool(_LABEL_ALONE_RE.match(line))


def _joined(lines: list[str]) -> str | None:
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return text + "\n" if text.strip() else None
