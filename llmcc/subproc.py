"""The one place llmcc starts programs: gcc, as, harnesses, servers.

Every call has a named time-out and returns a small record; failures to start
or time-outs become ToolError with a message a user can act on.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import NamedTuple

# Compiling a translation unit is trusted work that may legitimately take
# long; this only stops a wedged compiler from hanging a build forever.
COMPILE_TIMEOUT_S = 3600.0
# the compilers llmcc has run in this process tree (driver/compiler.py's recursion guard)
ACTIVE_ENV = "LLMCC_ACTIVE"


class ProcResult(NamedTuple):
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Running:
    """A started program; ``wait()`` collects it as a ProcResult."""

    def __init__(self, args: Sequence[str], proc: subprocess.Popen, timeout: float | None,
                 stdin: bytes | None) -> None:
        self.args = tuple(args)
        self._proc = proc
        self._timeout = timeout
        self._stdin = stdin
        self._start = time.monotonic()
        self._pending = b""  # output read but not yet returned by readline

    def kill(self) -> None:
        """Stop the program if it is still running (a caller that gave up on it)."""
        if self._proc.poll() is None:
            self._proc.kill()
        with contextlib.suppress(ValueError):  # already collected
            self._proc.communicate()

    def stop(self, grace: float = 1.0) -> None:
        """Ask the program to end (SIGTERM), so it can end what it started itself; kill it
        if it has not ended within ``grace`` seconds."""
        if self._proc.poll() is None:
            self._proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(grace)
        self.kill()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def returncode(self) -> int | None:
        """The exit status once the program has ended (negative: killed by that signal)."""
        return self._proc.poll()

    def send(self, data: bytes) -> bool:
        """Write to a program started with ``interactive=True``; False once it has gone."""
        try:
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def readline(self, seconds: float) -> str | None:
        """The program's next output line, or None when it ends or ``seconds`` pass first."""
        stream = self._proc.stdout
        assert stream is not None, "started without capture"
        deadline = time.monotonic() + seconds
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                return None
            chunk = os.read(stream.fileno(), 1 << 16)
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode(errors="replace")

    def wait(self) -> ProcResult:
        from llmcc.errors import ToolError

        try:
            out, err = self._proc.communicate(self._stdin, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            name = os.path.basename(self.args[0])
            raise ToolError(f"{name} timed out after {self._timeout:.0f} s") from None
        return ProcResult(self.args, self._proc.returncode, out or b"", err or b"",
                          time.monotonic() - self._start)


def start(
    args: Sequence[str],
    *,
    timeout: float | None = COMPILE_TIMEOUT_S,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    stdin: bytes | None = None,
    capture: bool = True,
    interactive: bool = False,
) -> Running:
    """Start ``args``; with ``capture=False`` the child shares llmcc's stdin/stdout/stderr;
    with ``interactive=True`` its stdin is a pipe for ``send`` and its stdout is read with
    ``readline`` (stderr is discarded)."""
    from llmcc.errors import ToolError

    try:
        proc = subprocess.Popen(
            list(args),
            stdin=subprocess.PIPE if stdin is not None or interactive else (
                subprocess.DEVNULL if capture else None),
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.DEVNULL if interactive else (
                subprocess.PIPE if capture else None),
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except FileNotFoundError:
        raise ToolError(f"cannot run {args[0]!r}: not found") from None
    except PermissionError:
        raise ToolError(f"cannot run {args[0]!r}: permission denied") from None
    return Running(args, proc, timeout, stdin)


def spawn(args: Sequence[str], *, log_file: str) -> Running:
    """Start a program that outlives llmcc (a server): in a session of its own, so a build's
    Ctrl-C does not reach it, with stdin from /dev/null and its output in ``log_file``
    (truncated), never in a pipe a build's reader would wait on; it runs in / and inherits
    llmcc's environment."""
    from llmcc.errors import ToolError

    with open(log_file, "wb") as out:  # (an OSError here is about the log, not the program)
        try:
            proc = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    cwd="/")
        except FileNotFoundError:
            raise ToolError(f"cannot run {args[0]!r}: not found") from None
        except PermissionError:
            raise ToolError(f"cannot run {args[0]!r}: permission denied") from None
    return Running(args, proc, None, None)


def run(args: Sequence[str], **kwargs) -> ProcResult:
    """Run ``args`` to completion (same options as ``start``)."""
    return start(args, **kwargs).wait()


def active_compilers() -> set[str]:
    """The compilers (real paths) llmcc has already run in this process tree."""
    value = os.environ.get(ACTIVE_ENV, "")
    return {p for p in value.split(os.pathsep) if p}


def child_env(compiler: str) -> dict[str, str]:
    """The environment for running ``compiler``: marks it as run, for the recursion guard."""
    env = dict(os.environ)
    seen = active_compilers() | {os.path.realpath(compiler)}
    env[ACTIVE_ENV] = os.pathsep.join(sorted(seen))
    return env


def exit_status(returncode: int) -> int:
    """A child's return code as our exit status (signals as the shell reports them)."""
    return 128 - returncode if returncode < 0 else returncode
