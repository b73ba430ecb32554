"""A function's C signature, read from the DWARF of a `-g` twin compile of its translation unit,
and C text that declares it again with the same ABI for a separately compiled test harness."""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

from llmcc import subproc
from llmcc.errors import LlmccError, ToolError
from llmcc.gcc_options import recompile_flags

# ---------------------------------------------------------------------------------------------
# The data model


@dataclass(frozen=True)
class CType:
    """One C type, typedefs flattened into `name` (the outermost typedef, else the tag).

    kind is one of void, bool, int, float, pointer, array, struct, union, enum, funcptr, or
    unknown (a type llmcc does not model: vectors, _Atomic, complex integers).
    """

    kind: str
    size: int
    name: str = ""
    signed: bool = False
    const: bool = False
    volatile: bool = False
    restrict: bool = False
    target: CType | None = None  # pointee of a pointer, element of an array
    count: int | None = None  # number of array elements; None when unknown (flexible, VLA)
    # Members of a struct/union. None for an incomplete type, and for a struct reached through
    # more than _POINTEE_DEPTH pointers: the same uid is defined in full elsewhere, or nowhere.
    fields: tuple[Field, ...] | None = None
    align: int = 1  # from DW_AT_alignment when present, else computed from members
    is_char: bool = False  # char, signed char, unsigned char and typedefs of them
    base_name: str = ""  # underlying base type as C spells it: "unsigned char", "_Complex double"
    tag: str = ""  # struct/union/enum tag, "" when anonymous
    uid: int = 0  # DWARF offset of a struct/union/enum: equal uid, same type
    complete: bool = True  # False for a struct/union only declared in the translation unit
    enumerators: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Field:
    """A struct or union member."""

    name: str  # "" for an anonymous struct/union member
    ctype: CType
    offset: int  # byte offset; for a bit-field, the byte that holds its first bit
    bit_size: int | None = None  # width of a bit-field; None for ordinary members
    bit_offset: int | None = None  # bit position of a bit-field from the start of the aggregate
    align: int = 0  # the member's own alignment attribute (DW_AT_alignment), 0 when none


@dataclass(frozen=True)
class Param:
    name: str
    ctype: CType


@dataclass(frozen=True)
class Signature:
    name: str
    return_type: CType
    params: tuple[Param, ...]
    variadic: bool
    testable: bool
    untestable_reason: str  # "" when testable; else what a user reads after "the function ..."
    source_file: str


class SignatureError(LlmccError):
    """The function's signature cannot be read: missing source, unknown or unemitted function."""


VOID = CType("void", 0)

# Structs behind more pointers than this are left as stubs (fields=None): a harness builds a
# few levels of pointed-to memory at most, and linked types would otherwise expand forever.
_POINTEE_DEPTH = 2

# ---------------------------------------------------------------------------------------------
# Compiling the twin


def signature_of(source: str, function: str, compiler: str, flags: tuple[str, ...]) -> Signature:
    """The signature of `function` as defined in `source` compiled with `flags`.

    Runs the compiler in the current directory, where relative paths in `flags` point.
    """
    if not os.path.isfile(source):
        raise SignatureError(f"source file {source} does not exist")
    with tempfile.TemporaryDirectory(prefix="llmcc-sig-") as tmp:
        obj = os.path.join(tmp, "twin.o")
        args = [compiler, *debug_twin_flags(flags), *DEBUG_FLAGS, "-c", source, "-o", obj]
        result = subproc.run(args)
        if not result.ok:
            raise ToolError(f"cannot compile {source} for its signature: "
                            f"{_first_error(result.stderr)}")
        return _read_signature(obj, function, source)


# How the twin asks for DWARF: gcc's default version (5 since gcc 11; 4 is read too).
DEBUG_FLAGS = ("-g",)

# Flags that would change what the twin writes or where (the twin needs one plain object with
# DWARF in it), each with whether it takes the next argument as its value.
# besides outputs and dependency files: debug info of the user's kind, LTO, save-temps
_TWIN_DROP_EXACT = frozenset({"-pipe", "-fdebug-types-section"})
_TWIN_DROP_PREFIX = ("-g", "-flto", "-save-temps")


def debug_twin_flags(flags: tuple[str, ...]) -> list[str]:
    """The user's options without debug, output, dependency, LTO and save-temps options."""
    return [f for f in recompile_flags(flags)
            if f not in _TWIN_DROP_EXACT and not f.startswith(_TWIN_DROP_PREFIX)]


