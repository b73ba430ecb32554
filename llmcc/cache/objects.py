"""Whole objects in the cache, found the way ccache's direct mode finds them: by the
command line, the working directory, the compiler, the source's contents and the contents
of every file it included, so a warm rebuild runs neither gcc nor the pipeline.

A manifest (kind ``man``, keyed by everything but the included files) names the included
files with their hashes and the result's key; the result is the object (kind ``obj``)
plus what the compile printed and the dependency file it wrote (kind ``res``). Both carry
this user's seal (llmcc.cache.trust) and the result the object's hash: an object another
writer of a shared cache folder put there is a miss, never linked.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from typing import NamedTuple

from llmcc import __version__
from llmcc.cache.keys import (
    compiler_identity,
    cpu_identity,
    digest,
    file_digest,
    toolchain_identity,
    uses_native_cpu,
)
from llmcc.cache.project import ProjectCache, Stat, StatKey
from llmcc.cache.trust import seal, sealed
from llmcc.errors import CacheError

# environment variables that change what gcc produces or prints
_ENV = ("CPATH", "C_INCLUDE_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "SOURCE_DATE_EPOCH",
        "DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES", "LANG", "LC_ALL", "LC_CTYPE",
        "LC_MESSAGES", "GCC_COLORS", "TERM")
# a unit whose text depends on the clock is never cached
_CLOCK = re.compile(rb"__(?:DATE|TIME|TIMESTAMP)__")


class CachedObject(NamedTuple):
    object: bytes
    stdout: bytes
    stderr: bytes
    depfile: str | None  # the dependency file's text, when the compile wrote one


class ObjectCache:
    """Objects of single-source ``-c`` compiles for one project."""

    def __init__(self, project: ProjectCache, compiler: str,
                 settings: tuple[tuple[str, object], ...]) -> None:
        """``settings``: those that can change what an object holds, as (name, value)
        pairs (config.Settings.object_key): part of every key."""
        self.project = project
        self.compiler = compiler
        self.settings = settings
        self.counts: dict[StatKey, float] = {}

    def direct_key(self, args: list[str], source: str) -> str | None:
        """Everything but the included files; None when the unit cannot be cached. Besides
        the compiler: the assembler, cc1 and -specs= files it uses (-B prefixes followed),
        and this CPU when an option says ``native``."""
        content = _read(source)
        if content is None or _CLOCK.search(content):
            return None
        shared = self.project.shared
        return digest("object", __version__, compiler_identity(self.compiler, shared),
                      toolchain_identity(self.compiler, args, shared),
                      cpu_identity() if uses_native_cpu(args) else None, args, os.getcwd(),
                      source, hashlib.sha256(content).hexdigest(), self.settings,
                      [(name, os.environ.get(name)) for name in _ENV])

    def lookup(self, key: str) -> CachedObject | None:
        found = self._lookup(key)
        self.counts[Stat.OBJECT_HITS if found else Stat.OBJECT_MISSES] = 1
        return found

    def _lookup(self, key: str) -> CachedObject | None:
        # an object is code the build links: only this user's own, sealed, is reused
        manifest = self.project.store.get_json("man", key)
        if manifest is None or not sealed("man", key, manifest):
            return None
        includes = manifest.get("includes", [])
        for path, expected in includes:
            if file_digest(path) != expected:
                return None
        result_key = manifest.get("result", "")
        result = self.project.store.get_json("res", result_key)
        data = self.project.store.get("obj", result_key)
        if result is None or data is None or not sealed("res", result_key, result) \
                or result.get("object") != hashlib.sha256(data).hexdigest():
            return None
        try:
            return CachedObject(data, base64.b64decode(result["stdout"]),
                                base64.b64decode(result["stderr"]), result["depfile"])
        except (KeyError, ValueError, TypeError):
            return None

    def save(self, key: str, includes: list[str], made: CachedObject) -> bool:
        """Record a compile's result; False (nothing stored) when an included file cannot
        be read or depends on the clock, or the cache folder leads elsewhere (a planted
        link)."""
        hashed = []
        for path in includes:
            content = _read(path)
            if content is None or _CLOCK.search(content):
                return False
            hashed.append((path, hashlib.sha256(content).hexdigest()))
        result_key = digest("result", key, hashed)
        store = self.project.store
        try:
            self.project.remember_project()
            store.put("obj", result_key, made.object)
            store.put_json("res", result_key, seal("res", result_key, {
                "stdout": base64.b64encode(made.stdout).decode(),
                "stderr": base64.b64encode(made.stderr).decode(),
                "depfile": made.depfile, "object": hashlib.sha256(made.object).hexdigest()}))
            store.put_json("man", key, seal("man", key, {
                "includes": [list(h) for h in hashed], "result": result_key}))
        except CacheError:
            return False
        return True


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def included_files(depfile_text: str) -> list[str]:
    """The prerequisites of the first rule of a make dependency file (gcc -MD's output)."""
    rule = depfile_text.replace("\\\n", " ").split("\n", 1)[0]
    _, _, prerequisites = rule.partition(":")
    names = re.findall(r"(?:\\.|[^\s\\])+", prerequisites)
    return [re.sub(r"\\(.)", r"\1", name).replace("$$", "$") for name in names]
