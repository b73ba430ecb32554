"""Cache keys: what a decision or an object depends on, hashed.

A key is the SHA-256 of a JSON list of labelled parts, so adding a part changes every key
(old entries become unreachable misses, never wrong hits).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform

from llmcc import subproc


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def file_digest(path: str) -> str | None:
    """SHA-256 of a file's contents; None if it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def compiler_identity(compiler: str, store) -> str:
    """The compiler as a hash of its driver's and its C compiler proper's contents and its
    version, remembered per (path, size, mtime) so a build hashes cc1 once."""
    if os.sep not in compiler:  # a name on PATH, as tests and library users may give it
        import shutil

        compiler = shutil.which(compiler) or compiler
    real = os.path.realpath(compiler)
    try:
        st = os.stat(real)
    except OSError:
        return digest("missing", real)
    stamp = digest(real, st.st_size, st.st_mtime_ns, st.st_ino)
    known = store.get("compilers", stamp)
    if known is not None:
        return known.decode()
    cc1 = subproc.run([compiler, "-print-prog-name=cc1"], timeout=30).stdout.decode().strip()
    version = subproc.run([compiler, "-dumpfullversion", "-dumpmachine"],
                          timeout=30).stdout.decode().split()
    identity = digest("gcc", version, file_digest(real),
                      file_digest(cc1) if os.path.isabs(cc1) else cc1)
    with contextlib.suppress(OSError):  # an unwritable cache only costs the hash again
        store.put("compilers", stamp, identity.encode())
    return identity


_CPU: str | None = None


def cpu_model() -> str:
    """The CPU model name (timings are only reused on the same model)."""
    global _CPU
    if _CPU is None:
        model = ""
        try:
            with open("/proc/cpuinfo") as fh:
                for line in fh:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        _CPU = model or platform.processor() or platform.machine()
    return _CPU


def proposer_ids(config) -> tuple[str, ...]:
    """The configured proposers as a decision key names them: each name, with what changes
    what that proposer offers: for ``model``, which model (``model[URL]``, the model name
    too when set, or the served GGUF's path, size and time) and ``+grammar`` when
    model_grammar is on. Decisions made one way are not reused for another; a new model
    gets the functions offered again."""
    ids = []
    for name in config.proposers:
        if name == "none":
            continue
        if name == "model":
            which = _model_identity(config)
            name = "model" + (f"[{which}]" if which else "") + \
                ("+grammar" if config.model_grammar else "")
        ids.append(name)
    return tuple(ids)


def _model_identity(config) -> str:
    url, model = config.model_url.strip().rstrip("/"), config.model_name.strip()
    if url:
        return f"{model}@{url}" if model else url
    path = config.model_path.strip()
    if not path:
        return ""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.abspath(path)
    return f"{os.path.abspath(path)}:{st.st_size}:{int(st.st_mtime)}"