def _first_error(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    for line in lines:
        if "error" in line:
            return line
    return lines[0] if lines else "the compiler failed without a message"


# ---------------------------------------------------------------------------------------------
# Finding the function in the DWARF


def _read_signature(obj: str, function: str, source: str) -> Signature:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    relocated = _relocate_debug_sections(obj)
    try:
        with open(obj, "rb") as fh:
            elf = ELFFile(fh)
            if not elf.has_dwarf_info():
                raise SignatureError(f"no debug information in the twin object of {source}")
            functions = _function_symbols(elf)
            dwarf = elf.get_dwarf_info(relocate_dwarf_sections=not relocated)
            subprograms = [die for cu in dwarf.iter_CUs()
                           for die in cu.get_top_DIE().iter_children()
                           if die.tag == "DW_TAG_subprogram"]
            die = _pick_subprogram(subprograms, function, functions, source)
            return _Reader().signature(die, function, source)
    except ELFError as exc:  # pyelftools' errors stop here
        raise SignatureError(f"cannot read the debug information of {source}: {exc}") from None


# Relocations in gcc's DWARF on x86-64: type -> bytes patched with symbol + addend (64, 32,
# 32S). Thread-local variable locations (DTPOFF32/64) are left alone: llmcc never reads them,
# and pyelftools, which would reject them, is not asked to relocate.
_DEBUG_RELOCATIONS = {1: 8, 10: 4, 11: 4}


def _relocate_debug_sections(obj: str) -> bool:
    """Apply the DWARF relocations of the private twin in place; False if it is not x86-64.

    Much faster than pyelftools applying them one parsed record at a time.
    """
    from elftools.elf.elffile import ELFFile

    with open(obj, "rb") as fh:
        data = bytearray(fh.read())
    elf = ELFFile(io.BytesIO(data))
    symtab = elf.get_section_by_name(".symtab")
    if elf.get_machine_arch() != "x64" or elf.elfclass != 64 or symtab is None:
        return False
    values = [sym[4] for sym in struct.iter_unpack("<IBBHQQ", symtab.data())]
    for sec in elf.iter_sections():
        if sec["sh_type"] != "SHT_RELA" or not sec.name.startswith(".rela.debug"):
            continue
        base = elf.get_section(sec["sh_info"])["sh_offset"]
        for offset, info, addend in struct.iter_unpack("<QQq", sec.data()):
            size = _DEBUG_RELOCATIONS.get(info & 0xFFFFFFFF)
            if size:
                value = (values[info >> 32] + addend) % (1 << (8 * size))
                data[base + offset:base + offset + size] = value.to_bytes(size, "little")
    with open(obj, "wb") as fh:
        fh.write(data)
    return True


def _function_symbols(elf) -> dict[str, tuple[int, int]]:
    """Name -> (section index, offset in it) of every function symbol the object defines."""
    symtab = elf.get_section_by_name(".symtab")
    return {sym.name: (sym["st_shndx"], sym["st_value"])
            for sym in (symtab.iter_symbols() if symtab else ())
            if sym["st_info"]["type"] == "STT_FUNC" and isinstance(sym["st_shndx"], int)}


def _pick_subprogram(subprograms: list, function: str, functions: dict[str, tuple[int, int]],
                     source: str):
    """A DIE that describes `function` as its source declares it.

    A symbol that keeps the function's name keeps its source-level ABI; gcc gives changed
    copies new names (foo.isra.0, foo.constprop.0). Their DIEs, like that of an out-of-line
    copy of a function also inlined elsewhere, are nameless and point at foo's abstract DIE,
    so only a DIE at the symbol's address, or one carrying the name, is taken.
    """
    if function not in functions:
        raise SignatureError(_not_emitted(subprograms, function, functions, source))
    address = functions[function][1]
    named = [d for d in subprograms if _attr(d, "DW_AT_name") == function]
    at_address = [d for d in subprograms if _has_code(d) and _die_name(d) == function
                  and _attr(d, "DW_AT_low_pc") == address]
    # Last, an alias (no DIE of its own): a function symbol at the same place names its code.
    aliased = {n for n, place in functions.items() if place == functions[function]}
    alias = [d for d in subprograms if _has_code(d) and _die_name(d) in aliased]
    ranked = ([d for d in named if _has_code(d)] + at_address
              + [d for d in named if not _attr(d, "DW_AT_declaration")] + named + alias)
    if not ranked:
        raise SignatureError(f"no debug information on '{function}' in {source} "
                             "(is it defined in assembly?)")
    return ranked[0]


def _not_emitted(subprograms: list, function: str, functions: dict[str, tuple[int, int]],
                 source: str) -> str:
    """Why there is no symbol `function`, in words."""
    clones = sorted(n for n in functions if n.startswith(function + "."))
    if clones:
        return (f"gcc emits '{function}' in {source} only as specialized copies "
                f"({', '.join(clones[:3])}) with these flags")
    if any(_die_name(d) == function for d in subprograms):
        return (f"gcc emits no code for '{function}' in {source} with these flags "
                "(only declared, or inlined everywhere and removed)")
    defined = sorted(n for n in functions if "." not in n)
    listed = ", ".join(defined[:8]) + (", ..." if len(defined) > 8 else "")
    return f"no function '{function}' in {source}; it defines: {listed or 'no functions'}"


def _has_code(die) -> bool:
    return "DW_AT_low_pc" in die.attributes or "DW_AT_ranges" in die.attributes


def _origin_chain(die) -> list:
    """The DIE, then the DIEs it takes its source-level description from."""
    chain = [die]
    while True:
        for link in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if link in chain[-1].attributes:
                chain.append(chain[-1].get_DIE_from_attribute(link))
                break
        else:
            return chain


def _die_name(die) -> str:
    for d in _origin_chain(die):
        if "DW_AT_name" in d.attributes:
            return _attr(d, "DW_AT_name")
    return ""


def _attr(die, name: str, default=None):
    attr = die.attributes.get(name)
    if attr is None:
        return default
    value = attr.value
    return value.decode(errors="replace") if isinstance(value, bytes) else value


# ---------------------------------------------------------------------------------------------
# DWARF types to CType

_QUALIFIERS = {"DW_TAG_const_type": "const", "DW_TAG_volatile_type": "volatile",
               "DW_TAG_restrict_type": "restrict"}

# DW_ATE_* encodings of base types.
_ATE_BOOLEAN, _ATE_COMPLEX, _ATE_FLOAT, _ATE_SIGNED = 0x02, 0x03, 0x04, 0x05
_ATE_SIGNED_CHAR, _ATE_UNSIGNED, _ATE_UNSIGNED_CHAR, _ATE_DECIMAL = 0x06, 0x07, 0x08, 0x0F


class _Reader:
    """Converts type DIEs to CTypes, memoized so that shared types are converted once."""

    def __init__(self) -> None:
        self._memo: dict[tuple, CType] = {}

    def signature(self, die, function: str, source: str) -> Signature:
        chain = _origin_chain(die)
        ret_die = next((d for d in chain if "DW_AT_type" in d.attributes), None)
        ret = self.type_of(ret_die, 0) if ret_die is not None else VOID
        params = tuple(self._params(chain))
        variadic = any(c.tag == "DW_TAG_unspecified_parameters"
                       for d in chain for c in d.iter_children())
        prototyped = any(_attr(d, "DW_AT_prototyped") for d in chain)
        reason = _untestable_reason(ret, params, variadic, prototyped)
        return Signature(function, ret, params, variadic, not reason, reason, source)

    def _params(self, chain: list) -> Iterator[Param]:
        # The abstract DIE lists every parameter; a concrete DIE may lack optimized-out ones.
        lists = [[c for c in d.iter_children() if c.tag == "DW_TAG_formal_parameter"]
                 for d in chain]
        best = max(lists, key=len)
        for i, param in enumerate(best):
            pchain = _origin_chain(param)
            name = next((_attr(p, "DW_AT_name") for p in pchain if "DW_AT_name" in p.attributes),
                        f"arg{i}")
            typed = next((p for p in pchain if "DW_AT_type" in p.attributes), None)
            ctype = self.type_of(typed, 0) if typed is not None else CType("unknown", 0)
            yield Param(name, ctype)

    def type_of(self, die, depth: int) -> CType:
        """The CType of the DW_AT_type of `die` (void when it has none)."""
        if "DW_AT_type" not in die.attributes:
            return VOID
        return self.convert(die.get_DIE_from_attribute("DW_AT_type"), depth)

    def convert(self, die, depth: int, quals: frozenset[str] = frozenset(),
                typedef: str = "") -> CType:
        key = (die.offset, depth, quals, typedef)
        if key not in self._memo:
            self._memo[key] = self._convert(die, depth, quals, typedef)
        return self._memo[key]

    def _convert(self, die, depth: int, quals: frozenset[str], typedef: str) -> CType:
        tag = die.tag
        if tag in _QUALIFIERS:
            return self._follow(die, depth, quals | {_QUALIFIERS[tag]}, typedef)
        if tag == "DW_TAG_typedef":
            return self._follow(die, depth, quals, typedef or _attr(die, "DW_AT_name", ""))
        common = {"const": "const" in quals, "volatile": "volatile" in quals, "name": typedef}
        if tag == "DW_TAG_base_type":
            return _base_type(die, common)
        if tag == "DW_TAG_pointer_type":
            return self._pointer(die, depth, common | {"restrict": "restrict" in quals})
        if tag == "DW_TAG_array_type":
            return self._array(die, depth, quals, typedef)
        if tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
            return self._aggregate(die, depth, common)
        if tag == "DW_TAG_enumeration_type":
            return _enum_type(die, common)
        if tag == "DW_TAG_atomic_type":  # same size, but gcc may align it more
            inner = self._follow(die, depth, frozenset(), "")
            return CType("unknown", inner.size, name="_Atomic", align=inner.align)
        return CType("unknown", 0, name=tag.removeprefix("DW_TAG_"))

    def _follow(self, die, depth: int, quals: frozenset[str], typedef: str) -> CType:
        if "DW_AT_type" not in die.attributes:  # const void
            return CType("void", 0, name=typedef, const="const" in quals,
                         volatile="volatile" in quals)
        return self.convert(die.get_DIE_from_attribute("DW_AT_type"), depth, quals, typedef)

    def _pointer(self, die, depth: int, common: dict) -> CType:
        if "DW_AT_type" in die.attributes:
            pointee = die.get_DIE_from_attribute("DW_AT_type")
            if _strip_typedefs(pointee).tag == "DW_TAG_subroutine_type":
                return CType("funcptr", 8, align=8, **common)
        target = self.type_of(die, depth + 1)
        return CType("pointer", _attr(die, "DW_AT_byte_size", 8), target=target, align=8,
                     **common)

    def _array(self, die, depth: int, quals: frozenset[str], typedef: str) -> CType:
        # Qualifiers of an array type qualify its elements in C.
        if "DW_AT_type" in die.attributes:
            elem = self.convert(die.get_DIE_from_attribute("DW_AT_type"), depth, quals)
        else:
            elem = CType("unknown", 0)
        counts = [_subrange_count(c) for c in die.iter_children()
                  if c.tag == "DW_TAG_subrange_type"] or [None]
        if _attr(die, "DW_AT_GNU_vector"):  # passed in vector registers, unlike arrays
            size = (counts[0] or 0) * elem.size
            return CType("unknown", size, name="vector", align=size or 1)
        for count in reversed(counts):  # int m[3][4] is an array of 3 arrays of 4
            elem = CType("array", (count or 0) * elem.size, target=elem, count=count,
                         align=elem.align)
        return replace(elem, name=typedef)

    def _aggregate(self, die, depth: int, common: dict) -> CType:
        kind = "struct" if die.tag == "DW_TAG_structure_type" else "union"
        tag = _attr(die, "DW_AT_name", "")
        base = {"tag": tag, "uid": die.offset, **common, "name": common["name"] or tag}
        if _attr(die, "DW_AT_declaration"):
            return CType(kind, 0, complete=False, **base)
        size = _attr(die, "DW_AT_byte_size", 0)
        explicit = _attr(die, "DW_AT_alignment", 0)
        if depth > _POINTEE_DEPTH:
            return CType(kind, size, align=explicit or _die_align(die), **base)
        fields = tuple(self._field(m, depth) for m in die.iter_children()
                       if m.tag == "DW_TAG_member")
        align = explicit or _computed_align(fields, size)
        return CType(kind, size, fields=fields, align=align, **base)

    def _field(self, member, depth: int) -> Field:
        ctype = self.type_of(member, depth)
        name = _attr(member, "DW_AT_name", "")
        offset = _member_location(member)
        bits = _attr(member, "DW_AT_bit_size")
        if bits is None:
            return Field(name, ctype, offset, align=_attr(member, "DW_AT_alignment", 0))
        if "DW_AT_data_bit_offset" in member.attributes:  # DWARF 5
            pos = _attr(member, "DW_AT_data_bit_offset")
        else:  # DWARF 4 counts from the most significant bit of the storage unit
            unit = _attr(member, "DW_AT_byte_size", ctype.size)
            pos = offset * 8 + unit * 8 - _attr(member, "DW_AT_bit_offset", 0) - bits
        return Field(name, ctype, pos // 8, bit_size=bits, bit_offset=pos)


def _die_align(die) -> int:
    """The alignment of a type DIE, without converting it (for stubs, whose members are not)."""
    die = _strip_typedefs(die)
    tag = die.tag
    if "DW_AT_alignment" in die.attributes:
        return _attr(die, "DW_AT_alignment")
    if tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
        return _members_align(die)
    if tag == "DW_TAG_array_type" and "DW_AT_type" in die.attributes:
        return _die_align(die.get_DIE_from_attribute("DW_AT_type"))
    if tag == "DW_TAG_base_type" and _attr(die, "DW_AT_encoding") == _ATE_COMPLEX:
        return _attr(die, "DW_AT_byte_size", 2) // 2
    if tag in ("DW_TAG_base_type", "DW_TAG_pointer_type", "DW_TAG_enumeration_type"):
        return _attr(die, "DW_AT_byte_size", 8)
    return 1


def _members_align(die) -> int:
    members = [m for m in die.iter_children()
               if m.tag == "DW_TAG_member" and "DW_AT_type" in m.attributes]
    aligns = [_attr(m, "DW_AT_alignment", 0) or _die_align(m.get_DIE_from_attribute("DW_AT_type"))
              for m in members]
    align = max(aligns, default=1)
    misaligned = any("DW_AT_bit_size" not in m.attributes and _member_location(m) % a
                     for m, a in zip(members, aligns, strict=True))
    return 1 if misaligned or _attr(die, "DW_AT_byte_size", 0) % align else align


def _strip_typedefs(die):
    while die.tag in ("DW_TAG_typedef", *_QUALIFIERS) and "DW_AT_type" in die.attributes:
        die = die.get_DIE_from_attribute("DW_AT_type")
    return die


def _base_type(die, common: dict) -> CType:
    size = _attr(die, "DW_AT_byte_size", 0)
    enc = _attr(die, "DW_AT_encoding", 0)
    base = _c_spelling(_attr(die, "DW_AT_name", ""))
    if enc == _ATE_BOOLEAN:
        return CType("bool", size, align=size, base_name=base, **common)
    if enc in (_ATE_FLOAT, _ATE_DECIMAL):
        return CType("float", size, align=size, base_name=base, **common)
    if enc == _ATE_COMPLEX:  # two floats: aligned like one of them
        return CType("float", size, align=size // 2, base_name=base, **common)
    if enc in (_ATE_SIGNED, _ATE_SIGNED_CHAR, _ATE_UNSIGNED, _ATE_UNSIGNED_CHAR):
        return CType("int", size, signed=enc in (_ATE_SIGNED, _ATE_SIGNED_CHAR), align=size,
                     is_char=enc in (_ATE_SIGNED_CHAR, _ATE_UNSIGNED_CHAR), base_name=base,
                     **common)
    return CType("unknown", size, name=base)  # complex integers, fixed point, UTF types


def _c_spelling(dwarf_name: str) -> str:
    """gcc's DWARF names of base types as C spells them."""
    if dwarf_name.startswith("complex "):
        return "_Complex " + dwarf_name.removeprefix("complex ")
    if dwarf_name == "__int128 unsigned":
        return "unsigned __int128"
    return dwarf_name


def _enum_type(die, common: dict) -> CType:
    size = _attr(die, "DW_AT_byte_size", 4)
    values = tuple((_attr(e, "DW_AT_name", ""), _attr(e, "DW_AT_const_value", 0))
                   for e in die.iter_children() if e.tag == "DW_TAG_enumerator")
    if "DW_AT_type" in die.attributes:
        signed = _base_type(_strip_typedefs(die.get_DIE_from_attribute("DW_AT_type")), {}).signed
    else:
        signed = any(v < 0 for _, v in values)
    tag = _attr(die, "DW_AT_name", "")
    common = {**common, "name": common["name"] or tag}
    return CType("enum", size, signed=signed, align=size, tag=tag, uid=die.offset,
                 enumerators=values, **common)


def _subrange_count(sub) -> int | None:
    count = _attr(sub, "DW_AT_count")
    if isinstance(count, int):
        return count
    upper = _attr(sub, "DW_AT_upper_bound")
    if isinstance(upper, int):  # a VLA bound is an expression or a reference, not a constant
        return upper - _attr(sub, "DW_AT_lower_bound", 0) + 1
    return None


def _member_location(member) -> int:
    loc = _attr(member, "DW_AT_data_member_location", 0)
    if isinstance(loc, int):
        return loc
    # Older DWARF: an expression DW_OP_plus_uconst <uleb128>.
    value, shift = 0, 0
    for byte in loc[1:]:
        value |= (byte & 0x7F) << shift
        shift += 7
    return value


# ---------------------------------------------------------------------------------------------
# Layout: what gcc would do with the members as declared, to tell where attributes are needed


def _align_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _field_align(f: Field) -> int:
    return max(f.align, f.ctype.align, 1)


def _is_packed(fields: tuple[Field, ...], size: int) -> bool:
    """Whether some member sits below its natural alignment (a packed struct or member)."""
    natural = max((_field_align(f) for f in fields), default=1)
    if size % natural:
        return True
    for f in fields:
        if f.bit_size is None:
            if f.offset % _field_align(f):
                return True
        elif f.ctype.size and f.bit_size:
            unit = f.ctype.size * 8  # a bit-field never straddles units of its type unless packed
            if f.bit_offset // unit != (f.bit_offset + f.bit_size - 1) // unit:
                return True
    return False


def _computed_align(fields: tuple[Field, ...], size: int) -> int:
    if _is_packed(fields, size):
        return 1
    return max((_field_align(f) for f in fields), default=1)


# ---------------------------------------------------------------------------------------------
# Testability

_VA_LIST_TAG = "__va_list_tag"


def _untestable_reason(ret: CType, params: tuple[Param, ...], variadic: bool,
                       prototyped: bool) -> str:
    if variadic:
        return "is variadic (takes '...')"
    for p in params:
        if not prototyped and p.ctype.kind == "float" and p.ctype.size == 4:
            return (f"is an old-style definition with a float parameter '{p.name}' "
                    "(callers promote it to double)")
        for problem, path in _problems(p.ctype, by_value=True, path=()):
            return f"takes {problem} ({_where(path, f'parameter {p.name!r}')})"
    for problem, path in _problems(ret, by_value=True, path=()):
        suffix = f" ({_where(path, 'the return value')})" if path else ""
        return f"returns {problem}{suffix}"
    return ""


def _where(path: tuple[str, ...], root: str) -> str:
    if not path:
        return root
    return f"member '{'.'.join(path)}' of {root}"


def _problems(ct: CType, by_value: bool, path: tuple[str, ...]) -> Iterator[tuple[str, tuple]]:
    """What a harness cannot pass or check in the value, its by-value members and pointer chains.

    Members of pointed-to structs are memory the harness fills itself (NULL where it cannot
    build a value), so they are not looked at.
    """
    if ct.kind == "funcptr":
        yield "a function pointer", path
    elif ct.kind == "unknown":
        yield f"a value of type {ct.name or '<unknown>'}, which llmcc cannot model", path
    elif ct.tag == _VA_LIST_TAG:
        yield "a va_list", path
    elif ct.kind == "pointer":
        target = ct.target
        if target.kind in ("struct", "union") and not target.complete:
            yield f"a pointer to the incomplete type '{target.kind} {target.tag}'", path
        else:
            yield from _problems(target, False, path)
    elif ct.kind == "array":
        yield from _problems(ct.target, by_value, path)
    elif by_value and ct.kind in ("struct", "union"):
        if ct.kind == "union":
            yield "a union by value", path
        for f in ct.fields or ():
            yield from _problems(f.ctype, True, (*path, f.name or "<anonymous>"))


# ---------------------------------------------------------------------------------------------
# C text

_PREFIX = "llmcc_t_"

# Standard typedefs a harness may name as such when the DWARF shows the x86-64 type, with the
# header that declares them.
_STANDARD_TYPEDEFS = {
    "int8_t": ("signed char", "stdint.h"), "uint8_t": ("unsigned char", "stdint.h"),
    "int16_t": ("short int", "stdint.h"), "uint16_t": ("short unsigned int", "stdint.h"),
    "int32_t": ("int", "stdint.h"), "uint32_t": ("unsigned int", "stdint.h"),
    "int64_t": ("long int", "stdint.h"), "uint64_t": ("long unsigned int", "stdint.h"),
    "intptr_t": ("long int", "stdint.h"), "uintptr_t": ("long unsigned int", "stdint.h"),
    "intmax_t": ("long int", "stdint.h"), "uintmax_t": ("long unsigned int", "stdint.h"),
    "size_t": ("long unsigned int", "stddef.h"), "ptrdiff_t": ("long int", "stddef.h"),
}

# Parameter and member names that a harness's standard headers define as macros or types.
_RESERVED_NAMES = {"I", "complex", "imaginary", "bool", "true", "false", "NULL", "EOF", "errno",
                   "stdin", "stdout", "stderr", "assert", *_STANDARD_TYPEDEFS}


class _Names:
    """Generated names of the tagged types and typedefs a signature refers to."""

    def __init__(self, sig: Signature) -> None:
        self.tags: dict[int, str] = {}  # uid -> generated tag
        self.typedefs: dict[tuple[str, str], str] = {}  # (name, base_name) -> generated name
        self.headers: set[str] = set()
        self.definitions: dict[int, CType] = {}  # uid -> a CType of it with fields
        self.order: list[CType] = []  # every tagged type, first seen first
        seen: set[int] = set()
        for ct in (sig.return_type, *(p.ctype for p in sig.params)):
            self._visit(ct, seen)

    def _visit(self, ct: CType, seen: set[int]) -> None:
        if id(ct) in seen:
            return
        seen.add(id(ct))
        if ct.kind in ("struct", "union", "enum"):
            self._name_tagged(ct)
        elif ct.kind in ("int", "bool", "float") and ct.name:
            self._name_typedef(ct)
        if ct.target is not None:
            self._visit(ct.target, seen)
        for f in ct.fields or ():
            self._visit(f.ctype, seen)

    def _name_tagged(self, ct: CType) -> None:
        if ct.uid not in self.tags:
            used = set(self.tags.values())
            base = _PREFIX + _identifier(ct.tag or ct.name or "anon")
            name, n = base, 1
            while name in used:
                n += 1
                name = f"{base}_{n}"
            self.tags[ct.uid] = name
            self.order.append(ct)
        if ct.uid not in self.definitions and (ct.fields is not None or ct.kind == "enum"):
            self.definitions[ct.uid] = ct

    def _name_typedef(self, ct: CType) -> None:
        key = (ct.name, ct.base_name)
        if key in self.typedefs:
            return
        standard = _STANDARD_TYPEDEFS.get(ct.name)
        if standard and _c_spelling(standard[0]) == ct.base_name:
            self.typedefs[key] = ct.name
            self.headers.add(standard[1])
            return
        used = set(self.typedefs.values())
        base = _PREFIX + _identifier(ct.name)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        self.typedefs[key] = name

    def spec(self, ct: CType) -> str:
        """The type specifier of a non-derived type, without qualifiers."""
        if ct.kind in ("struct", "union", "enum"):
            return f"{ct.kind} {self.tags[ct.uid]}"
        if ct.kind in ("int", "bool", "float"):
            return self.typedefs.get((ct.name, ct.base_name), ct.base_name)
        if ct.kind == "void":
            return "void"
        raise SignatureError(f"cannot declare a value of type {ct.name or ct.kind} in C")


def _identifier(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _quals(ct: CType) -> str:
    return "".join(q + " " for q in ("const", "volatile", "restrict") if getattr(ct, q))


def _declare(ct: CType, inner: str, names: _Names) -> str:
    """C declaration of `inner` (a declarator, maybe empty) with type `ct`."""
    if ct.kind == "pointer":
        quals = _quals(ct).strip()
        pointer = "*" + (quals + (" " if inner else "") if quals else "") + inner
        if ct.target.kind == "array":
            pointer = f"({pointer})"
        return _declare(ct.target, pointer, names)
    if ct.kind == "array":
        count = "" if ct.count is None else str(ct.count)
        return _declare(ct.target, f"{inner}[{count}]", names)
    if ct.kind == "funcptr":  # the harness never calls it; any function pointer type has its ABI
        quals = _quals(ct).strip()
        return f"void (*{quals + ' ' if quals else ''}{inner})(void)"
    text = _quals(ct) + names.spec(ct)
    return f"{text} {inner}" if inner else text


def c_prototype(sig: Signature, symbol: str) -> str:
    """A prototype declaring `symbol` with the signature's types (names from c_declarations)."""
    names = _Names(sig)
    params = []
    for i, p in enumerate(sig.params):
        params.append(_declare(p.ctype, _safe_name(p.name, f"llmcc_p_{i}"), names))
    if sig.variadic:
        params.append("...")
    plist = ", ".join(params) or "void"
    return _declare(sig.return_type, f"{symbol}({plist})", names) + ";"


def c_declarations(sig: Signature) -> str:
    """C text declaring every type the prototype needs, checked by static asserts."""
    names = _Names(sig)
    out = [f"#include <{h}>" for h in sorted(names.headers)]
    for (_, base), name in names.typedefs.items():
        if name.startswith(_PREFIX):
            out.append(f"typedef {base} {name};")
    for ct in names.order:
        if ct.kind != "enum":
            out.append(f"{ct.kind} {names.tags[ct.uid]};")
    for ct in _definition_order(names):
        out.extend(_enum_text(ct, names) if ct.kind == "enum" else _aggregate_text(ct, names))
    return "\n".join(out) + "\n"


def _definition_order(names: _Names) -> list[CType]:
    """Definitions with every type a definition holds by value before it."""
    done: set[int] = set()
    order: list[CType] = []

    def place(ct: CType) -> None:
        if ct.uid in done:
            return
        done.add(ct.uid)
        for f in ct.fields or ():
            for dep in _by_value_tagged(f.ctype):
                if dep.uid in names.definitions:
                    place(names.definitions[dep.uid])
        order.append(ct)

    # Enums first: they depend on nothing, and C has no forward declaration of an enum.
    for ct in sorted(names.order, key=lambda c: c.kind != "enum"):
        if ct.uid in names.definitions:
            place(names.definitions[ct.uid])
    return order


def _by_value_tagged(ct: CType) -> Iterator[CType]:
    while ct.kind == "array":
        ct = ct.target
    if ct.kind in ("struct", "union", "enum"):
        yield ct


def _enum_text(ct: CType, names: _Names) -> list[str]:
    name = names.tags[ct.uid]
    # Enumerators share the namespace of ordinary identifiers: give them the type's prefix.
    items = ", ".join(f"llmcc_e_{name.removeprefix(_PREFIX)}_{_identifier(k)} = {v}"
                      for k, v in ct.enumerators)
    # gcc makes an enum as small as its values allow only when asked to (packed).
    packed = " __attribute__((packed))" if ct.size < 4 else ""
    items = items or f"llmcc_e_{name.removeprefix(_PREFIX)}_none"
    return [f"enum{packed} {name} {{ {items} }};",
            f'_Static_assert(sizeof(enum {name}) == {ct.size}, "llmcc: size of enum {name}");']


def _aggregate_text(ct: CType, names: _Names) -> list[str]:
    tagname = f"{ct.kind} {names.tags[ct.uid]}"
    packed = _is_packed(ct.fields, ct.size)
    members, end_bits, natural = _member_lines(ct, packed, names)
    attrs = ["packed"] if packed else []
    end = _align_up(end_bits, 8) // 8
    if packed:
        if ct.size > end:
            members.append(f"unsigned char llmcc_pad_end[{ct.size - end}];")
        if ct.align > 1:
            attrs.append(f"aligned({ct.align})")
    else:
        align = max(natural, ct.align)
        if _align_up(end, align) < ct.size:  # an alignment attribute on the struct itself
            align = next((a for a in (2 ** k for k in range(13)) if a >= align
                          and _align_up(end, a) == ct.size), align)
        if align > natural:
            attrs.append(f"aligned({align})")
        if _align_up(end, align) < ct.size:
            members.append(f"unsigned char llmcc_pad_end[{ct.size - end}];")
    attr = f" __attribute__(({', '.join(attrs)}))" if attrs else ""
    lines = [f"{tagname} {{", *(f"    {m}" for m in members), f"}}{attr};"]
    lines.append(f'_Static_assert(sizeof({tagname}) == {ct.size}, "llmcc: size of {tagname}");')
    if ct.align > 1:
        lines.append(f'_Static_assert(_Alignof({tagname}) == {ct.align}, '
                     f'"llmcc: alignment of {tagname}");')
    for i, f in enumerate(ct.fields):
        if f.bit_size is None:
            lines.append(f"_Static_assert(__builtin_offsetof({tagname}, {_member_name(f, i)}) "
                         f'== {f.offset}, "llmcc: offset of {_member_name(f, i)}");')
    return lines


def _member_name(f: Field, index: int) -> str:
    return _safe_name(f.name, f"llmcc_m_{index}")


def _safe_name(name: str, fallback: str) -> str:
    """`name`, or `fallback` when it is empty or a name a harness's headers define."""
    return name if name and name not in _RESERVED_NAMES else fallback


def _member_lines(ct: CType, packed: bool, names: _Names) -> tuple[list[str], int, int]:
    """Member declarations that put every member at its DWARF offset.

    Returns the lines, the bit position after the last member and the alignment the members
    give the struct. Where gcc's rules alone would place a member earlier, explicit padding
    (or an alignment attribute, which also raises the struct's alignment) moves it.
    """
    lines: list[str] = []
    cur = 0  # bit position after the members so far
    natural = 1
    union = ct.kind == "union"
    for i, f in enumerate(ct.fields):
        if f.ctype.kind == "unknown":  # a vector or _Atomic: the harness only sees its bytes
            decl, rendered_align = f"unsigned char {_member_name(f, i)}[{f.ctype.size}]", 1
        else:
            decl, rendered_align = _declare(f.ctype, _member_name(f, i), names), f.ctype.align
        if f.bit_size is not None:
            pos = 0 if union else f.bit_offset
            unit = f.ctype.size * 8
            fits = not unit or cur // unit == (cur + f.bit_size - 1) // unit
            at = cur if packed or fits else _align_up(cur, unit)
            if at < pos:
                lines.extend(_pad_bits(cur, pos))
            lines.append(f"{decl} : {f.bit_size};")
            natural = max(natural, 1 if packed else f.ctype.align)
            cur = max(cur, pos + f.bit_size)
            continue
        pos = 0 if union else f.offset
        here = _align_up(cur, 8) // 8
        want = max(f.align, f.ctype.align, 1)
        attr = ""
        if not packed and want > rendered_align:
            attr = f" __attribute__((aligned({want})))"
        elif not packed and pos > _align_up(here, want):
            # Moved by an alignment attribute DWARF did not record: the smallest that fits.
            fit = next((a for a in (2 ** k for k in range(13)) if a > want
                        and _align_up(here, a) == pos), None)
            if fit:
                attr, want = f" __attribute__((aligned({fit})))", fit
        natural = max(natural, 1 if packed else want)
        start = here if packed else _align_up(here, want)
        if start < pos:
            lines.append(f"unsigned char llmcc_pad_{i}[{pos - here}];")
        lines.append(f"{decl}{attr};")
        cur = max(cur, (pos + f.ctype.size) * 8)
    return lines, cur, natural


def _pad_bits(cur: int, pos: int) -> list[str]:
    """Unnamed bit-fields from bit `cur` to bit `pos`, none crossing a byte boundary.

    Unnamed bit-fields do not change a struct's alignment, so they move what follows and
    nothing else.
    """
    lines = []
    while cur < pos:
        width = min(pos - cur, 8 - cur % 8)
        lines.append(f"unsigned char : {width};")
        cur += width
    return lines


# ---------------------------------------------------------------------------------------------
# What the unit declares and does not define: the harness's stand-ins are shaped by it


@dataclass(frozen=True)
class External:
    """A symbol the translation unit declares (``extern``) and uses."""

    name: str
    function: bool
    size: int | None  # bytes of a variable; None when its type is incomplete (or a function)
    align: int = 1


def external_declarations(source: str, compiler: str, flags: tuple[str, ...]
                          ) -> dict[str, External]:
    """The declarations (``extern``, not defined here) in the DWARF of ``source``'s ``-g``
    twin, by name; empty when the twin cannot be compiled or read."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    if not os.path.isfile(source):
        return {}
    with tempfile.TemporaryDirectory(prefix="llmcc-decl-") as tmp:
        obj = os.path.join(tmp, "twin.o")
        result = subproc.run([compiler, *debug_twin_flags(flags), *DEBUG_FLAGS, "-c", source,
                              "-o", obj])
        if not result.ok:
            return {}
        relocated = _relocate_debug_sections(obj)
        found: dict[str, External] = {}
        try:
            with open(obj, "rb") as fh:
                elf = ELFFile(fh)
                if not elf.has_dwarf_info():
                    return {}
                reader = _Reader()
                dwarf = elf.get_dwarf_info(relocate_dwarf_sections=not relocated)
                for cu in dwarf.iter_CUs():
                    for die in cu.get_top_DIE().iter_children():
                        external = _external(die, reader)
                        if external is not None:
                            found.setdefault(external.name, external)
        except (ELFError, LlmccError):
            return {}
        return found


def _external(die, reader: _Reader) -> External | None:
    if not _attr(die, "DW_AT_declaration") or not _attr(die, "DW_AT_external"):
        return None
    name = _attr(die, "DW_AT_name", "")
    if not name:
        return None
    if die.tag == "DW_TAG_subprogram":
        return External(name, True, None)
    if die.tag != "DW_TAG_variable":
        return None
    ctype = reader.type_of(die, _POINTEE_DEPTH)  # the size is all that is wanted
    size = ctype.size if ctype.size > 0 and ctype.complete else None
    return External(name, False, size, max(ctype.align, 1))
