"""Terminals of the assembly grammar as a model may write them, for the GBNF derivation
(llmcc.propose.gbnf): each regular expression lark matches becomes a minimal DFA over
``ALPHABET``, loses the strings lark's lexer gives to a terminal it tries first, and knows
the characters that may not follow it without a space between."""

from __future__ import annotations

import functools
import operator
import re
from typing import NamedTuple

from llmcc.asm.ebnf import GrammarDefinition
from llmcc.errors import LlmccError

# What a model may write: tab, newline and printable ASCII (gcc writes nothing else; a
# model writing \r, \f or non-ASCII text gains nothing and would only confuse the parser).
ALPHABET = "\t\n" + "".join(map(chr, range(0x20, 0x7F)))
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALL = (1 << len(ALPHABET)) - 1


class GrammarTranslationError(LlmccError):
    """The assembly grammar uses something the GBNF derivation cannot express."""


def _mask(chars: str) -> int:
    m = 0
    for c in chars:
        if c in _INDEX:
            m |= 1 << _INDEX[c]
    return m


def chars_of(mask: int) -> str:
    return "".join(c for i, c in enumerate(ALPHABET) if mask >> i & 1)


_DIGIT = _mask("0123456789")
_WORD = _mask("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_SPACE = _mask("".join(c for c in ALPHABET if c.isspace()))


# -- regular expressions -> automata ---------------------------------------------------------

class _NFA:
    """Thompson NFA; epsilon moves may carry a lookahead: a set of characters the next one
    must not be in."""

    def __init__(self) -> None:
        self.moves: list[list[tuple[int, int]]] = []  # state -> [(char mask, target)]
        self.eps: list[list[tuple[int, int]]] = []  # state -> [(target, forbidden mask)]

    def new(self) -> int:
        self.moves.append([])
        self.eps.append([])
        return len(self.moves) - 1


def _regex_nfa(regex: str, name: str) -> tuple[_NFA, int, int]:
    import re._constants as c
    import re._parser as p

    try:
        parsed = p.parse(regex)
    except re.error as exc:
        raise GrammarTranslationError(f"terminal {name}: {exc}") from None
    if parsed.state.flags & (c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_VERBOSE):
        raise GrammarTranslationError(f"terminal {name}: flags of {regex!r} not supported")
    dotall = bool(parsed.state.flags & c.SRE_FLAG_DOTALL)
    nfa = _NFA()

    def unsupported(what: object) -> GrammarTranslationError:
        return GrammarTranslationError(f"terminal {name}: {what} in {regex!r} has no GBNF "
                                       "translation")

    def category(cat) -> int:
        table = {c.CATEGORY_DIGIT: _DIGIT, c.CATEGORY_WORD: _WORD, c.CATEGORY_SPACE: _SPACE,
                 c.CATEGORY_NOT_DIGIT: _ALL & ~_DIGIT, c.CATEGORY_NOT_WORD: _ALL & ~_WORD,
                 c.CATEGORY_NOT_SPACE: _ALL & ~_SPACE}
        if cat not in table:
            raise unsupported(cat)
        return table[cat]

    def char_set(op, av) -> int | None:
        """The characters one item matches, or None when it is not a single character."""
        if op is c.LITERAL:
            return _mask(chr(av))
        if op is c.NOT_LITERAL:
            return _ALL & ~_mask(chr(av))
        if op is c.ANY:
            return _ALL if dotall else _ALL & ~_mask("\n")
        if op is c.IN:
            m, negate = 0, False
            for iop, iav in av:
                if iop is c.NEGATE:
                    negate = True
                elif iop is c.LITERAL:
                    m |= _mask(chr(iav))
                elif iop is c.RANGE:
                    m |= _mask("".join(map(chr, range(iav[0], iav[1] + 1))))
                elif iop is c.CATEGORY:
                    m |= category(iav)
                else:
                    raise unsupported(iop)
            return _ALL & ~m if negate else m
        if op is c.BRANCH:  # a|b|c of single characters is one class
            sets = [single(alt) for alt in av[1]]
            if None not in sets:
                return functools.reduce(operator.or_, sets, 0)
        if op is c.SUBPATTERN:
            return single(av[3])
        return None

    def single(items) -> int | None:
        return char_set(*items[0]) if len(items) == 1 else None

    def build(items, start: int) -> int:
        at = start
        for op, av in items:
            at = item(op, av, at)
        return at

    def item(op, av, at: int) -> int:
        one = char_set(op, av)
        if one is not None:
            end = nfa.new()
            nfa.moves[at].append((one, end))
            return end
        if op is c.SUBPATTERN:
            return build(av[3], at)
        if op is c.BRANCH:
            end = nfa.new()
            for alt in av[1]:
                s = nfa.new()
                nfa.eps[at].append((s, 0))
                nfa.eps[build(alt, s)].append((end, 0))
            return end
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):  # laziness changes no string's membership
            low, high, sub = av
            for _ in range(low):
                at = build(sub, at)
            if high == c.MAXREPEAT:
                loop = nfa.new()
                nfa.eps[at].append((loop, 0))
                nfa.eps[build(sub, loop)].append((loop, 0))
                return loop
            end = nfa.new()
            nfa.eps[at].append((end, 0))
            for _ in range(high - low):
                at = build(sub, at)
                nfa.eps[at].append((end, 0))
            return end
        if op is c.ASSERT_NOT and av[0] == 1:  # (?!x): x must be one character class
            forbid = single(av[1])
            if forbid is None:
                raise unsupported("a lookahead longer than one character")
            end = nfa.new()
            nfa.eps[at].append((end, forbid))
            return end
        raise unsupported(op)

    start = nfa.new()
    return nfa, start, build(parsed, start)


