"""The on-disk store: checksummed entries written atomically, read without locks, evicted
least-recently-used under a size limit.

An entry is one file: a header line ``llmcc-cache <format> <sha256 of payload> <length>``
then the payload. A reader that finds a missing, truncated or corrupt entry treats it as a
miss and removes it, so a crash mid-write (or a killed ``make -j`` job) can cost a
recompile but never serve wrong bytes. Writers create a private temporary file in the same
folder and rename it into place; the lock file guards only eviction and counters.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from llmcc.errors import CacheError

# bump when an entry's layout or meaning changes: older entries then read as misses
FORMAT = 1
_MAGIC = b"llmcc-cache"
LOCK_TIMEOUT_S = 30.0
# every key is a SHA-256 hex digest (llmcc.cache.keys.digest); nothing else ever names a file,
# so a key read from a file or a command line cannot lead a path out of the store
KEY_LENGTH = 64
_HEX = frozenset("0123456789abcdef")


def is_key(value: object) -> bool:
    """Is ``value`` a key llmcc could have made (lower-case hex, KEY_LENGTH long)?"""
    return isinstance(value, str) and len(value) == KEY_LENGTH and _HEX.issuperset(value)


def within(folder: str | os.PathLike, top: str | os.PathLike) -> bool:
    """Is ``folder`` inside ``top`` with no symbolic link on the way? A cache folder others
    can write to may hold links planted to lead llmcc's writes elsewhere."""
    real = os.path.realpath(folder)
    return real == os.path.join(os.path.realpath(top), os.path.relpath(folder, top))


class EntryInfo(NamedTuple):
    kind: str
    key: str
    path: Path
    size: int
    used: float  # last read or write (mtime)


class Store:
    """Entries of several kinds (``fn``, ``obj``, ``man`` ...) under ``root``, each named by a
    hex key and sharded by its first two characters; written only inside ``top`` (default:
    ``root``), through no symbolic link."""

    def __init__(self, root: str | os.PathLike, top: str | os.PathLike | None = None) -> None:
        self.root = Path(root)
        self.top = Path(top) if top is not None else self.root

    # -- entries -----------------------------------------------------------------------
    def path(self, kind: str, key: str) -> Path:
        """Where entry ``key`` lives; CacheError when ``key`` is not a key (is_key)."""
        if not is_key(key):
            raise CacheError(f"not a cache key: {str(key)[:80]!r}")
        return self.root / kind / key[:2] / key[2:]

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload, or None on a miss (a damaged entry is removed and is a miss, and so
        is a key that is not one)."""
        if not is_key(key):
            return None
        path = self.path(kind, key)
        try:
            with open(path, "rb") as fh:
                header = fh.readline(200)
                payload = fh.read()
        except OSError:
            return None
        if not _valid(header, payload):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to be evicted
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Write an entry atomically (a concurrent reader sees the old one or the new one)."""
        path = self.path(kind, key)
        if not within(path.parent, self.top):  # checked before any folder is made
            raise CacheError(f"{path.parent} leads out of the cache folder {self.top}")
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(payload).hexdigest()
        header = b"%s %d %s %d\n" % (_MAGIC, FORMAT, digest.encode(), len(payload))
        tmp = path.parent / f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(header + payload)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def get_json(self, kind: str, key: str) -> dict | None:
        data = self.get(kind, key)
        if data is None:
            return None
        try:
            value = json.loads(data)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put_json(self, kind: str, key: str, value: dict) -> None:
        self.put(kind, key, json.dumps(value, sort_keys=True).encode())

    def delete(self, kind: str, key: str) -> bool:
        try:
            self.path(kind, key).unlink()
        except (OSError, CacheError):
            return False
        return True

    def entries(self, kind: str | None = None) -> Iterator[EntryInfo]:
        kinds = [kind] if kind else sorted(p.name for p in self.root.iterdir()
                                             if p.is_dir()) if self.root.is_dir() else []
        for k in kinds:
            base = self.root / k
            if not base.is_dir():
                continue
            for shard in sorted(base.iterdir()):
                if not shard.is_dir():
                    continue
                for entry in sorted(shard.iterdir()):
                    if not is_key(shard.name + entry.name):  # temporaries, strangers
                        continue
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    yield EntryInfo(k, shard.name + entry.name, entry, st.st_size, st.st_mtime)

    # -- housekeeping ------------------------------------------------------------------
    def lock(self):
        """The store's lock (eviction, counters); a ``filelock.FileLock``."""
        import filelock

        self.root.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(str(self.root / "lock"), timeout=LOCK_TIMEOUT_S)

    def remove_stale_temporaries(self, age_s: float = 3600) -> None:
        """Temporary files of writers that died mid-write."""
        now = time.time()
        for tmp in self.root.glob("*/*/.*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > age_s:
                    tmp.unlink()

    def clear(self) -> int:
        """Remove every entry; returns how many."""
        count = 0
        with self.lock():
            for entry in list(self.entries()):
                with contextlib.suppress(OSError):
                    entry.path.unlink()
                    count += 1
        return count


def _valid(header: bytes, payload: bytes) -> bool:
    parts = header.split()
    if len(parts) != 4 or parts[0] != _MAGIC or parts[1] != str(FORMAT).encode():
        return False
    if not parts[3].isdigit() or int(parts[3]) != len(payload):
        return False
    return hashlib.sha256(payload).hexdigest().encode() == parts[2]
