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
import shutil

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


def _stamp(path: str) -> str | None:
    """A file's size, time and inode (a link followed); None if it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _on_path(name: str) -> str:
    """``name`` as gcc would run it: a path (made absolute), or a name looked up on PATH."""
    if os.sep in name:
        return os.path.abspath(name)
    return shutil.which(name) or name


def compiler_identity(compiler: str, store) -> str:
    """The compiler as a hash of its driver's and its C compiler proper's contents and its
    version, remembered per (path, size, mtime) so a build hashes cc1 once."""
    compiler = _on_path(compiler)  # a name on PATH, as tests and library users may give it
    real = os.path.realpath(compiler)
    file_stamp = _stamp(real)
    if file_stamp is None:
        return digest("missing", real)
    stamp = digest(real, file_stamp)
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


# gcc's own programs an object's bytes depend on besides the driver: the assembler, and
# cc1 (compiler_identity hashes cc1 only when the driver changes; -B may pick another)
_TOOLS = ("as", "cc1")
# the environment that changes where gcc finds its programs and files
_TOOL_ENV = ("PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH")


def tool_options(args: list[str]) -> tuple[list[str], list[str]]:
    """The ``-B`` prefixes in ``args`` (as options) and the ``-specs=`` files they name."""
    prefixes: list[str] = []
    specs: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-B" and i + 1 < len(args):
            prefixes.append("-B" + args[i + 1])
            i += 1
        elif arg.startswith("-B") and len(arg) > 2:
            prefixes.append(arg)
        elif arg.startswith(("-specs=", "--specs=")):
            specs.append(arg.split("=", 1)[1])
        elif arg in ("-specs", "--specs") and i + 1 < len(args):
            specs.append(args[i + 1])
            i += 1
        i += 1
    return prefixes, specs


def toolchain_identity(compiler: str, args: list[str], store) -> str:
    """The programs and files besides the driver that shape what ``compiler`` makes of
    ``args``: the assembler it runs and cc1, as it finds them (``-B`` prefixes, PATH), and
    the ``-specs=`` files, all by content. Where gcc finds them (``-print-prog-name``,
    ``-print-file-name``) is asked once per compiler, options, folder and environment and
    remembered in ``store`` with the stamps of those files and of the folders searched; a
    compile then only stats them: gcc is asked again when a folder changed (a tool added
    or removed), a file is hashed again when its own stamp changed."""
    prefixes, specs = tool_options(args)
    driver = _on_path(compiler)
    real = os.path.realpath(driver)
    where = digest("tools", real, _stamp(real), prefixes, specs, os.getcwd(),
                   [os.environ.get(name) for name in _TOOL_ENV])
    known = store.get_json("tools", where) or {}
    dirs, paths = known.get("dirs"), known.get("paths")
    if not (_strings(dirs) and _strings(paths)
            and known.get("dir_stamps") == [_stamp(d) for d in dirs]):
        dirs = [d for p in prefixes for d in (p[2:], os.path.dirname(p[2:]) or ".")]
        dirs += os.environ.get("PATH", "").split(os.pathsep)
        dirs = list(dict.fromkeys(os.path.abspath(d) for d in dirs if d))
        paths = [_on_path(_ask(driver, prefixes, f"-print-prog-name={tool}"))
                 for tool in _TOOLS]
        paths += [os.path.abspath(_ask(driver, prefixes, f"-print-file-name={spec}"))
                  for spec in specs]
        known = {}
    stamps = [_stamp(p) for p in paths]
    if known.get("stamps") == stamps and isinstance(known.get("identity"), str):
        return known["identity"]
    identity = digest("toolchain", [(p, file_digest(p)) for p in paths])
    with contextlib.suppress(OSError):  # an unwritable cache only costs the hashes again
        store.put_json("tools", where, {"dirs": dirs, "dir_stamps": [_stamp(d) for d in dirs],
                                        "paths": paths, "stamps": stamps,
                                        "identity": identity})
    return identity


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _ask(driver: str, prefixes: list[str], query: str) -> str:
    return subproc.run([driver, *prefixes, query], timeout=30).stdout.decode().strip()


# options that make gcc tune or pick instructions for the CPU it runs on
_NATIVE = frozenset({"-march=native", "-mtune=native", "-mcpu=native"})
# what gcc's -march=native reads from cpuid, as Linux shows it of the first processor
_CPU_FIELDS = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags",
               "cache size", "cache_alignment")
_CPUINFO = "/proc/cpuinfo"
_CPU_CACHES = "/sys/devices/system/cpu/cpu0/cache"  # the l1/l2 sizes gcc tunes for


def uses_native_cpu(args: list[str]) -> bool:
    return any(arg in _NATIVE for arg in args)


_CPU_ID: str | None = None


def cpu_identity() -> str:
    """This CPU as ``-march=native`` sees it (vendor, family, model, stepping, feature
    flags, cache sizes), hashed: an object built for one machine's CPU is not another's."""
    global _CPU_ID
    if _CPU_ID is None:
        fields: dict[str, str] = {}
        with contextlib.suppress(OSError), open(_CPUINFO) as fh:
            for line in fh:
                if not line.strip():
                    break  # the first processor is enough
                name, _, value = line.partition(":")
                if name.strip() in _CPU_FIELDS:
                    fields[name.strip()] = value.strip()
        caches = []
        with contextlib.suppress(OSError):
            for index in sorted(os.listdir(_CPU_CACHES)):
                with contextlib.suppress(OSError), \
                        open(os.path.join(_CPU_CACHES, index, "size")) as fh:
                    caches.append((index, fh.read().strip()))
        _CPU_ID = digest("cpu", fields, caches, platform.machine())
    return _CPU_ID


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
