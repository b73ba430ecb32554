"""Linking a harness: the baseline unit refers to symbols of the project's other units (a
CPU-features table, allocator hooks, a checksum), which a harness of the unit alone lacks.

``link_harness`` links as the harness always did, and when that leaves symbols undefined:

1. With the rest of the program: the project's objects as the builds made them
   (llmcc.cache.program, handed down as ``ProgramParts``), the unit's own left out, put
   in an archive so the linker takes only the members it needs, with the library options
   of the project's links. In each member ``main`` is made local (the harness has its
   own), and its writable data is moved to PROGRAM_DATA and PROGRAM_BSS, which the
   harness compares after each call like the unit's own data: a candidate that changes
   another unit's state differently is told apart. Another definition of a symbol the
   harness or the unit defines (an object of another program of the project, a stale
   one) is resolved by the linker's first definition, the harness's own.
2. With stand-ins for what is still undefined (a unit compiled alone, a library not
   built yet): an external function becomes a stub that ends the call and tells the
   harness which stand-in was reached (the input is then not valid for the baseline, and
   a candidate that reaches one where the baseline does not fails), external data a
   zero-filled block in PROGRAM_BSS, sized from the unit's DWARF (UNKNOWN_SIZE bytes
   when its type is incomplete or unknown), thread-local ones in ``.tbss``.

The objects' constructors run when the harness starts, before the sandbox each call
installs, as the baseline unit's own constructors always have: they are the user's own
compiled code (sealed in the user's cache), trusted as the baseline is; candidate code
never runs outside the sandbox.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.objfile import object_symbols
from llmcc.records import LinkedObject, ProgramParts
from llmcc.verify.signature import External

PROGRAM_DATA = "llmcc_prog_data"
PROGRAM_BSS = "llmcc_prog_bss"
# a stand-in function calls this with its number (the differential harness defines it:
# it records the number and exits with STAND_IN_EXIT; the weak default here just exits)
REACHED = "llmcc_standin_reached"
STAND_IN_EXIT = 63
# zero bytes for external data whose size the unit's DWARF does not give
UNKNOWN_SIZE = 1 << 16
LINK_TIMEOUT_S = 120

_UNDEFINED = (re.compile(r"undefined reference to [`']([^`'\s]+)'"),
              re.compile(r"against undefined symbol [`']([^`'\s]+)'"),
              re.compile(r"undefined symbol: (\S+)"))
_MULTIPLE = re.compile(r"multiple definition of [`']([^`'\s]+)'")
_NOT_PIE = ("recompile with -fPIE", "can not be used when making a PIE object")
_SYMBOL = re.compile(r"^[A-Za-z_.$][\w.$]*$")
_CALLS = re.compile(r"^\s*(?:call|jmp)q?\s+\*?([A-Za-z_.$][\w.$]*)(?:@PLT)?\s*$", re.M)
_TLS = re.compile(r"([A-Za-z_.$][\w.$]*)@(?:gottpoff|tpoff|tlsgd|tlsld|dtpoff)\b")


class Linked(NamedTuple):
    """How a harness was linked; ``error`` says why it was not ("" when it was)."""

    error: str
    extra: tuple[str, ...] = ()  # arguments it needed beyond its own (the timer's link too)
    stand_ins: tuple[str, ...] = ()  # the stand-in functions, by the number they report
    notes: tuple[str, ...] = ()  # what it was linked with, for people
    data: tuple[str, ...] = ()  # the stand-ins for data


def link_harness(command: list[str], *, workdir: str, texts: Iterable[str],
                 program: Callable[[], ProgramParts | None] | None = None,
                 externs: Callable[[], dict[str, External]] | None = None) -> Linked:
    """Link the harness: ``command`` is its link without libraries (the compiler, its
    inputs, ``-o`` and the executable); ``texts`` its assembly (which symbols it calls);
    ``program`` the rest of the program, ``externs`` the unit's declarations, both read
    only when needed. See the module docstring."""
    texts = list(texts)
    extra: list[str] = []
    notes: list[str] = []
    proc = _link(command, extra, notes)
    missing = _undefined(proc.stderr)
    if proc.ok or not missing:
        return _result(proc, extra, (), notes)
    calls = set(_CALLS.findall("\n".join(texts)))
    parts = _program(program)
    if parts is not None and (parts.objects or parts.libraries):
        members, datas = _readable(parts, missing)
        archive = _archive(workdir, members, datas) if members else None
        if archive is not None or parts.libraries:
            extra += [*([archive] if archive else []), *parts.libraries]
            names = ", ".join(os.path.basename(m.path) for m in members[:6])
            more = f" and {len(members) - 6} more" if len(members) > 6 else ""
            libraries = " ".join(parts.libraries)
            notes.append(f"harness linked with {len(members)} of the project's objects "
                         f"({names}{more})" + (f"; {libraries}" if libraries else "")
                         if archive else
                         f"harness linked with the project's libraries: {libraries}")
            proc = _link(command, extra, notes)
            if not proc.ok and parts.libraries and not _undefined(proc.stderr):
                # a library the links named is not there (any more): on without them
                first = next((ln for ln in proc.stderr.splitlines() if ln.strip()), "")
                notes.append(f"the project's libraries left out: {first.strip()[:200]}")
                for option in parts.libraries:
                    extra.remove(option)
                proc = _link(command, extra, notes)
            missing = _undefined(proc.stderr)
            if proc.ok or not missing:
                return _result(proc, extra, (), notes)
            calls |= {s for m in members for s in m.calls}
    bad = [s for s in missing if not _SYMBOL.match(s)]
    if bad:
        return Linked(f"the test harness does not link: the symbol {bad[0]} is not defined "
                      "and cannot be stood in for", tuple(extra), (), tuple(notes))
    declared = _externs(externs)
    tls = set(_TLS.findall("\n".join(texts)))
    text, functions, told = stand_ins(missing, declared, calls, tls)
    data = tuple(s for s in missing if s not in functions)
    path = os.path.join(workdir, "stand_ins.s")
    with open(path, "w") as fh:
        fh.write(text)
    extra.append(path)
    notes.append("stand-ins: " + told)
    proc = _link(command, extra, notes)
    return _result(proc, extra, functions, notes)._replace(data=data)


class _Run(NamedTuple):
    ok: bool
    returncode: int
    stderr: str


_MULTIPLE_OK = "-Wl,--allow-multiple-definition"


def _link(command: list[str], extra: list[str], notes: list[str]) -> _Run:
    """Link with ``extra``. Where the linker says an object is not fit for a PIE, or a
    symbol is defined twice once the project's objects are in, what makes it link is added
    to ``extra`` (and said in ``notes``) and it tries again: ``-no-pie``; the first
    definition kept, the harness's and the unit's, which come before the project's."""
    while True:
        run = subproc.run([*command, *extra, "-lm"], timeout=LINK_TIMEOUT_S)
        proc = _Run(run.ok, run.returncode, run.stderr.decode(errors="replace"))
        if proc.ok:
            return proc
        if "-no-pie" not in extra and any(marker in proc.stderr for marker in _NOT_PIE):
            extra.insert(0, "-no-pie")
            notes.append("linked as no PIE (an object is not compiled for one)")
            continue
        clashes = _MULTIPLE.findall(proc.stderr)
        if clashes and _MULTIPLE_OK not in extra and any(e.endswith(".a") for e in extra):
            extra.insert(0, _MULTIPLE_OK)
            notes.append(f"defined twice, the unit's or the harness's kept: {clashes[0]}")
            continue
        return proc


