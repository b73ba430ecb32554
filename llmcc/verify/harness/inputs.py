"""Generated inputs: the C every harness of a function shares (the prelude, ``struct
inputs``, ``llmcc_input`` making test t's inputs from a seed, ``llmcc_describe``), derived
from the DWARF signature and from hints in the baseline's code, so that test t is the same
input in the verifier's harness and in the timer's."""

from __future__ import annotations

import re
from typing import NamedTuple

from llmcc.verify import sandbox, templates
from llmcc.verify.harness.trampoline import garble_mask
from llmcc.verify.signature import CType, Signature, c_declarations, c_prototype

# elements in every pointed-to buffer; size-like parameters stay within it
CAPACITY = 64
# added to a test number: the same input with every string where it was made (not moved to
# end at a guard page); above any test count
STRINGS_IN_PLACE = 1 << 24
# parameter names that mean "how many": their values stay inside the buffers
_SIZE_NAMES = re.compile(r"^(n|len|length|size|sz|count|cnt|num|nelem|nmemb|width|height|"
                         r"w|h|rows|cols|k|m|limit|max|bytes|nbytes|elems)(_.*)?$|.*(len|size|"
                         r"count|_n)$", re.I)


def _is_string(ct: CType) -> bool:
    return ct.kind == "pointer" and ct.target is not None and ct.target.is_char


def _buffer_target(ct: CType) -> CType | None:
    """What a pointer parameter points to, when llmcc can make a buffer of it."""
    if ct.kind != "pointer" or ct.target is None:
        return None
    target = ct.target
    if target.kind == "void":
        return target
    if target.kind in ("int", "bool", "float", "enum", "struct", "union", "array") and \
            target.size > 0 and target.complete:
        return target
    return None


def interesting_constants(text: str) -> list[int]:
    """Immediates and displacements of the function's own code, each with its neighbours:
    the values where its comparisons and bounds turn (a fuzzer's dictionary)."""
    values: set[int] = set()
    for m in re.finditer(r"\$(-?(?:0x[0-9a-fA-F]+|\d+))\b|(?<![\w$])(-?\d+)\(", text):
        number = int(m.group(1) or m.group(2), 0)
        if abs(number) < 1 << 31:
            values.update((number - 1, number, number + 1))
    return sorted(values)[:200]


def compared_constants(text: str) -> list[int]:
    """The immediates the function's own code compares with, each with its neighbours: where
    a sum or difference of its inputs may be made to land (``llmcc_relate``)."""
    values: set[int] = set()
    for m in re.finditer(r"^\s*cmp[bwlq]?\s+\$(-?(?:0x[0-9a-fA-F]+|\d+))\b", text, re.M):
        number = int(m.group(1), 0)
        if abs(number) < 1 << 31:
            values.update((number - 1, number, number + 1))
    return sorted(values)[:100]


# library functions whose pointer arguments must not overlap (restrict in the C standard)
_NO_OVERLAP_CALL = re.compile(
    r"^\s*(?:call|jmp)\s+\*?(?:__)?(?:mem[pc]?cpy|wmemcpy|st[rp]n?cpy|strn?cat|wcsn?cpy|wcsn?cat"
    r"|v?sn?printf|strxfrm)(?:_chk)?(?:@\w+)?(?:\(%rip\))?\s*$", re.M)


def may_overlap(text: str) -> bool:
    """Whether the harness may pass partly overlapping buffers to the function whose code
    is ``text``: not when it hands its pointers to memcpy and its kind, whose behaviour on
    overlap is undefined (a correct candidate may copy in another order)."""
    return not _NO_OVERLAP_CALL.search(text)


class InputHints(NamedTuple):
    """What the baseline's code says about good inputs: its interesting values, the values
    it compares with, and whether buffers may partly overlap. Every harness of a function
    derives them the same way (``of``), so test t is the same input in all of them."""

    constants: tuple[int, ...] = ()
    compared: tuple[int, ...] = ()
    overlap: bool = True

    @classmethod
    def of(cls, baseline_text: str) -> InputHints:
        return cls(tuple(interesting_constants(baseline_text)),
                   tuple(compared_constants(baseline_text)), may_overlap(baseline_text))