class DFA(NamedTuple):
    """State 0 starts. ``accept[q]`` is None for a state that does not accept, else the
    characters that may not follow a token ending there (a trailing lookahead)."""

    moves: tuple[dict[int, int], ...]  # state -> {character index: state}
    accept: tuple[int | None, ...]

    def first(self) -> int:
        return _keys_mask(self.moves[0]) if self.moves else 0

    def empty(self) -> bool:
        return not self.moves


def _keys_mask(moves: dict[int, int]) -> int:
    m = 0
    for i in moves:
        m |= 1 << i
    return m


def _determinize(nfa: _NFA, start: int, accepting: set[int]) -> DFA:
    """Subset construction; a thread carries the characters a lookahead it passed
    forbids next."""
    def closure(threads) -> frozenset[tuple[int, int]]:
        seen = set(threads)
        todo = list(threads)
        while todo:
            s, forbid = todo.pop()
            for t, f in nfa.eps[s]:
                nxt = (t, forbid | f)
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    first = closure([(start, 0)])
    index = {first: 0}
    order = [first]
    moves: list[dict[int, int]] = []
    accept: list[int | None] = []
    for state in order:
        out: dict[int, int] = {}
        for i in range(len(ALPHABET)):
            bit = 1 << i
            step = [(t, 0) for s, forbid in state if not forbid & bit
                    for m, t in nfa.moves[s] if m & bit]
            if not step:
                continue
            nxt = closure(step)
            if nxt not in index:
                index[nxt] = len(order)
                order.append(nxt)
            out[i] = index[nxt]
        moves.append(out)
        forbids = [f for s, f in state if s in accepting]
        acc = None
        for f in forbids:  # a token ends here unless every ending thread forbids the char
            acc = f if acc is None else acc & f
        accept.append(acc)
    return _minimize(_trim(DFA(tuple(moves), tuple(accept))))


def _trim(dfa: DFA) -> DFA:
    """Drop states that cannot reach an accepting one (and the moves into them)."""
    n = len(dfa.moves)
    live = {q for q in range(n) if dfa.accept[q] is not None}
    changed = True
    while changed:
        changed = False
        for q in range(n):
            if q not in live and any(t in live for t in dfa.moves[q].values()):
                live.add(q)
                changed = True
    if 0 not in live:
        return DFA((), ())
    # renumber in breadth-first order from the start
    order, index = [0], {0: 0}
    for q in order:
        for t in dfa.moves[q].values():
            if t in live and t not in index:
                index[t] = len(order)
                order.append(t)
    moves = tuple({i: index[t] for i, t in dfa.moves[q].items() if t in live} for q in order)
    return DFA(moves, tuple(dfa.accept[q] for q in order))


def _minimize(dfa: DFA) -> DFA:
    """Moore's partition refinement."""
    if dfa.empty():
        return dfa
    n = len(dfa.moves)
    kinds: dict[int | None, int] = {}  # first split: by what accepting means there
    block = [kinds.setdefault(dfa.accept[q], len(kinds)) for q in range(n)]
    while True:
        signature = [(block[q], tuple(sorted((i, block[t]) for i, t in dfa.moves[q].items())))
                     for q in range(n)]
        ids: dict[object, int] = {}
        new = [ids.setdefault(s, len(ids)) for s in signature]
        if len(ids) == len(set(block)):
            break
        block = new
    ids2: dict[int, int] = {}
    reps: list[int] = []
    for q in range(n):  # state 0's block first, so the start stays 0
        if block[q] not in ids2:
            ids2[block[q]] = len(reps)
            reps.append(q)
    moves = tuple({i: ids2[block[t]] for i, t in dfa.moves[q].items()} for q in reps)
    return DFA(moves, tuple(dfa.accept[q] for q in reps))