def _result(proc: _Run, extra: list[str], functions: tuple[str, ...], notes: list[str]) -> Linked:
    if proc.ok:
        return Linked("", tuple(extra), functions, tuple(notes))
    missing = _undefined(proc.stderr)
    if missing:
        why = f"the symbol {missing[0]} is not defined"
    else:
        first = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][:3]
        why = " | ".join(first) or f"exit {proc.returncode}"
    return Linked(f"the test harness does not link: {why}", tuple(extra), functions,
                  tuple(notes))


def _undefined(stderr: str) -> list[str]:
    """The undefined symbols a link's messages name, in their order."""
    found = [m.group(1) for pattern in _UNDEFINED for m in pattern.finditer(stderr)]
    return list(dict.fromkeys(found))


def _program(program: Callable[[], ProgramParts | None] | None) -> ProgramParts | None:
    if program is None:
        return None
    try:
        return program()
    except Exception:  # an unreadable cache: the harness goes on with stand-ins
        return None


def _externs(externs: Callable[[], dict[str, External]] | None) -> dict[str, External]:
    if externs is None:
        return {}
    try:
        return externs()
    except Exception:  # no DWARF: stand-ins are shaped by how the assembly uses them
        return {}


def needed(objects: tuple[LinkedObject, ...], missing: Iterable[str]) -> list[LinkedObject]:
    """The objects that define ``missing`` symbols, and those they need in turn; of two
    that define the same symbol, the first (ProgramParts' order)."""
    providers: dict[str, LinkedObject] = {}
    for obj in objects:
        for sym in obj.defines:
            providers.setdefault(sym, obj)
    chosen: list[LinkedObject] = []
    defined: set[str] = set()
    queue = list(missing)
    for sym in queue:  # grows as members bring needs of their own
        obj = providers.get(sym)
        if sym in defined or obj is None or obj in chosen:
            continue
        chosen.append(obj)
        defined |= obj.defines
        queue += sorted(s for s in obj.needs if s not in defined)
    return chosen


