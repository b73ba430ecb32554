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

# bump when an entry's layout or meaning changes: older entries then read as misses
FORMAT = 1
_MAGIC = b"llmcc-cache"
LOCK_TIMEOUT_S = 30.0


class EntryInfo(NamedTuple):
    kind: str
    key: str
    path: Path
    size: int
    used: float  # last read or write (mtime)


class Store:
    """Entries of several kinds (``fn``, ``obj``, ``man`` ...) under ``root``, each named by a
    hex key and sharded by its first two characters."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    # -- entries -----------------------------------------------------------------------
    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key[2:]

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload, or None on a miss (a damaged entry is removed and is a miss)."""
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
        except OSError:
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
                    if entry.name.startswith("."):
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
