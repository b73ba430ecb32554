"""The grammar front door: assembly text -> Statements, through lark (imported only here).

Parsing with the full grammar is for text llmcc must understand completely:
candidates, and functions a proposer works on. Whole compiler output is split
cheaply by ``llmcc.asm.lines`` and parsed here only where needed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from llmcc.asm.syntax import (
    Decorated,
    Directive,
    Expr,
    Immediate,
    Indirect,
    Instruction,
    Memory,
    Register,
    Rounding,
    Statement,
)
from llmcc.errors import AsmParseError

if TYPE_CHECKING:
    from llmcc.asm.ebnf import GrammarDefinition

GRAMMAR_FILE = "gas.lark"


def grammar_text() -> str:
    return resources.files("llmcc.grammar").joinpath(GRAMMAR_FILE).read_text()


class _Located(NamedTuple):
    body: Directive | Instruction
    line: int


def _expr(tokens) -> Expr:
    return tokens if isinstance(tokens, Expr) else Expr((str(tokens),))


def _build_transformer():
    from lark import Transformer, v_args

    @v_args(inline=True)
    class ToSyntax(Transformer):
        """Turns lark's parse tree into llmcc's frozen syntax records."""

        # -- expressions
        def number(self, tok):
            return Expr((str(tok),))

        symbol = localref = number

        def here(self):
            return Expr((".",))

        def neg(self, minus, term):
            return Expr(("-", *_expr(term).tokens))

        def invert(self, term):
            return Expr(("~", *_expr(term).tokens))

        def binop(self, left, op, right):
            return Expr((*_expr(left).tokens, str(op), *_expr(right).tokens))

        # -- operands
        def reg(self, tok):
            return Register(str(tok)[1:])

        def imm(self, expr):
            return Immediate(_expr(expr))

        def segment(self, tok):
            return str(tok)[1:]

        def mem_based(self, segment, disp, base, index, scale):
            return Memory(
                segment,
                _expr(disp) if disp is not None else None,
                str(base)[1:] if base else None,
                str(index)[1:] if index else None,
                str(scale) if scale else None,
                True,
            )

        def mem_absolute(self, segment, disp):
            return Memory(segment, _expr(disp), None, None, None, False)

        def indirect(self, target):
            return Indirect(target)

        def rounding(self, tok):
            return Rounding(str(tok))

        def decorated(self, operand, tok):
            return Decorated(operand, str(tok))

        def operands(self, *ops):
            return tuple(ops)

        # -- statements
        # bodies travel up with their line number, which statement() keeps
        def instruction(self, *children):
            *prefixes, mnemonic, operands = children
            body = Instruction(tuple(map(str, prefixes)), str(mnemonic), operands or ())
            return _Located(body, mnemonic.line)

        def bare_prefix(self, *prefixes):
            return _Located(Instruction(tuple(map(str, prefixes)), "", ()), prefixes[0].line)

        def dir_arg(self, tok=None):
            return str(tok).rstrip() if tok is not None else ""

        def dir_args(self, *args):
            return () if args == ("",) else tuple(args)

        def directive(self, name, args):
            return _Located(Directive(str(name), args), name.line)

        def statement(self, *children):
            labels = tuple(str(c)[:-1] for c in children if getattr(c, "type", None) == "LABEL")
            comment = next(
                (str(c) for c in children if getattr(c, "type", None) == "COMMENT"), None
            )
            body = next((c.body for c in children if isinstance(c, _Located)), None)
            line = children[0].line
            return Statement(labels, body, comment, line)

        def start(self, *statements):
            return list(statements)

    return ToSyntax()


@cache
def _parser():
    import lark

    # No cache= here: lark's cache is a pickle, and a pickle is code. Building the parser
    # takes about 40 ms more per process than loading a cached one (measured: first parse
    # in a fresh process, median of 10, 135 ms against 113 ms), next to seconds of judging
    # the candidates that need it; nothing llmcc loads from a cache folder can run.
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        maybe_placeholders=True,
        transformer=_build_transformer(),
    )


def parse_statements(text: str) -> list[Statement]:
    """Parse assembly text with the full grammar.

    Raises AsmParseError with the 1-based line and column of the first problem.
    """
    import lark

    try:
        statements = _parser().parse(text)
    except lark.exceptions.UnexpectedInput as exc:
        raise _to_parse_error(exc, text) from None
    return statements


def _to_parse_error(exc, text: str) -> AsmParseError:
    import lark

    line = getattr(exc, "line", 0) or 0
    column = getattr(exc, "column", 0) or 0
    lines = text.splitlines()
    context = lines[line - 1] if 0 < line <= len(lines) else ""
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "end of text"
        reason = f"unexpected character {char!r}"
    elif isinstance(exc, lark.exceptions.UnexpectedToken):
        tok = exc.token
        shown = "end of line" if tok.type in ("_NL", "$END") else repr(str(tok))
        reason = f"unexpected {shown}"
    else:
        reason = "unexpected end of text"
    return AsmParseError(reason, max(line, 1), max(column, 1), context.expandtabs(1))


# -- the grammar as data (for translations such as GBNF) -----------------------------------

def grammar_definition() -> GrammarDefinition:
    """``gas.lark`` as llmcc.asm.ebnf data, read through lark's own grammar loader and
    lexer set-up, so a translation sees the terminals in the order lark tries them and the
    sets its contextual lexer weighs together."""
    import lark

    from llmcc.asm import ebnf

    built = lark.Lark(grammar_text(), parser="lalr", lexer="contextual",
                      maybe_placeholders=True)
    order = sorted(built.terminals, key=lambda t: (  # lark.lexer.BasicLexer's order
        -t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    terminals = tuple(ebnf.Terminal(t.name, t.pattern.to_regexp(), t.priority) for t in order)
    by_literal = {t.pattern.raw: t.name for t in order if t.pattern.raw}
    try:
        lexers = built.parser.lexer.lexers.values()  # one per parser state
    except AttributeError as exc:  # a lark whose contextual lexer is laid out otherwise
        raise ValueError(f"lark {lark.__version__}: no contextual lexers found") from exc
    contexts = tuple({frozenset(t.name for t in lx.terminals) for lx in lexers})

    def node(tree) -> ebnf.Node:
        if isinstance(tree, lark.Token) or not isinstance(tree, lark.Tree):
            if isinstance(tree, lark.grammar.Symbol):
                return ebnf.Sym(tree.name, tree.is_term)
            raise ValueError(f"unexpected grammar element {tree!r}")
        kids = tree.children
        if tree.data == "expansions":
            options = tuple(node(k) for k in kids)
            return options[0] if len(options) == 1 else ebnf.Alt(options)
        if tree.data == "alias":  # only names the tree node; the language is the expansion
            return node(kids[0])
        if tree.data == "expansion":
            items = tuple(node(k) for k in kids)
            return items[0] if len(items) == 1 else ebnf.Seq(items)
        if tree.data == "value":
            return node(kids[0])
        if tree.data == "maybe":
            return ebnf.Repeat(node(kids[0]), 0, 1)
        if tree.data == "literal":
            return ebnf.Sym(by_literal[kids[0].value], True)
        if tree.data == "expr" and len(kids) == 2:
            low, high = {"?": (0, 1), "*": (0, None), "+": (1, None)}[kids[1].value]
            return ebnf.Repeat(node(kids[0]), low, high)
        if tree.data == "expr" and len(kids) == 3:  # item ~ n or item ~ n..m
            return ebnf.Repeat(node(kids[0]), int(kids[1]), int(kids[2]))
        raise ValueError(f"grammar construct {tree.data!r} has no EBNF translation")

    rules = {str(name): node(tree) for name, _params, tree, _opts in built.grammar.rule_defs}
    return ebnf.GrammarDefinition("start", rules, terminals, tuple(built.ignore_tokens),
                                  contexts)
