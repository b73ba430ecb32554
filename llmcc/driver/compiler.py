"""Finding the real compiler: explicit, configured or masqueraded, never llmcc itself.

A masquerade link (``gcc -> llmcc`` early on PATH) must resolve to the next
``gcc`` on PATH that is not llmcc. ``LLMCC_ACTIVE`` names the compilers llmcc
has already run in this process tree, so a wrapper script that calls llmcc
again is caught instead of recursing forever.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from llmcc.errors import ToolError
from llmcc.subproc import active_compilers

LLMCC_NAMES = frozenset({"llmcc", "llmcc.py", "__main__.py"})


def _on_path(name: str) -> list[str]:
    """Every executable file called ``name`` in PATH's folders, in order."""
    found = []
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            found.append(candidate)
    return found


def _self_paths() -> set[str]:
    paths = {os.path.realpath(sys.argv[0])}
    paths.update(os.path.realpath(p) for p in _on_path("llmcc")[:1])
    return paths


def _is_llmcc(path: str, selves: set[str]) -> bool:
    real = os.path.realpath(path)
    if real in selves or os.path.basename(real) in LLMCC_NAMES:
        return True
    try:
        with open(real, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    # a pip console script for llmcc (a copy rather than a link)
    return head.startswith(b"#!") and b"from llmcc.cli.main import main" in head


def resolve(name: str) -> str:
    """The absolute path of compiler ``name`` (a name on PATH or a path), skipping llmcc."""
    selves = _self_paths()
    skip = active_compilers()
    if os.sep in name:
        if not _is_llmcc(name, selves) and os.path.realpath(name) not in skip:
            if os.access(name, os.X_OK) and os.path.isfile(name):
                return os.path.abspath(name)
            raise ToolError(f"compiler {name!r} is not an executable file")
        name = os.path.basename(name)
    for candidate in _on_path(name):
        if _is_llmcc(candidate, selves) or os.path.realpath(candidate) in skip:
            continue
        return os.path.abspath(candidate)
    raise ToolError(
        f"cannot find the real compiler {name!r} on PATH (only llmcc itself); "
        "set LLMCC_CC to its full path"
    )


def looks_like_compiler(arg: str) -> bool:
    """Is ``llmcc ARG ...`` naming a compiler (``llmcc gcc -c x.c``) rather than an input?"""
    if arg.startswith("-") or arg.startswith("@"):
        return False
    if os.sep in arg:
        path = Path(arg)
        return path.is_file() and os.access(path, os.X_OK) and path.suffix not in (".c", ".o")
    if os.path.exists(arg):
        return False
    return bool(_on_path(arg))
