"""A small reader of GBNF text, independent of the code that writes it, for tests: whether a
grammar accepts a string (an Earley recognizer over characters), and strings sampled from
it at random."""

from __future__ import annotations

import random
import re
from typing import NamedTuple


class Chars(NamedTuple):
    ranges: tuple[tuple[int, int], ...]
    negated: bool

    def match(self, ch: str) -> bool:
        code = ord(ch)
        inside = any(lo <= code <= hi for lo, hi in self.ranges)
        return inside != self.negated


# expression nodes: ("alt", [seq...]) ("seq", [item...]) ("rep", item, low, high)
# ("ref", name) ("chars", Chars)
_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<define>::=)
  | (?P<name>[A-Za-z0-9-]+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<chars>\[(?:[^\]\\]|\\.)*\])
  | (?P<op>[|()*+?])
""", re.X)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "[": "[", "]": "]",
            "-": "-", "^": "^"}


def _unescape(body: str) -> list[str]:
    """The characters of a literal or class body, escapes resolved (each a 1-char str);
    an escaped character is marked by a leading NUL so a class knows it is no operator."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            e = body[i + 1]
            if e == "x":
                out.append("\0" + chr(int(body[i + 2:i + 4], 16)))
                i += 4
                continue
            if e == "u":
                out.append("\0" + chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append("\0" + _ESCAPES[e])
            i += 2
            continue
        out.append(c)
        i += 1
    return out


def _chars(text: str) -> Chars:
    items = _unescape(text[1:-1])
    negated = bool(items) and items[0] == "^"
    if negated:
        items = items[1:]
    plain = [c[-1] for c in items]
    ranges, i = [], 0
    while i < len(items):
        if i + 2 < len(items) and items[i + 1] == "-":
            ranges.append((ord(plain[i]), ord(plain[i + 2])))
            i += 3
        else:
            ranges.append((ord(plain[i]), ord(plain[i])))
            i += 1
    return Chars(tuple(ranges), negated)


def parse(text: str) -> dict[str, tuple]:
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"GBNF: cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group()))
    rules: dict[str, tuple] = {}
    i = 0

    def alternatives() -> tuple:
        nonlocal i
        seqs = [sequence()]
        while i < len(tokens) and tokens[i] == ("op", "|"):
            i += 1
            seqs.append(sequence())
        return ("alt", seqs)

    def sequence() -> tuple:
        nonlocal i
        items = []
        while i < len(tokens):
            kind, value = tokens[i]
            if kind == "name" and i + 1 < len(tokens) and tokens[i + 1][0] == "define":
                break  # the next rule
            if kind == "op" and value in "|)":
                break
            i += 1
            if kind == "name":
                item = ("ref", value)
            elif kind == "string":
                item = ("seq", [("chars", Chars(((ord(c[-1]), ord(c[-1])),), False))
                                for c in _unescape(value[1:-1])])
            elif kind == "chars":
                item = ("chars", _chars(value))
            elif value == "(":
                item = alternatives()
                if tokens[i] != ("op", ")"):
                    raise ValueError("GBNF: ( without )")
                i += 1
            else:
                raise ValueError(f"GBNF: unexpected {value!r}")
            while i < len(tokens) and tokens[i][0] == "op" and tokens[i][1] in "*+?":
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[tokens[i][1]]
                item = ("rep", item, low, high)
                i += 1
            items.append(item)
        return ("seq", items)

    while i < len(tokens):
        kind, name = tokens[i]
        if kind != "name" or tokens[i + 1][0] != "define":
            raise ValueError(f"GBNF: expected a rule, got {name!r}")
        if name in rules:
            raise ValueError(f"GBNF: rule {name} defined twice")
        i += 2
        rules[name] = alternatives()
    for body in rules.values():
        for ref in _refs(body):
            if ref not in rules:
                raise ValueError(f"GBNF: undefined rule {ref}")
    return rules


def _refs(node: tuple):
    if node[0] == "ref":
        yield node[1]
    elif node[0] in ("alt", "seq"):
        for k in node[1]:
            yield from _refs(k)
    elif node[0] == "rep":
        yield from _refs(node[1])


class Grammar:
    """The grammar as plain productions for the recognizer."""

    def __init__(self, text: str, root: str = "root") -> None:
        self.rules = parse(text)
        self.root = root
        self.prods: dict[object, list[tuple]] = {}
        self._n = 0
        for name, body in self.rules.items():
            self.prods[name] = [self._flat(s) for s in self._alts(body)]
        self.nullable = self._nullable()

    def _alts(self, node: tuple) -> list[tuple]:
        return node[1] if node[0] == "alt" else [node]

    def _helper(self, prods: list[tuple]) -> object:
        self._n += 1
        key = ("h", self._n)
        self.prods[key] = prods
        return key

    def _flat(self, node: tuple) -> tuple:
        """A sequence as a tuple of symbols: Chars or nonterminal keys."""
        items = node[1] if node[0] == "seq" else [node]
        out: list = []
        for it in items:
            out.extend(self._symbols(it))
        return tuple(out)

    def _symbols(self, node: tuple) -> list:
        kind = node[0]
        if kind == "chars":
            return [node[1]]
        if kind == "ref":
            return [node[1]]
        if kind == "seq":
            return list(self._flat(node))
        if kind == "alt":
            return [self._helper([self._flat(s) for s in node[1]])]
        _, item, low, high = node
        x = self._symbols(item)
        if high is None:  # H ::= x^low | H x   (left recursion suits Earley)
            key = ("h", self._n + 1)
            self._n += 1
            self.prods[key] = [tuple(x * low), (key, *x)]
            return [key]
        return [self._helper([tuple(x * n) for n in range(low, high + 1)])]

    def _nullable(self) -> set:
        null: set = set()
        changed = True
        while changed:
            changed = False
            for key, prods in self.prods.items():
                if key not in null and any(all(s in null for s in p) for p in prods):
                    null.add(key)
                    changed = True
        return null

    def accepts_prefix(self, text: str) -> bool:
        """Whether some string of the grammar begins with ``text`` (every rule of the
        grammars here derives some string, so a live parse can always be finished)."""
        return self.accepts(text, prefix=True)

    def accepts(self, text: str, prefix: bool = False) -> bool:
        """Earley recognition of ``text`` from the root rule."""
        n = len(text)
        chart: list[dict] = [dict() for _ in range(n + 1)]
        waiting: list[dict] = [dict() for _ in range(n + 1)]
        start = ("start'",)
        self.prods[start] = [(self.root,)]

        def add(i: int, item: tuple) -> None:
            if item not in chart[i]:
                chart[i][item] = None
                todo.append(item)

        for i in range(n + 1):
            todo = []
            if i == 0:
                add(0, (start, 0, 0, 0))
            else:
                for item in list(chart[i]):
                    todo.append(item)
            while todo:
                item = todo.pop()
                lhs, p, dot, origin = item
                prod = self.prods[lhs][p]
                if dot == len(prod):
                    for w in waiting[origin].get(lhs, ()):
                        add(i, (w[0], w[1], w[2] + 1, w[3]))
                    continue
                sym = prod[dot]
                if isinstance(sym, Chars):
                    if i < n and sym.match(text[i]):
                        chart[i + 1].setdefault((lhs, p, dot + 1, origin), None)
                    continue
                waiting[i].setdefault(sym, []).append(item)
                if sym in self.nullable:  # Aycock and Horspool: step over it at once
                    add(i, (lhs, p, dot + 1, origin))
                for q in range(len(self.prods[sym])):
                    add(i, (sym, q, 0, i))
            if i < n and not chart[i + 1]:
                return False
        return bool(chart[n]) if prefix else (start, 0, 1, 0) in chart[n]

    # -- sampling ----------------------------------------------------------------------------
    def sample(self, rng: random.Random, alphabet: str, budget: int = 400,
               more: float = 0.5, terse: frozenset[str] = frozenset()) -> str:
        """A random string of the grammar: each repetition goes on with probability
        ``more`` (0.1 inside the rules named in ``terse``, such as whitespace); past
        ``budget`` characters every choice takes the shortest way out."""
        height = self._heights()
        out: list[str] = []

        def expand(node: tuple, depth: int, go_on: float = more) -> None:
            kind = node[0]
            deep = len(out) > budget or depth > 60
            if kind == "chars":
                choices = [c for c in alphabet if node[1].match(c)]
                out.append(rng.choice(choices))
            elif kind == "ref":
                expand(self.rules[node[1]], depth + 1, 0.1 if node[1] in terse else go_on)
            elif kind == "seq":
                for k in node[1]:
                    expand(k, depth + 1, go_on)
            elif kind == "alt":
                opts = node[1]
                if deep:
                    best = min(self._height(o, height) for o in opts)
                    opts = [o for o in opts if self._height(o, height) == best]
                expand(rng.choice(opts), depth + 1, go_on)
            else:
                _, item, low, high = node
                count = low
                while (high is None or count < high) and not deep and rng.random() < go_on:
                    count += 1
                for _ in range(count):
                    expand(item, depth + 1, go_on)

        expand(self.rules[self.root], 0)
        return "".join(out)

    def _heights(self) -> dict[str, float]:
        h = {name: float("inf") for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, body in self.rules.items():
                v = self._height(body, h)
                if v < h[name]:
                    h[name] = v
                    changed = True
        return h

    def _height(self, node: tuple, h: dict[str, float]) -> float:
        kind = node[0]
        if kind == "chars":
            return 1
        if kind == "ref":
            return h[node[1]] + 1
        if kind == "seq":
            return 1 + max((self._height(k, h) for k in node[1]), default=0)
        if kind == "alt":
            return 1 + min(self._height(k, h) for k in node[1])
        return 1 + (self._height(node[1], h) if node[2] else 0)
