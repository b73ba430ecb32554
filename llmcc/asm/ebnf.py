"""The assembly grammar as plain data: rules as EBNF trees, terminals as regular expressions
in the order lark's lexer tries them, and the terminals its contextual lexer weighs together.

``llmcc.asm.parser.grammar_definition`` builds it from ``gas.lark`` with lark's own grammar
loader; translations to other grammar formats (``llmcc.propose.gbnf``) read only this.
"""

from __future__ import annotations

from typing import NamedTuple


class Sym(NamedTuple):
    """A reference to a rule or (``terminal``) a terminal."""

    name: str
    terminal: bool


class Seq(NamedTuple):
    items: tuple[Node, ...]


class Alt(NamedTuple):
    options: tuple[Node, ...]


class Repeat(NamedTuple):
    """``item`` at least ``low`` and at most ``high`` times (None: unbounded)."""

    item: Node
    low: int
    high: int | None


Node = Sym | Seq | Alt | Repeat


class Terminal(NamedTuple):
    name: str
    regex: str  # Python ``re`` syntax, flags inline, as lark matches it
    priority: int


class GrammarDefinition(NamedTuple):
    start: str
    rules: dict[str, Node]  # name -> body
    # every terminal, in the order lark's lexer tries them where several may match
    terminals: tuple[Terminal, ...]
    ignore: tuple[str, ...]  # terminals skipped between tokens (%ignore)
    # the sets of terminals lark's contextual lexer accepts in one parser state; a
    # terminal competes with the others of each set it is in
    contexts: tuple[frozenset[str], ...]

    def terminal(self, name: str) -> Terminal:
        for t in self.terminals:
            if t.name == name:
                return t
        raise KeyError(name)