def inputs_source(sig: Signature, names: list[str], hints: InputHints) -> str:
    """The C every harness shares: the prelude, the types ``sig`` uses, a prototype for each
    of ``names`` (copies of the function), ``struct inputs`` with ``llmcc_input(in, test,
    seed)`` to make the inputs of one test, and ``llmcc_describe`` to print them."""
    params = sig.params
    lines = [_prelude(hints), c_declarations(sig),
             *(c_prototype(sig, name) for name in names), "struct inputs {"]
    for i in range(len(params)):
        lines.append(f"    {_decl(sig, i)};")
    lines.append("    int dummy;\n};")
    relate = _relate(params)
    if relate:
        lines.append("static void llmcc_relate(struct inputs *in) {")
        lines.extend("    " + s for s in relate)
        lines.append("}")
    lines.append("static void llmcc_make_inputs(struct inputs *in, int test) {")
    lines.append("    (void)test;")
    for i, p in enumerate(params):
        lines.extend("    " + s for s in _make_param(i, p.name, p.ctype, params,
                                                   hints.overlap))
    if relate:
        lines.append("    if (llmcc_next() % 2) llmcc_relate(in);")
    lines.extend("    " + s for s in _strings_at_end(params))
    lines.append("}")
    lines.append("static void llmcc_input(struct inputs *in, int id, uint64_t seed) {\n"
                 "    int test = id & (LLMCC_STRINGS_IN_PLACE - 1);\n"
                 "    llmcc_in_place = (id & LLMCC_STRINGS_IN_PLACE) != 0;\n"
                 "    llmcc_moved = 0;\n"
                 "    memset(in, 0, sizeof *in);\n"
                 "    llmcc_state = seed * 0x9E3779B97F4A7C15ULL"
                 " + (uint64_t)test * 0xBF58476D1CE4E5B9ULL + 1;\n"
                 "    llmcc_make_inputs(in, test);\n}")
    lines.append("static void llmcc_describe(struct inputs *in) {")
    lines.append('    if (llmcc_moved) fputs("[strings end at a guard page] ", stdout);')
    for i, p in enumerate(params):
        lines.append("    " + _describe_param(i, p.name, p.ctype))
    lines.append('    fputc(\'\\n\', stdout);\n}')
    lines.append(f"#define LLMCC_NO_STACK_ARGS {int(not _passes_on_stack(sig))}")
    lines.append(f"#define LLMCC_GARBLE {garble_mask(sig)}")
    return "\n".join(lines)


def call_arguments(sig: Signature, inputs: str = "in") -> str:
    """The argument list of a call on ``inputs`` (a ``struct inputs *``)."""
    return ", ".join(f"{inputs}->p{i}" for i in range(len(sig.params)))


def buffer_params(sig: Signature) -> list[int]:
    """Indexes of the parameters that point to a buffer the harness made (``buf<i>``,
    ``len<i>`` in ``struct inputs``)."""
    return [i for i, p in enumerate(sig.params) if _buffer_target(p.ctype) is not None]



def _passes_on_stack(sig: Signature) -> bool:
    """Does any argument travel on the stack (System V x86-64: past six integer or eight
    vector registers, aggregates over 16 bytes, long double)?"""
    ints = sse = 0
    for p in sig.params:
        ct = p.ctype
        aggregate = ct.kind in ("struct", "union")
        if (aggregate and ct.size > 16) or (ct.kind == "float" and ct.size > 8):
            return True
        if ct.kind == "float" or ct.kind in ("struct", "union"):
            sse += 1 if ct.kind == "float" else 2
            ints += 2 if ct.kind != "float" else 0
        else:
            ints += 2 if ct.size > 8 else 1
    return ints > 6 or sse > 8