def _readable(parts: ProgramParts, missing: list[str]
              ) -> tuple[list[LinkedObject], list[bytes]]:
    """The objects ``needed`` for ``missing`` and their bytes, leaving out those that can
    no longer be read (evicted, damaged): others may define what they did."""
    objects = parts.objects
    while True:
        members = needed(objects, missing)
        datas = [parts.read(obj) for obj in members]
        gone = {obj for obj, data in zip(members, datas, strict=True) if data is None}
        if not gone:
            return members, [d for d in datas if d is not None]
        objects = tuple(obj for obj in objects if obj not in gone)


def _archive(workdir: str, members: list[LinkedObject], datas: list[bytes]) -> str | None:
    """An archive of ``members`` (``main`` local, writable data moved to PROGRAM_DATA and
    PROGRAM_BSS), made once per set of members in ``workdir``; None when the tools fail."""
    name = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for d in datas)).hexdigest()
    archive = os.path.join(workdir, f"program-{name[:16]}.a")
    if os.path.exists(archive):
        return archive
    folder = os.path.join(workdir, f"program-{name[:16]}")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for n, data in enumerate(datas):
        raw, out = os.path.join(folder, f"{n}.raw.o"), os.path.join(folder, f"{n}.o")
        with open(raw, "wb") as fh:
            fh.write(data)
        symbols = object_symbols(data)
        if symbols is None:
            return None
        args = ["objcopy", "--localize-symbol=main"]
        for section in symbols.writable:
            target = PROGRAM_BSS if section.startswith(".bss") else PROGRAM_DATA
            args.append(f"--rename-section={section}={target}")
        if not subproc.run([*args, raw, out], timeout=LINK_TIMEOUT_S).ok:
            return None
        paths.append(out)
    tmp = archive + ".tmp"
    if not subproc.run(["ar", "rcsD", tmp, *paths], timeout=LINK_TIMEOUT_S).ok:
        return None
    os.replace(tmp, archive)
    return archive


def stand_ins(missing: Iterable[str], declared: dict[str, External], calls: set[str],
              tls: set[str]) -> tuple[str, tuple[str, ...], str]:
    """Assembly defining each of ``missing``: (the text, the stand-in functions in the
    order of the numbers they report, what they are, for people). A symbol is a function
    when the unit declares one, or, undeclared, when the code calls it."""
    lines = ["\t.text", f"\t.weak\t{REACHED}", f"\t.type\t{REACHED}, @function",
             f"{REACHED}:", f"\tmovl\t${STAND_IN_EXIT}, %edi", "\tmovl\t$231, %eax",
             "\tsyscall", f"\t.size\t{REACHED}, .-{REACHED}"]
    functions: list[str] = []
    data: list[str] = []
    for sym in missing:
        decl = declared.get(sym)
        if decl.function if decl is not None else sym in calls:
            lines += ["\t.text", f"\t.globl\t{sym}", f"\t.type\t{sym}, @function", f"{sym}:",
                      f"\tmovl\t${len(functions)}, %edi", f"\tjmp\t{REACHED}",
                      f"\t.size\t{sym}, .-{sym}"]
            functions.append(sym)
            continue
        size = decl.size if decl is not None and decl.size else None
        align = min(max(decl.align if decl is not None else 1, 16), 4096)
        section = '.tbss,"awT",@nobits' if sym in tls else f'{PROGRAM_BSS},"aw",@nobits'
        lines += [f"\t.section\t{section}", f"\t.globl\t{sym}",
                  f"\t.type\t{sym}, {'@tls_object' if sym in tls else '@object'}",
                  f"\t.balign\t{align}", f"{sym}:", f"\t.zero\t{size or UNKNOWN_SIZE}",
                  f"\t.size\t{sym}, {size or UNKNOWN_SIZE}"]
        data.append(f"{sym} ({size} zero bytes)" if size else
                    f"{sym} (size unknown: {UNKNOWN_SIZE} zero bytes)")
    told = [_listed(data)] if data else []
    if functions:
        told.append(f"functions {_listed(functions)} (an input that reaches one is not valid)")
    return "\n".join(lines) + "\n", tuple(functions), "; ".join(told)


def _listed(names: list[str], most: int = 12) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more
