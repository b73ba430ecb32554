"""Private scratch folders and exclusively created files, with nothing but os.

The compile path avoids tempfile and shutil: importing them costs more than a
small compile's share of llmcc's time.
"""

from __future__ import annotations

import contextlib
import os


def exclusive_file(folder: str, prefix: str, suffix: str) -> tuple[str, int]:
    """A new file with a random name in ``folder``, opened for writing (mode 0666 less the
    umask, as compilers create their outputs)."""
    while True:
        path = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def private_dir(base: str) -> str:
    """A new directory only this user can enter (tempfile.mkdtemp, without its imports)."""
    base = base or os.environ.get("TMPDIR") or "/tmp"
    while True:
        path = os.path.join(base, f"llmcc-{os.urandom(6).hex()}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


def remove_dir(path: str) -> None:
    """Remove the private directory and the files in it (it never holds folders)."""
    try:
        for name in os.listdir(path):
            os.unlink(os.path.join(path, name))
        os.rmdir(path)
    except OSError:
        pass


def state_dir(name: str) -> str:
    """``$XDG_STATE_HOME/llmcc/NAME`` (``~/.local/state/llmcc/NAME``; the user state folder
    on other systems): per-user state shared by every llmcc process, not created here."""
    import sys

    if sys.platform.startswith("linux"):  # platformdirs' answer, without importing it
        state = os.environ.get("XDG_STATE_HOME", "").strip()
        if not os.path.isabs(state):
            state = os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(state, "llmcc", name)
    import platformdirs

    return os.path.join(platformdirs.user_state_dir("llmcc", appauthor=False), name)


def replace_text(path: str | os.PathLike, text: str) -> None:
    """Write ``path`` whole, atomically: a reader sees the old file or the new one, never
    half of either (a temporary file beside it, then a rename)."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
