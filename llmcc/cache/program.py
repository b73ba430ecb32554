"""The project's program as its builds made it: a copy of every object a compile through
llmcc produced, and the library options of the links that went through llmcc, so that a
function's harness can link with the rest of its program (llmcc.verify.harness.link).

Entries (in the project's folder, under the cache's size limit like every other):

    prog/KEY   one object, by the path the build put it at: its source, path, the SHA-256
               of its copy, the symbols it defines, needs and calls; sealed
    pbin/KEY   the copy of the object's bytes (a copy: ``make clean`` and later compiles
               do not change it)
    link/KEY   one link, by its output: the objects it named and its library options
               (``-l``, ``-L``, shared libraries by path, ``-pthread``); sealed
    wait/KEY   a symbol some function decision was made with a stand-in for (its record's
               ``waiting``): when an object that defines it is recorded, the project's
               cached objects are dropped, so the next build compiles their units again
               and decides those functions again, with the real definition. Not sealed:
               a planted one costs a rebuild, nothing more

An object is code the harness runs (its constructors even before the sandbox, as the
baseline unit's own do), so only this user's own records, sealed, are read back, and
only a copy whose hash is the one its record holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time

from llmcc.asm.objfile import object_symbols
from llmcc.cache.keys import digest
from llmcc.cache.project import ProjectCache
from llmcc.cache.trust import seal, sealed
from llmcc.errors import CacheError
from llmcc.records import LinkedObject, ProgramParts

# larger objects are not copied (a generated table, a whole program in one file)
MAX_OBJECT_BYTES = 16 << 20
# library options a link may carry, and those that take the next argument as their value
_LIBRARY_PREFIXES = ("-l", "-L")
_LIBRARY_FLAGS = frozenset({"-pthread"})
_SHARED_SUFFIXES = (".so",)


def _object_key(path: str) -> str:
    return digest("program-object", os.path.abspath(path))


def _wait_key(symbol: str) -> str:
    return digest("program-wait", symbol)


class ProgramIndex:
    """The objects and links of one project's builds."""

    def __init__(self, project: ProjectCache) -> None:
        self.project = project
        self.store = project.store

    # -- recording (the driver, on every compile and link) ------------------------------
    def record_object(self, source: str, path: str, data: bytes) -> bool:
        """Keep a copy of the object a compile of ``source`` put at ``path`` (both as the
        compile named them, made absolute here); False when it is not kept (not an x86-64
        object, too large, an unwritable cache). An unchanged object is only touched."""
        path, source = os.path.abspath(path), os.path.abspath(source)
        key = _object_key(path)
        sha = hashlib.sha256(data).hexdigest()
        old = self.store.get_json("prog", key)
        if old is not None and old.get("object") == sha and old.get("source") == source \
                and sealed("prog", key, old):
            with contextlib.suppress(OSError):  # recently used: the last to be evicted
                os.utime(self.store.path("pbin", key))
                return True  # (a damaged copy is found when read, and left out then)
        symbols = object_symbols(data) if len(data) <= MAX_OBJECT_BYTES else None
        if symbols is None:
            return False
        record = {"source": source, "path": path, "object": sha, "saved": time.time(),
                  "defines": sorted(symbols.defines), "needs": sorted(symbols.needs),
                  "calls": sorted(symbols.calls)}
        try:
            self.project.remember_project()
            self.store.put("pbin", key, data)
            self.store.put_json("prog", key, seal("prog", key, record))
        except (CacheError, OSError):
            return False
        waited = [s for s in symbols.defines if self.store.get("wait", _wait_key(s)) is not None]
        if waited:
            self.project.drop_objects()  # their units are compiled, and decided, again
            for sym in waited:
                self.store.delete("wait", _wait_key(sym))
        return True

    def wait_for(self, symbols: tuple[str, ...]) -> None:
        """Decisions were made with stand-ins for ``symbols``: drop the cached objects once an
        object that defines one of them is recorded."""
        with contextlib.suppress(CacheError, OSError):
            for sym in symbols:
                self.store.put_json("wait", _wait_key(sym), {"symbol": sym})

    def record_link(self, args: list[str], cwd: str) -> bool:
        """Keep what a link (``args``, gcc's arguments without the compiler, run in ``cwd``)
        says of the program: the objects it names and its library options."""
        output, objects, options = "a.out", [], []
        i = 0
        while i < len(args):
            arg = args[i]
            value = args[i + 1] if i + 1 < len(args) else ""
            if arg == "-o":
                output, i = value, i + 2
                continue
            if arg in _LIBRARY_PREFIXES and value:
                arg, i = arg + value, i + 1
            if arg.startswith("-L") and len(arg) > 2:
                options.append("-L" + os.path.join(cwd, arg[2:]))
            elif (arg.startswith("-l") and len(arg) > 2) or arg in _LIBRARY_FLAGS:
                options.append(arg)
            elif not arg.startswith("-"):
                full = os.path.join(cwd, arg)
                if arg.endswith((".o", ".o)")):  # ".o)": a compile-and-link's own
                    objects.append(os.path.normpath(full))
                elif arg.endswith(_SHARED_SUFFIXES) or ".so." in os.path.basename(arg):
                    options.append(os.path.normpath(full))
            i += 1
        if not objects:
            return False
        key = digest("program-link", os.path.normpath(os.path.join(cwd, output)))
        record = {"output": os.path.normpath(os.path.join(cwd, output)), "objects": objects,
                  "options": options, "saved": time.time()}
        old = self.store.get_json("link", key)
        if old is not None and sealed("link", key, old) and \
                {k: v for k, v in old.items() if k not in ("saved", "mac")} == \
                {k: v for k, v in record.items() if k != "saved"}:
            return True
        try:
            self.project.remember_project()
            self.store.put_json("link", key, seal("link", key, record))
        except (CacheError, OSError):
            return False
        return True

    # -- reading (a harness that needs them) --------------------------------------------
    def objects(self) -> list[LinkedObject]:
        """Every sealed object record, newest first."""
        found = []
        for entry in self.store.entries("prog"):
            record = self.store.get_json("prog", entry.key)
            if record is None or not sealed("prog", entry.key, record):
                continue
            with contextlib.suppress(KeyError, TypeError, ValueError):
                found.append((float(record["saved"]), LinkedObject(
                    entry.key, str(record["source"]), str(record["path"]),
                    frozenset(record["defines"]), frozenset(record["needs"]),
                    frozenset(record["calls"]))))
        return [obj for _, obj in sorted(found, key=lambda f: -f[0])]

    def links(self) -> list[dict]:
        found = []
        for entry in self.store.entries("link"):
            record = self.store.get_json("link", entry.key)
            if record is not None and sealed("link", entry.key, record) \
                    and isinstance(record.get("objects"), list) \
                    and isinstance(record.get("options"), list):
                found.append(record)
        return found

    def read(self, obj: LinkedObject) -> bytes | None:
        """The copy of ``obj``, when it is still the one its sealed record hashes."""
        record = self.store.get_json("prog", obj.key)
        data = self.store.get("pbin", obj.key)
        if record is None or data is None or not sealed("prog", obj.key, record) \
                or record.get("object") != hashlib.sha256(data).hexdigest():
            return None
        return data

    def parts(self, source: str) -> ProgramParts:
        """What the harness of a function of ``source`` may link with: the other objects
        (those of links ``source``'s object took part in first, then the newest) and the
        library options of those links (of every link, when none had it)."""
        source = os.path.abspath(source)
        everything = self.objects()
        own = {o.path for o in everything if o.source == source}
        links = self.links()
        mine = [link for link in links if own & set(link["objects"])] or links
        linked = {path for link in mine for path in link["objects"]}
        others = [o for o in everything if o.source != source]
        others.sort(key=lambda o: o.path not in linked)  # stable: newest first within each
        options = list(dict.fromkeys(str(opt) for link in mine for opt in link["options"]))
        return ProgramParts(tuple(others), tuple(options), self.read)