def _regex_dfa(regex: str, name: str) -> DFA:
    nfa, start, end = _regex_nfa(regex, name)
    return _determinize(nfa, start, {end})


def _prefixed_dfa(regex: str, name: str) -> DFA:
    """The strings that begin with a match of ``regex`` (its trailing lookahead checked
    against the character after the match; assumed met at the end of the string)."""
    nfa, start, end = _regex_nfa(regex, name)
    rest = nfa.new()
    nfa.eps[end].append((rest, 0))
    nfa.moves[rest].append((_ALL, rest))
    dfa = _determinize(nfa, start, {rest})
    return DFA(dfa.moves, tuple(None if a is None else 0 for a in dfa.accept))


def _difference(a: DFA, b: DFA) -> DFA:
    """The strings of ``a`` that ``b`` does not accept (``a``'s lookaheads kept)."""
    if a.empty() or b.empty():
        return a
    index: dict[tuple[int, int | None], int] = {(0, 0): 0}
    order: list[tuple[int, int | None]] = [(0, 0)]
    moves: list[dict[int, int]] = []
    accept: list[int | None] = []
    for qa, qb in order:
        out = {}
        for i, ta in a.moves[qa].items():
            tb = None if qb is None else b.moves[qb].get(i)
            key = (ta, tb)
            if key not in index:
                index[key] = len(order)
                order.append(key)
            out[i] = index[key]
        moves.append(out)
        accept.append(a.accept[qa] if qb is None or b.accept[qb] is None else None)
    return _minimize(_trim(DFA(tuple(moves), tuple(accept))))


def _continuations(a: DFA, b: DFA) -> int:
    """Characters c such that some token s of ``a`` followed by c begins a token of ``b``
    (written together, the lexer could read them as one ``b``)."""
    if a.empty() or b.empty():
        return 0
    seen = {(0, 0)}
    todo = [(0, 0)]
    out = 0
    while todo:
        qa, qb = todo.pop()
        if a.accept[qa] is not None:
            out |= _keys_mask(b.moves[qb])
        for i, ta in a.moves[qa].items():
            tb = b.moves[qb].get(i)
            if tb is not None and (ta, tb) not in seen:
                seen.add((ta, tb))
                todo.append((ta, tb))
    return out


class Lexis(NamedTuple):
    dfas: dict[str, DFA]  # terminal -> the strings the lexer reads as it (maybe none)
    # terminal -> characters that may not follow it directly, because the lexer would read
    # on (its own longer match, or a terminal it tries first), where a space between them
    # keeps the two apart
    glue: dict[str, int]


def lexis(g: GrammarDefinition) -> Lexis:
    """The grammar's terminals as DFAs, each without the strings that a terminal lark
    tries before it in a context they share takes, and what may not follow each."""
    order = {t.name: n for n, t in enumerate(g.terminals)}
    rivals: dict[str, set[str]] = {t.name: set() for t in g.terminals}
    for ctx in g.contexts:
        for name in ctx:
            if name in rivals:
                rivals[name] |= ctx - {name}
    plain = {t.name: _regex_dfa(t.regex, t.name) for t in g.terminals}
    dfas = {}
    prefixed: dict[str, DFA] = {}  # rival -> the strings that begin with one of its tokens
    first_tried: dict[str, list[str]] = {}
    for t in g.terminals:
        first_tried[t.name] = sorted((r for r in rivals[t.name] if order[r] < order[t.name]),
                                     key=order.__getitem__)
        dfa = plain[t.name]
        for rival in first_tried[t.name]:  # where lark's lexer tries it first, it wins
            if rival not in prefixed:
                prefixed[rival] = _prefixed_dfa(g.terminal(rival).regex, rival)
            dfa = _difference(dfa, prefixed[rival])
        dfas[t.name] = dfa
    space = 0
    for name in g.ignore:
        space |= plain[name].first()
    glue = {}
    for name, dfa in dfas.items():
        m = 0
        for a in dfa.accept:
            if a is not None:
                m |= a
        for other in (name, *first_tried[name]):
            m |= _continuations(dfa, plain[other])
        # a token that reads on over spaces (a comment to the end of the line) cannot be
        # kept apart by one: what the grammar puts after it on the line becomes part of it
        glue[name] = 0 if m & space else m
    return Lexis(dfas, glue)


def accepts(dfa: DFA, text: str) -> bool:
    """Whether ``text`` is one of the DFA's tokens."""
    q = 0
    for ch in text:
        i = _INDEX.get(ch)
        nxt = None if i is None or dfa.empty() else dfa.moves[q].get(i)
        if nxt is None:
            return False
        q = nxt
    return not dfa.empty() and dfa.accept[q] is not None
