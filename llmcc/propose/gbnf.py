"""A llama.cpp GBNF grammar derived from the assembly grammar (``gas.lark``), so that a
model's sampling can be held to text llmcc's parser accepts (setting ``model_grammar``).

The derivation reads the grammar as data (``llmcc.asm.parser.grammar_definition``) and
builds a character-level grammar that describes what lark's lexer and parser do:

- every terminal becomes a minimal DFA over the characters a model may write
  (``ALPHABET``: printable ASCII, tab, newline), built from the regular expression lark
  matches, with negative lookaheads of one character kept as constraints on the next one;
- where lark's contextual lexer would try another terminal first (priority, then lark's
  own order) on the same text, the terminal loses those strings (``lock`` is a PREFIX,
  never a MNEMONIC);
- ignored whitespace may appear between any two tokens, and is required where the two
  tokens written together would lex as something else (``movl $1`` may drop the space,
  ``call foo`` may not);
- direct left recursion becomes repetition (llama.cpp rejects left recursion).

The result accepts a subset of what the parser accepts (tests check both directions on
gcc output and on strings sampled from the grammar). The answer format is one fenced
```` ```asm ```` block, as the prompt asks, that defines the function's label.
"""

from __future__ import annotations

import copy
import functools
import re
from functools import cache

from llmcc.asm.ebnf import Alt, GrammarDefinition, Node, Repeat, Seq, Sym
from llmcc.propose.gbnf_lexis import (
    ALPHABET,
    GrammarTranslationError,
    Lexis,
    accepts,
    chars_of,
    lexis,
)
from llmcc.propose.prompt import CLOSING_FENCE, COMPLETION_PRIMER

FENCE_OPEN = COMPLETION_PRIMER  # a completion prompt opened it already
FENCE_CLOSE = CLOSING_FENCE

# GBNF names of the two whitespace rules the derivation adds
_WS, _WS1 = "ws", "ws1"


# -- rules -----------------------------------------------------------------------------------

_EMPTY = Seq(())