def _decl(sig: Signature, i: int) -> str:
    """The inputs member for parameter i: its value, and for buffers their bytes."""
    p = sig.params[i]
    proto = c_prototype(sig, "f")
    # the prototype's parameter list spells each type; reuse it by declaring a pointer-free copy
    spelled = _param_spellings(proto)[i]
    decl = _rename_declarator(spelled, p.name, f"p{i}")
    if p.ctype.kind != "pointer" and p.ctype.const:  # the harness assigns it
        decl = re.sub(r"\bconst\b\s*", "", decl, count=1)
    if _buffer_target(p.ctype) is not None:
        return f"{decl}; unsigned char *buf{i}; size_t len{i}"
    return decl


def _param_spellings(proto: str) -> list[str]:
    inner = proto[proto.index("(") + 1: proto.rindex(")")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        depth += ch in "([{"
        depth -= ch in ")]}"
        cur += ch
    if cur.strip() and cur.strip() != "void":
        parts.append(cur.strip())
    return parts


def _rename_declarator(spelled: str, name: str, new: str) -> str:
    if name and re.search(rf"\b{re.escape(name)}\b", spelled):
        return re.sub(rf"\b{re.escape(name)}\b", new, spelled, count=1)
    return f"{spelled} {new}"


def _make_param(i: int, name: str, ct: CType, params, overlap: bool = True) -> list[str]:
    target = _buffer_target(ct)
    if target is not None:
        elem = max(target.size, 1) if target.kind != "void" else 1
        string = _is_string(ct)
        kind = (2 if target.size == 4 else 3) if target.kind == "float" else \
            1 if target.kind in ("int", "enum", "bool") else 0
        return [
            f"in->len{i} = {CAPACITY * elem};",
            f"in->buf{i} = llmcc_guarded(in->len{i}, test, {int(string)}, {elem}, {kind});",
            f"in->p{i} = (void *)in->buf{i};",
            *(_typed_fill(i, target)),
            *(_alias(i, ct, params, overlap)),
            *(_same_string(i, ct, params)),
        ]
    if ct.kind == "pointer":
        return [f"in->p{i} = 0;"]
    if ct.kind in ("int", "enum") and ct.is_char and ct.size == 1:
        return [f"in->p{i} = llmcc_pick_char();"]
    if ct.kind in ("int", "enum"):
        has_buffer = any(_buffer_target(p.ctype) is not None for p in params)
        size_like = has_buffer and bool(_SIZE_NAMES.match(name or ""))
        return [f"in->p{i} = llmcc_pick_int({ct.size}, {int(ct.signed)}, {int(size_like)}, "
                f"{CAPACITY});"]
    if ct.kind == "bool":
        return [f"in->p{i} = llmcc_next() & 1;"]
    if ct.kind == "float":
        if ct.size == 4:
            return [f"in->p{i} = (float)llmcc_pick_double();"]
        if ct.size == 8:
            return [f"in->p{i} = llmcc_pick_double();"]
        return [f"in->p{i} = (long double)llmcc_pick_double();"]
    # structs and unions by value: random bytes
    return [f"llmcc_random_bytes(&in->p{i}, sizeof in->p{i});"]


def _scalar_fields(ct: CType, base: int = 0, depth: int = 0) -> list[tuple[int, CType]]:
    """(offset, type) of the scalar members of struct ``ct``, nested structs and the first
    elements of member arrays included; bit-fields and unions left out."""
    out: list[tuple[int, CType]] = []
    for f in ct.fields or ():
        t = f.ctype
        if f.bit_size is not None:
            continue
        if (t.kind in ("int", "enum", "bool") and t.size in (1, 2, 4, 8)) or \
                (t.kind == "float" and t.size in (4, 8)):
            out.append((base + f.offset, t))
        elif t.kind == "struct" and depth < 3:
            out += _scalar_fields(t, base + f.offset, depth + 1)
        elif t.kind == "array" and t.target is not None and t.count and t.target.size and \
                t.target.kind in ("int", "enum", "float") and t.target.size in (1, 2, 4, 8):
            out += [(base + f.offset + k * t.target.size, t.target)
                    for k in range(min(t.count, 8))]
    return out[:64]


def _int_fields(ct: CType) -> list[tuple[int, CType]]:
    """(offset, type) of the integer members of struct ``ct`` (see _scalar_fields)."""
    return [(off, t) for off, t in _scalar_fields(ct) if t.kind in ("int", "enum")]


def _typed_fill(i: int, target: CType) -> list[str]:
    """In half the tests, the scalar members of every struct in buffer ``i`` get values of
    their type (small integers, the function's constants, plain doubles) rather than random
    bytes."""
    if target.kind != "struct":
        return []
    stores = []
    for off, t in _scalar_fields(target):
        if t.kind == "bool":
            stores.append(f"e[{off}] = (unsigned char)(llmcc_next() & 1);")
        elif t.kind == "float":
            c = "float" if t.size == 4 else "double"
            stores.append(f"{{ {c} v = ({c})llmcc_pick_double(); memcpy(e + {off}, &v, "
                          f"{t.size}); }}")
        else:
            stores.append(f"{{ long long v = llmcc_pick_int({t.size}, {int(t.signed)}, 0, "
                          f"{CAPACITY}); memcpy(e + {off}, &v, {t.size}); }}")
    if not stores:
        return []
    return [f"if (llmcc_next() % 2) for (size_t at = 0; at + {target.size} <= in->len{i}; "
            f"at += {target.size}) {{ unsigned char *e = in->buf{i} + at; "
            + " ".join(stores) + " }"]


def _relate(params) -> list[str]:
    """The body of ``llmcc_relate``: set one integer parameter so that its sum with (or
    difference from) another value the function reads, an integer parameter or a member
    of the first struct (or element) of a buffer, is one of the constants the function
    compares with: a condition on ``balance + amount`` or ``a - b`` is rarely met by
    independent inputs. Operands of the parameter's own size are preferred."""
    ints = [(i, p) for i, p in enumerate(params) if p.ctype.kind in ("int", "enum")
            and p.ctype.size in (1, 2, 4, 8)]
    has_buffer = any(_buffer_target(p.ctype) is not None for p in params)
    targets = [(i, p.ctype) for i, p in ints if not (p.ctype.is_char and p.ctype.size == 1)
               and not (has_buffer and _SIZE_NAMES.match(p.name or ""))]
    operands: list[tuple[int, str, str]] = []  # (size, C expression, what else to do)
    for i, p in ints:
        operands.append((p.ctype.size, f"(long long)in->p{i}", ""))
    for i, p in enumerate(params):
        target = _buffer_target(p.ctype)
        if target is None:
            continue
        if target.kind in ("int", "enum") and target.size in (1, 2, 4, 8) and \
                not _is_string(p.ctype):
            operands.append((target.size, f"llmcc_load(in->buf{i}, {target.size}, "
                             f"{int(target.signed)})", ""))
        elif target.kind == "struct":
            fields = _int_fields(target)
            for off, t in fields:
                # the struct's other integer members are 0 half the time: a fresh record
                others = " ".join(f"memset(in->buf{i} + {o}, 0, {u.size});"
                                  for o, u in fields if o != off)
                operands.append((t.size, f"llmcc_load(in->buf{i} + {off}, {t.size}, "
                                 f"{int(t.signed)})",
                                 f"if (llmcc_next() % 2) {{ {others} }}" if others else ""))
    blocks = []
    for i, ct in targets:
        mine = [op for op in operands if op[1] != f"(long long)in->p{i}"]
        if not mine:
            continue
        same = [op for op in mine if op[0] == ct.size]
        pick = _choose(mine)
        if same and len(same) < len(mine):
            pick = f"if ((r >> 8) % 4) {{ {_choose(same)} }} else {{ {pick} }}"
        blocks.append(f"{pick} in->p{i} = llmcc_related(o, r >> 40);")
    if not blocks:
        return []
    return ["uint64_t r = llmcc_next();", "long long o = 0;",
            f"switch (r % {len(blocks)}) {{",
            *(f"case {n}: {block} break;" for n, block in enumerate(blocks)),
            "}"]


def _choose(group: list[tuple[int, str, str]]) -> str:
    """C that sets ``o`` to one of the operands of ``group``, picked by ``r``."""
    cases = " ".join(f"case {k}: o = {expr}; {extra} break;".replace("  ", " ")
                     for k, (_, expr, extra) in enumerate(group))
    return f"switch ((r >> 16) % {len(group)}) {{ {cases} }}"


def _same_string(i: int, ct: CType, params) -> list[str]:
    """Every third test, a second string starts as a copy of the first (compare functions
    only turn on common prefixes), sometimes one character shorter; not where the two
    overlap (the first may then end nowhere)."""
    if not _is_string(ct):
        return []
    for j in range(i):
        if _is_string(params[j].ctype):
            return [f"if (test % 3 == 1 && (in->buf{i} >= in->buf{j} + in->len{j} || "
                    f"in->buf{j} >= in->buf{i} + in->len{i})) {{ "
                    f"strcpy((char *)in->buf{i}, (char *)in->buf{j}); "
                    f"size_t l = strlen((char *)in->buf{i}); "
                    f"if (l && llmcc_next() % 2) in->buf{i}[l - 1] = 0; }}"]
    return []


def _strings_at_end(params) -> list[str]:
    """On a share of the tests, every string moves to the end of its buffer, its NUL just
    before the guard page (``llmcc_string_at_end``): last, once the buffers are filled."""
    return [f"in->p{i} = llmcc_string_at_end(in->buf{i}, in->len{i}, (void *)in->p{i}, "
            f"test, {int(not p.ctype.target.const)});"
            for i, p in enumerate(params) if _is_string(p.ctype)]


def _alias(i: int, ct: CType, params, overlap: bool = True) -> list[str]:
    """In some tests, make this buffer and an earlier one of the same element type overlap,
    unless either is restrict (the C standard lets those assume no aliasing): the same
    buffer, this one a few elements into the earlier one, or the earlier one a few elements
    into this one (a vectorizer's runtime overlap check may turn on which comes first). The
    one that starts later is that much shorter, so it still ends where the other does.
    Without ``overlap`` only the same buffer."""
    if ct.restrict:
        return []
    for j in range(i):
        other = params[j].ctype
        if _buffer_target(other) is not None and not other.restrict and \
                other.target.size == ct.target.size and other.target.kind == ct.target.kind:
            elem = max(ct.target.size, 1)
            same = [f"if (test % 4 == 3) {{ in->p{i} = in->p{j}; in->buf{i} = in->buf{j}; "
                    f"in->len{i} = in->len{j}; }}"]
            if not overlap:
                return same
            return [*same, f"if (test % 8 == 5 || test % 16 == 0) {_overlap(i, j, elem)}",
                    f"if (test % 8 == 1 || test % 16 == 8) {_overlap(j, i, elem)}"]
    return []


def _overlap(a: int, b: int, elem: int) -> str:
    """C that points buffer ``a`` a few elements into buffer ``b``."""
    return (f"{{ size_t k = llmcc_overlap({elem}) * {elem}; in->buf{a} = in->buf{b} + k; "
            f"in->len{a} = in->len{b} - k; in->p{a} = (void *)in->buf{a}; }}")


def _describe_param(i: int, name: str, ct: CType) -> str:
    label = name or f"arg{i}"
    if _buffer_target(ct) is not None:
        return f'printf("{label}=<%zu-byte buffer> ", in->len{i});'
    if ct.kind in ("int", "enum", "bool"):
        return f'printf("{label}=%lld ", (long long)in->p{i});'
    if ct.kind == "float":
        return f'printf("{label}=%.17Lg ", (long double)in->p{i});'
    return f'printf("{label}=<{ct.kind}> ");'



def _prelude(hints: InputHints) -> str:
    """prelude.c with the function's constants, the buffer capacity and the verifier's
    sandbox (the timer's harness installs its own, stricter one instead)."""
    constants, compared, _ = hints
    return templates.load("llmcc.verify.harness", "prelude.c").fill(
        INTERESTING=", ".join(f"{v}LL" for v in (*constants, 0)) if constants else "0",
        COMPARED=", ".join(f"{v}LL" for v in compared) if compared else "0",
        NCOMPARED=len(compared), CAPACITY=CAPACITY, IN_PLACE=STRINGS_IN_PLACE,
        SANDBOX=sandbox.c_function(sandbox.VERIFY, "llmcc_sandbox"))
