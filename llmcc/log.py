"""The invocation log: one line per event, appended atomically, rotated when large."""

from __future__ import annotations

import os
import sys
import time

# Rotating keeps the default log from growing without bound on a build
# machine; one older generation is kept for `llmcc log`.
MAX_LOG_BYTES = 8 * 1024 * 1024


def default_log_path() -> str:
    if sys.platform.startswith("linux"):
        # platformdirs' user_log_dir on Linux, without importing it (and pathlib)
        # on every compile: $XDG_STATE_HOME/llmcc/log
        state = os.environ.get("XDG_STATE_HOME", "").strip()
        if not os.path.isabs(state):
            state = os.path.join(os.path.expanduser("~"), ".local", "state")
        folder = os.path.join(state, "llmcc", "log")
    else:
        import platformdirs

        folder = platformdirs.user_log_dir("llmcc", appauthor=False)
    return os.path.join(folder, "llmcc.log")


def log_path(setting: str) -> str | None:
    if setting == "off":
        return None
    return setting if setting else default_log_path()


def write(path: str | None, event: str, **fields: object) -> None:
    """Append ``event`` with ``key=value`` fields; never raises (a log must not fail a build)."""
    if path is None:
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
    parts = [stamp, f"pid={os.getpid()}", event]
    for key, value in fields.items():
        # file names need not be UTF-8 (argv holds them as surrogate escapes):
        # their bytes are written as \xNN rather than failing a build
        text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        text = text.replace("\n", "\\n")
        if " " in text or not text:
            text = '"' + text.replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    line = (" ".join(parts) + "\n").encode()
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        try:
            if os.stat(path).st_size > MAX_LOG_BYTES:
                os.replace(path, path + ".1")
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass
