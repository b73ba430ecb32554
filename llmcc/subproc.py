"""The one place llmcc starts programs: gcc, as, harnesses, servers.

Every call has a named time-out and returns a small record; failures to start
or time-outs become ToolError with a message a user can act on.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Compiling a translation unit is trusted work that may legitimately take
# long; this only stops a wedged compiler from hanging a build forever.
COMPILE_TIMEOUT_S = 3600.0


@dataclass(frozen=True, slots=True)
class ProcResult:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run(
    args: Sequence[str],
    *,
    timeout: float | None = COMPILE_TIMEOUT_S,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    stdin: bytes | None = None,
    capture: bool = True,
) -> ProcResult:
    """Run ``args``; with ``capture=False`` the child shares llmcc's stdin/stdout/stderr."""
    from llmcc.errors import ToolError

    start = time.monotonic()
    try:
        proc = subprocess.run(
            list(args),
            input=stdin,
            stdin=None if stdin is not None or not capture else subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except FileNotFoundError:
        raise ToolError(f"cannot run {args[0]!r}: not found") from None
    except PermissionError:
        raise ToolError(f"cannot run {args[0]!r}: permission denied") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"{os.path.basename(args[0])} timed out after {timeout:.0f} s") from None
    return ProcResult(
        tuple(args), proc.returncode, proc.stdout or b"", proc.stderr or b"",
        time.monotonic() - start,
    )


def exit_status(returncode: int) -> int:
    """A child's return code as our exit status (signals as the shell reports them)."""
    return 128 - returncode if returncode < 0 else returncode
