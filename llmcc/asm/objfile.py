"""Reading object files (pyelftools): the machine code of each function symbol."""

from __future__ import annotations

from pathlib import Path


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