def _least(rules: dict[str, Node], holds) -> set[str]:
    """The least set of rule names whose bodies satisfy ``holds(body, set)``."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, body in rules.items():
            if name not in found and holds(body, found):
                found.add(name)
                changed = True
    return found


def _no_left_recursion(name: str, body: Node) -> Node:
    """``R: R a | R b | c | d`` as ``R: (c | d) (a | b)*``."""
    options = body.options if isinstance(body, Alt) else (body,)
    recursive, base = [], []
    for o in options:
        items = o.items if isinstance(o, Seq) else (o,)
        if items and items[0] == Sym(name, False):
            recursive.append(Seq(items[1:]) if len(items) > 2 else items[1] if len(items) == 2
                             else _EMPTY)
        else:
            base.append(o)
    if not recursive:
        return body
    if not base:
        raise GrammarTranslationError(f"rule {name} only recurses")
    head = base[0] if len(base) == 1 else Alt(tuple(base))
    tail = recursive[0] if len(recursive) == 1 else Alt(tuple(recursive))
    return Seq((head, Repeat(tail, 0, None)))


class _Rules:
    """The grammar's rules with dead parts pruned and nullable parts made explicit: every
    rule derives only non-empty strings (a reference to a rule that also derives the empty
    string becomes an optional one), and an item of a sequence is either non-nullable or a
    Repeat with ``low == 0`` of something non-nullable."""

    def __init__(self, rules: dict[str, Node], live_terminals: set[str]) -> None:
        self.live_terminals = live_terminals
        # dead parts: terminals no string reaches, rules that derive no string
        productive = _least(rules, self._productive)
        self.rules = {n: self._pruned(b, productive) for n, b in rules.items()
                      if n in productive}
        self.nullable = _least(self.rules, self._null)
        self.empty_only = _least(self.rules, self._only_empty)  # derive "" and only that
        self.rules = {n: self._ne(body) for n, body in self.rules.items()
                      if n not in self.empty_only}

    def _productive(self, node: Node, productive: set[str]) -> bool:
        if isinstance(node, Sym):
            return node.name in (self.live_terminals if node.terminal else productive)
        if isinstance(node, Seq):
            return all(self._productive(i, productive) for i in node.items)
        if isinstance(node, Alt):
            return any(self._productive(o, productive) for o in node.options)
        return node.low == 0 or self._productive(node.item, productive)

    def _pruned(self, node: Node, productive: set[str]) -> Node:
        if isinstance(node, Seq):
            return Seq(tuple(self._pruned(i, productive) for i in node.items))
        if isinstance(node, Alt):
            opts = tuple(self._pruned(o, productive) for o in node.options
                         if self._productive(o, productive))
            return opts[0] if len(opts) == 1 else Alt(opts)
        if isinstance(node, Repeat):
            if not self._productive(node.item, productive):
                return _EMPTY
            return Repeat(self._pruned(node.item, productive), node.low, node.high)
        return node

    def _null(self, node: Node, nullable: set[str] | None = None) -> bool:
        nullable = self.nullable if nullable is None else nullable
        if isinstance(node, Sym):
            return not node.terminal and node.name in nullable
        if isinstance(node, Seq):
            return all(self._null(i, nullable) for i in node.items)
        if isinstance(node, Alt):
            return any(self._null(o, nullable) for o in node.options)
        return node.low == 0 or self._null(node.item, nullable)

    def _only_empty(self, node: Node, empty: set[str] | None = None) -> bool:
        """Derives the empty string and nothing else (``empty``: rules known to)."""
        empty = self.empty_only if empty is None else empty
        if isinstance(node, Sym):
            return not node.terminal and node.name in empty
        if isinstance(node, Seq):
            return all(self._only_empty(i, empty) for i in node.items)
        if isinstance(node, Alt):
            return all(self._only_empty(o, empty) for o in node.options)
        return node.high == 0 or self._only_empty(node.item, empty)

    def _ne(self, node: Node) -> Node | None:
        """``node`` without the empty string; None when nothing is left."""
        if self._only_empty(node):
            return None
        if isinstance(node, Sym):
            return node  # rules are made non-empty themselves
        if isinstance(node, Alt):
            opts: list[Node] = []
            for o in node.options:
                n = self._ne(o)
                if n is not None:
                    opts.extend(n.options if isinstance(n, Alt) else (n,))
            return opts[0] if len(opts) == 1 else Alt(tuple(opts))
        if isinstance(node, Repeat):
            inner = self._ne(node.item)
            assert inner is not None
            # a non-empty string of x{lo,hi} is 1..hi non-empty strings of x when x may be
            # empty or lo is 0
            low = 1 if node.low == 0 or self._null(node.item) else node.low
            return Repeat(inner, low, node.high)
        # a sequence: the first non-empty item decides
        items = [i for i in node.items if not self._only_empty(i)]
        options = []
        for k, first in enumerate(items):
            head = self._ne(first)
            rest = [self._norm(i) for i in items[k + 1:]]
            seq = tuple([head, *(r for r in rest if r is not None)])
            options.append(seq[0] if len(seq) == 1 else Seq(seq))
            if not self._null(first):
                break
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def _norm(self, node: Node) -> Node | None:
        """``node`` with the same strings, nullable only as an explicit optional Repeat;
        None when it derives only the empty string."""
        if self._only_empty(node):
            return None
        if not self._null(node):
            if isinstance(node, Seq):
                return Seq(tuple(n for n in map(self._norm, node.items) if n is not None))
            if isinstance(node, Alt):
                return Alt(tuple(self._norm(o) for o in node.options))
            if isinstance(node, Repeat):
                return Repeat(self._norm(node.item), node.low, node.high)
            return node
        if isinstance(node, Repeat):  # x{lo,hi} that may be empty: (non-empty x){0,hi}
            return Repeat(self._ne(node.item), 0, node.high)
        return Repeat(self._ne(node), 0, 1)


# -- first and last tokens -------------------------------------------------------------------

class _Edges:
    """The terminals that can begin and end each node (rules are non-empty)."""

    def __init__(self, rules: dict[str, Node]) -> None:
        self.rules = rules
        self.first_of: dict[str, frozenset[str]] = {n: frozenset() for n in rules}
        self.last_of: dict[str, frozenset[str]] = {n: frozenset() for n in rules}
        changed = True
        while changed:
            changed = False
            for name, body in rules.items():
                f, la = self.first(body), self.last(body)
                if f != self.first_of[name] or la != self.last_of[name]:
                    self.first_of[name], self.last_of[name] = f, la
                    changed = True

    def nullable(self, node: Node) -> bool:
        return isinstance(node, Repeat) and node.low == 0

    def first(self, node: Node) -> frozenset[str]:
        return self._edge(node, self.first_of, reverse=False)

    def last(self, node: Node) -> frozenset[str]:
        return self._edge(node, self.last_of, reverse=True)

    def _edge(self, node: Node, table, reverse: bool) -> frozenset[str]:
        if isinstance(node, Sym):
            return frozenset((node.name,)) if node.terminal else table[node.name]
        if isinstance(node, Alt):
            return frozenset().union(*(self._edge(o, table, reverse) for o in node.options))
        if isinstance(node, Repeat):
            return self._edge(node.item, table, reverse)
        out: frozenset[str] = frozenset()
        for item in reversed(node.items) if reverse else node.items:
            out |= self._edge(item, table, reverse)
            if not self.nullable(item):
                break
        return out


# -- writing GBNF ----------------------------------------------------------------------------

_CLASS_ESCAPES = {"\t": "\\t", "\n": "\\n", "\\": "\\x5C", "]": "\\x5D", "[": "\\x5B",
                  "^": "\\x5E", "-": "\\x2D"}


def _char_class(mask: int) -> str:
    codes = [ord(c) for c in chars_of(mask)]
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    parts = []
    for lo, hi in runs:
        a, b = (_CLASS_ESCAPES.get(chr(x), chr(x)) for x in (lo, hi))
        parts.append(a if lo == hi else a + b if hi == lo + 1 else f"{a}-{b}")
    return "[" + "".join(parts) + "]"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\t", "\\t") + '"'


def _gbnf_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "r"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    taken.add(out)
    return out


class _Writer:
    """The GBNF rules of one grammar definition: its rules normalized, a rule per DFA
    state of its terminals, and the variants that pin a label."""

    def __init__(self, g: GrammarDefinition) -> None:
        self.g = g
        self.lexis = lexis(g)
        live = {n for n, d in self.lexis.dfas.items() if not d.empty()}
        rules = {n: _no_left_recursion(n, b) for n, b in g.rules.items()}
        normalized = _Rules(rules, live)
        self.start_nullable = g.start in normalized.nullable
        self.rules = normalized.rules
        if g.start not in self.rules:
            raise GrammarTranslationError("the start rule derives nothing")
        self.edges = _Edges(self.rules)
        self._left_recursion_check()
        taken = {"root", _WS, _WS1}
        self.names = {n: _gbnf_name(n, taken) for n in self.rules}
        used = self._used_terminals()
        self.names.update({n: _gbnf_name(n, taken) for n in used})
        for n in g.ignore:
            self.names.setdefault(n, _gbnf_name(n, taken))
        # a rule per DFA state of each terminal: NAME, NAME-1, NAME-2 ...
        self.states = {t: [self.names[t]] + [_gbnf_name(f"{self.names[t]}-{q}", taken)
                                              for q in range(1, len(self.lexis.dfas[t].moves))]
                       for t in [*used, *g.ignore] if t in self.names}
        self.taken = taken

    def _used_terminals(self) -> list[str]:
        used: list[str] = []

        def walk(node: Node) -> None:
            if isinstance(node, Sym):
                if node.terminal and node.name not in used:
                    used.append(node.name)
            elif isinstance(node, Repeat):
                walk(node.item)
            else:
                for k in node.items if isinstance(node, Seq) else node.options:
                    walk(k)

        for body in self.rules.values():
            walk(body)
        return used

    def _left_recursion_check(self) -> None:
        corner: dict[str, set[str]] = {}

        def corners(node: Node, out: set[str]) -> None:
            if isinstance(node, Sym):
                if not node.terminal:
                    out.add(node.name)
            elif isinstance(node, Alt):
                for o in node.options:
                    corners(o, out)
            elif isinstance(node, Repeat):
                corners(node.item, out)
            else:
                for item in node.items:
                    corners(item, out)
                    if not self.edges.nullable(item):
                        break

        for name, body in self.rules.items():
            corner[name] = set()
            corners(body, corner[name])
        for name in self.rules:
            seen, todo = set(), list(corner[name])
            while todo:
                r = todo.pop()
                if r == name:
                    raise GrammarTranslationError(f"rule {name} is left-recursive")
                if r not in seen:
                    seen.add(r)
                    todo.extend(corner.get(r, ()))

    # separators
    def _first_mask(self, terminals) -> int:
        m = 0
        for t in terminals:
            m |= self.lexis.dfas[t].first()
        return m

    def sep(self, before, after) -> str:
        clash = self._first_mask(after)
        return _WS1 if any(self.lexis.glue[t] & clash for t in before) else _WS

    # nodes
    def expr(self, node: Node) -> str:
        if isinstance(node, Sym):
            return self.names[node.name]
        if isinstance(node, Alt):
            return "(" + " | ".join(self.expr(o) for o in node.options) + ")"
        if isinstance(node, Repeat):
            return self._repeat_alone(node)
        return self._seq(node.items)

    def _repeat_alone(self, node: Repeat) -> str:
        """A repetition with nothing around it in its sequence: x (sep x)*."""
        x = self.expr(node.item)
        between = self.sep(self.edges.last(node.item), self.edges.first(node.item))
        first = " ".join([x] + [between, x] * (max(node.low, 1) - 1))
        text = first + self._more(node)
        return text if node.low else f"({text})?"

    def _more(self, node: Repeat) -> str:
        """The rounds of ``node`` after its first ``max(low, 1)``, each behind the
        separator between two of its items."""
        x = self.expr(node.item)
        between = self.sep(self.edges.last(node.item), self.edges.first(node.item))
        if node.high is None:
            return f" ({between} {x})*"
        inner = ""
        for _ in range(node.high - max(node.low, 1)):
            inner = f" ({between} {x}{inner})?"
        return inner

    def _seq(self, items: tuple[Node, ...]) -> str:
        """Items with one separator in each gap between two present items, chosen for the
        tokens that can meet there: an optional item splits what follows into the case
        where it is there and the one where it is not (text that comes out the same is
        written once)."""
        return self._from(items, 0, None)

    def _from(self, items: tuple[Node, ...], i: int, before: frozenset[str] | None) -> str:
        """``items[i:]`` after a present item ending in one of ``before`` (None: at the
        sequence's start, whose gap the enclosing sequence owns)."""
        if i == len(items):
            return ""
        it = items[i]
        e = self.edges
        optional = e.nullable(it)
        inner = it.item if optional else it
        lead = "" if before is None else self.sep(before, e.first(inner)) + " "
        if not optional:
            x = self._repeat_alone(it) if isinstance(it, Repeat) else self.expr(it)
            rest = self._from(items, i + 1, e.last(it))
            return lead + x + (" " + rest if rest else "")
        assert isinstance(it, Repeat)
        present = lead + self.expr(inner) + self._more(it)
        rest_present = self._from(items, i + 1, e.last(inner))
        rest_absent = self._from(items, i + 1, before)
        if rest_present == rest_absent:
            return f"({present})?" + (" " + rest_present if rest_present else "")
        return f"(({present} {rest_present}) | {rest_absent})"

    # terminals
    def terminal_rules(self, name: str) -> list[str]:
        dfa = self.lexis.dfas[name]
        state_names = self.states[name]
        lines = []
        for q, moves in enumerate(dfa.moves):
            if q and not moves:
                continue  # an end state: its predecessors name no rule for it
            by_target: dict[int, int] = {}
            for i, t in moves.items():
                by_target[t] = by_target.get(t, 0) | 1 << i
            loop = by_target.pop(q, 0)
            parts = []
            for t, m in sorted(by_target.items()):
                ends = not dfa.moves[t]  # an accepting state nothing leaves
                parts.append(_char_class(m) + ("" if ends else " " + state_names[t]))
            body = " | ".join(parts)
            accepting = dfa.accept[q] is not None
            if parts and (accepting or loop):
                body = f"({body})" + ("?" if accepting else "")
            if loop:
                body = (_char_class(loop) + "*" + (" " + body if body else "")).strip()
            lines.append(f"{state_names[q]} ::= {body}")
        return lines

    def base_lines(self) -> list[str]:
        lines = [f"{self.names[n]} ::= {self.expr(b)}" for n, b in self.rules.items()]
        for name in self._used_terminals():
            lines += self.terminal_rules(name)
        # ignored text between tokens: ws may be empty, ws1 may not
        ignore = [n for n in self.g.ignore if not self.lexis.dfas[n].empty()]
        for n in ignore:
            lines += self.terminal_rules(n)
        any_ws = "(" + " | ".join(self.names[n] for n in ignore) + ")" if ignore else ""
        lines.append(f"{_WS} ::= {any_ws}*" if ignore else f'{_WS} ::= ""')
        lines.append(f"{_WS1} ::= {any_ws}+" if ignore else f'{_WS1} ::= ""')
        return lines

    def pinned(self, label: str) -> tuple[str, list[str]] | None:
        """The start rule's variant that defines ``label`` (a LABEL token equal to it
        somewhere), with the rules it adds; None when ``label`` is no label the lexer
        reads as one."""
        dfa = self.lexis.dfas.get(LABEL_TERMINAL)
        if dfa is None or not accepts(dfa, label):
            return None
        fn = "\0pinned-label"  # a name no grammar symbol has
        has = _HasLabel(self.rules, LABEL_TERMINAL, fn).rules
        if self.g.start not in has:
            return None
        pin = copy.copy(self)
        pin.rules = {**self.rules, **{_has_name(n): b for n, b in has.items()}}
        pin.edges = _Edges(pin.rules)
        pin.lexis = Lexis({**self.lexis.dfas, fn: dfa},
                           {**self.lexis.glue, fn: self.lexis.glue[LABEL_TERMINAL]})
        taken = set(self.taken)
        pin.names = {**self.names, **{_has_name(n): _gbnf_name(n + "-defining", taken)
                                      for n in has}}
        pin.names[fn] = _gbnf_name("defined-label", taken)
        lines = [f"{pin.names[_has_name(n)]} ::= {pin.expr(pin.rules[_has_name(n)])}"
                 for n in has]
        lines.append(f"{pin.names[fn]} ::= {_literal(label)}")
        return pin.names[_has_name(self.g.start)], lines


LABEL_TERMINAL = "LABEL"  # the grammar's labels (llmcc.asm.parser reads them by this name)


def _has_name(rule: str) -> str:
    return "\0has " + rule


class _HasLabel:
    """Variants of the (normalized) rules that derive only strings in which at least one
    ``label`` token is the pinned one (terminal ``pinned``): the rule ``R`` becomes
    ``_has_name(R)``; a sequence has it in one of its items, a repetition in one round."""

    def __init__(self, rules: dict[str, Node], label: str, pinned: str) -> None:
        self.label, self.pinned = label, pinned
        self.can = _least(rules, self._can)  # the rules that can hold a label
        self.rules = {n: self.has(rules[n]) for n in rules if n in self.can}

    def _can(self, node: Node, can: set[str] | None = None) -> bool:
        can = self.can if can is None else can
        if isinstance(node, Sym):
            return node.name == self.label if node.terminal else node.name in can
        if isinstance(node, Repeat):
            return self._can(node.item, can)
        return any(self._can(k, can) for k in (node.items if isinstance(node, Seq)
                                                else node.options))

    def has(self, node: Node) -> Node | None:
        if not self._can(node):
            return None
        if isinstance(node, Sym):
            return Sym(self.pinned, True) if node.terminal else Sym(_has_name(node.name), False)
        if isinstance(node, Alt):
            opts = [h for h in map(self.has, node.options) if h is not None]
            return opts[0] if len(opts) == 1 else Alt(tuple(opts))
        if isinstance(node, Repeat):
            inner = self.has(node.item)
            if node.high == 1:
                return inner
            if node.high is None:
                around = Repeat(node.item, 0, None)
                return Seq((around, inner, around))
            raise GrammarTranslationError("a bounded repetition around labels")
        options = []
        for i, item in enumerate(node.items):
            h = self.has(item)
            if h is not None:
                options.append(Seq((*node.items[:i], h, *node.items[i + 1:])))
        return options[0] if len(options) == 1 else Alt(tuple(options))


@cache
def _writer() -> _Writer:
    """The derivation from ``gas.lark``, once per process."""
    from llmcc.asm.parser import grammar_definition

    return _Writer(grammar_definition())


@cache
def _base_lines() -> tuple[str, ...]:
    return tuple(_writer().base_lines())


@functools.lru_cache(maxsize=64)
def grammar(fenced: bool = True, function: str | None = None) -> str:
    """GBNF for an answer that is assembly: with ``fenced``, a whole ```asm block (chat
    answers); without, the block's inside up to its closing fence (completions, whose
    prompt opened the fence). With ``function``, the answer must define its label."""
    w = _writer()
    start = w.names[w.g.start] + ("?" if w.start_nullable else "")
    extra: list[str] = []
    pinned = w.pinned(function + ":") if function else None
    if pinned is not None:
        start, extra = pinned
    opening = _literal(FENCE_OPEN) + " " if fenced else ""
    root = f"root ::= {opening}{_WS} {start} {_WS} {_literal(FENCE_CLOSE)}"
    return "\n".join([root, *extra, *_base_lines()]) + "\n"


__all__ = ["ALPHABET", "FENCE_CLOSE", "FENCE_OPEN", "GrammarTranslationError", "grammar"]
