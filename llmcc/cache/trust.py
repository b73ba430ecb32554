"""Whose cache entries are these: a secret of this user's, kept outside every cache folder,
seals (HMAC-SHA256) what llmcc writes there, so what a shared folder's other writers made,
or changed, is told apart from this user's own.

The secret lives in ``state_dir("keys")/secret`` (``~/.local/state/llmcc/keys/secret``), a
0600 file in a 0700 folder llmcc creates; one that is not the user's own and private is not
used, and without a secret nothing is trusted: objects are not reused, decisions are judged
again, queued jobs are refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat

from llmcc.files import state_dir

SECRET_FOLDER = "keys"
SECRET_FILE = "secret"
SECRET_BYTES = 32  # HMAC-SHA256's block of security: the hash's own size
MAC = "mac"  # the field of a sealed record that holds its seal
_GROUP_OTHER_WRITE = stat.S_IWGRP | stat.S_IWOTH
_GROUP_OTHER_ANY = stat.S_IRWXG | stat.S_IRWXO  # the secret: no one else may even read it

_secret: bytes | None = None


def private(st: os.stat_result, others: int = _GROUP_OTHER_WRITE) -> bool:
    """Is what ``st`` describes the user's own, with none of the permission bits ``others``
    (by default: no one else may write it)?"""
    return st.st_uid == os.geteuid() and not st.st_mode & others


def private_folder(path: str) -> bool:
    """Make ``path`` (mode 0700) unless it exists; True when it is a real folder, the user's
    own, that no one else can write to."""
    with contextlib.suppress(FileExistsError, OSError):
        os.makedirs(path, mode=0o700)
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and private(st)


def secret() -> bytes | None:
    """This user's secret, created on first use; None when it cannot be made or read, or
    is not private (a file others own or may read or write)."""
    global _secret
    if _secret is None:
        _secret = _load_secret() or b""
    return _secret or None


def _load_secret() -> bytes | None:
    folder = state_dir(SECRET_FOLDER)
    if not private_folder(folder):
        return None
    path = os.path.join(folder, SECRET_FILE)
    if not os.path.lexists(path):
        # written whole under a private name, then linked into place: a racing process
        # either links first or reads the winner's complete file
        tmp = os.path.join(folder, f".{SECRET_FILE}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(SECRET_BYTES))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        except OSError:
            return None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or not private(st, _GROUP_OTHER_ANY):
            return None
        value = fh.read(SECRET_BYTES + 1)
    return value if len(value) == SECRET_BYTES else None


def _mac(key: bytes, kind: str, name: str, value: dict) -> str:
    body = {k: v for k, v in value.items() if k != MAC}
    message = json.dumps([kind, name, body], sort_keys=True, default=str).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(kind: str, name: str, value: dict) -> dict:
    """``value`` with its seal: a MAC over ``kind``, ``name`` (its key) and its content, so
    it cannot be changed nor moved to another key; without a secret, unsealed."""
    key = secret()
    body = {k: v for k, v in value.items() if k != MAC}
    return {**body, MAC: _mac(key, kind, name, body)} if key else body


def sealed(kind: str, name: str, value: object) -> bool:
    """Was ``value`` sealed by this user's llmcc as ``kind`` ``name``, and not changed since?"""
    key = secret()
    if not key or not isinstance(value, dict) or not isinstance(value.get(MAC), str):
        return False
    return hmac.compare_digest(value[MAC], _mac(key, kind, name, value))


def mine(path: str | os.PathLike) -> bool:
    """Is the file at ``path`` the user's own? (Its mode follows the umask, so a group may
    write it; the seal, not the mode, says whether its content is what llmcc wrote.)"""
    try:
        return os.lstat(path).st_uid == os.geteuid()
    except OSError:
        return False
