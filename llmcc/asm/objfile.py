"""Reading object files: the machine code of each function symbol (pyelftools), and what an
object defines and needs (``object_symbols``, a few struct reads)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import NamedTuple


def function_bytes(path: str | Path) -> dict[str, bytes]:
    """Name -> bytes for every sized function symbol (STT_FUNC) defined in the object."""
    from elftools.elf.elffile import ELFFile

    out: dict[str, bytes] = {}
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return out
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] != "STT_FUNC" or sym["st_size"] == 0:
                continue
            shndx = sym["st_shndx"]
            if not isinstance(shndx, int):
                continue
            data = elf.get_section(shndx).data()
            start = sym["st_value"]
            out[sym.name] = data[start:start + sym["st_size"]]
    return out


class ObjectSymbols(NamedTuple):
    """What a relocatable x86-64 object says of its symbols and writable data."""

    defines: frozenset[str]  # global and weak symbols it defines (common ones too)
    needs: frozenset[str]  # global symbols it refers to and does not define
    calls: frozenset[str]  # of those, the ones a call or jump names (PLT32 relocations)
    writable: tuple[str, ...]  # names of its writable data sections (.data*, .bss*), not TLS
    # nor .data.rel.ro (read-only once relocated)


_SHT_SYMTAB, _SHT_RELA, _SHT_NOBITS, _SHT_PROGBITS = 2, 4, 8, 1
_SHF_WRITE, _SHF_ALLOC, _SHF_TLS = 0x1, 0x2, 0x400
_R_X86_64_PLT32 = 4


def object_symbols(data: bytes) -> ObjectSymbols | None:
    """The symbols of the ELF64 x86-64 relocatable object ``data``; None for anything else
    (no pyelftools: the compile path reads every object it makes, and that import alone
    costs a quarter of a second)."""
    try:
        return _object_symbols(data)
    except (struct.error, IndexError, UnicodeDecodeError):
        return None


def _object_symbols(data: bytes) -> ObjectSymbols | None:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 1 or e_machine != 62:
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]

    def name(table: int, at: int) -> str:
        start = sections[table][4] + at
        return data[start:data.index(b"\0", start)].decode()

    writable = []
    for header in sections:
        sh_name, sh_type, flags = header[0], header[1], header[2]
        if sh_type in (_SHT_PROGBITS, _SHT_NOBITS) and flags & _SHF_WRITE \
                and flags & _SHF_ALLOC and not flags & _SHF_TLS:
            sname = name(shstrndx, sh_name)
            if sname.startswith((".data", ".bss")) and not sname.startswith(".data.rel.ro"):
                writable.append(sname)
    defines, needs, calls = set(), set(), set()
    for header in sections:
        if header[1] != _SHT_SYMTAB:
            continue
        strtab, offset, size = header[6], header[4], header[5]
        symbols = []
        for at in range(offset, offset + size, 24):
            st_name, info, _other, shndx = struct.unpack_from("<IBBH", data, at)
            symbols.append((name(strtab, st_name) if st_name else "", info >> 4, shndx))
        for sym, bind, shndx in symbols:
            if sym and bind in (1, 2):  # global, weak
                (needs if shndx == 0 else defines).add(sym)
        index = sections.index(header)
        for rela in sections:
            if rela[1] != _SHT_RELA or rela[6] != index:
                continue
            for at in range(rela[4], rela[4] + rela[5], 24):
                info, = struct.unpack_from("<Q", data, at + 8)
                if info & 0xFFFFFFFF == _R_X86_64_PLT32:
                    sym, bind, shndx = symbols[info >> 32]
                    if shndx == 0 and sym:
                        calls.add(sym)
    return ObjectSymbols(frozenset(defines), frozenset(needs), frozenset(calls),
                         tuple(dict.fromkeys(writable)))
