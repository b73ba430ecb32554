"""The invocation log: one line per event, appended atomically, rotated when large."""

from __future__ import annotations

import os
import time
from pathlib import Path

# Rotating keeps the default log from growing without bound on a build
# machine; one older generation is kept for `llmcc log`.
MAX_LOG_BYTES = 8 * 1024 * 1024


def default_log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir("llmcc", appauthor=False)) / "llmcc.log"


def log_path(setting: str) -> Path | None:
    if setting == "off":
        return None
    return Path(setting) if setting else default_log_path()


def write(path: Path | None, event: str, **fields: object) -> None:
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
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass
