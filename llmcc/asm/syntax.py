"""The statement data model of GNU as (AT&T) text: frozen records that render back to text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Names that an expression token may refer to; relocation suffixes (@PLT) are
# part of the token but not of the symbol.
_SYMBOL_RE = re.compile(r'^(?:[A-Za-z_.][\w.$]*|"(?:[^"\\]|\\.)+")')


@dataclass(frozen=True, slots=True)
class Expr:
    """An operand expression as its tokens, e.g. ``("foo@PLT",)`` or ``("-", "8")``."""

    tokens: tuple[str, ...]

    def render(self) -> str:
        return "".join(self.tokens)

    def symbols(self) -> tuple[str, ...]:
        """Symbol names referenced (``.`` and numbers excluded, ``@reloc`` stripped)."""
        out = []
        for tok in self.tokens:
            if tok == "." or not tok or not (tok[0].isalpha() or tok[0] in "_.\""):
                continue
            m = _SYMBOL_RE.match(tok)
            if m:
                out.append(m.group(0))
        return tuple(out)

    def renamed(self, mapping: dict[str, str]) -> Expr:
        def one(tok: str) -> str:
            m = _SYMBOL_RE.match(tok)
            if m and m.group(0) in mapping and tok != ".":
                return mapping[m.group(0)] + tok[m.end():]
            return tok

        return Expr(tuple(one(t) for t in self.tokens))


@dataclass(frozen=True, slots=True)
class Register:
    name: str  # without the %, e.g. "rax" or "st(1)"

    def render(self) -> str:
        return "%" + self.name


@dataclass(frozen=True, slots=True)
class Immediate:
    value: Expr

    def render(self) -> str:
        return "$" + self.value.render()


@dataclass(frozen=True, slots=True)
class Memory:
    """``seg:disp(base,index,scale)``; ``based`` is False for a bare ``disp``."""

    segment: str | None
    disp: Expr | None
    base: str | None
    index: str | None
    scale: str | None
    based: bool

    def render(self) -> str:
        out = f"%{self.segment}:" if self.segment else ""
        if self.disp is not None:
            out += self.disp.render()
        if self.based:
            inner = f"%{self.base}" if self.base else ""
            if self.index or self.scale:
                inner += "," + (f"%{self.index}" if self.index else "")
                if self.scale:
                    inner += "," + self.scale
            out += f"({inner})"
        return out


@dataclass(frozen=True, slots=True)
class Indirect:
    """``*target`` in jumps and calls."""

    target: Register | Memory

    def render(self) -> str:
        return "*" + self.target.render()


@dataclass(frozen=True, slots=True)
class Decorated:
    """An AVX-512 operand with a mask/broadcast/zeroing decorator, e.g. ``%zmm0{%k1}``."""

    operand: Operand
    decorator: str

    def render(self) -> str:
        return self.operand.render() + self.decorator


@dataclass(frozen=True, slots=True)
class Rounding:
    """A stand-alone ``{rn-sae}`` style operand."""

    decorator: str

    def render(self) -> str:
        return self.decorator


Operand = Register | Immediate | Memory | Indirect | Decorated | Rounding


@dataclass(frozen=True, slots=True)
class Instruction:
    prefixes: tuple[str, ...]
    mnemonic: str  # "" for a line holding only prefixes (gcc's TLS `rex64`)
    operands: tuple[Operand, ...]

    def render(self) -> str:
        head = " ".join((*self.prefixes, self.mnemonic) if self.mnemonic else self.prefixes)
        if not self.operands:
            return "\t" + head
        return "\t" + head + "\t" + ", ".join(op.render() for op in self.operands)


@dataclass(frozen=True, slots=True)
class Directive:
    """``.name arg, arg``: arguments are kept as text split at top-level commas."""

    name: str
    args: tuple[str, ...]

    def render(self) -> str:
        if not self.args:
            return "\t" + self.name
        return "\t" + self.name + "\t" + ",".join(self.args)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: labels defined here, then at most one directive or instruction."""

    labels: tuple[str, ...]
    body: Directive | Instruction | None
    comment: str | None
    line: int  # 1-based line in the parsed text

    def render(self) -> str:
        """Canonical text; assembles to the same bytes as the original."""
        parts = [label + ":" for label in self.labels]
        if self.body is not None:
            parts.append(self.body.render())
        if self.comment:
            parts.append("\t" + self.comment)
        return "\n".join(parts)


def operand_symbols(op: Operand) -> tuple[str, ...]:
    """Symbols an operand refers to (``foo`` in ``$foo``, ``foo@PLT``, ``*foo(%rip)``)."""
    for attr in ("value", "disp"):
        expr = getattr(op, attr, None)
        if expr is not None:
            return expr.symbols()
    inner = getattr(op, "target", None) or getattr(op, "operand", None)
    return operand_symbols(inner) if inner is not None else ()
