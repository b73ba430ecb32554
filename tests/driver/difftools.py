"""Differential harness: the real gcc and the real llmcc, same inputs, separate trees.

Every scenario keeps two trees, ``gcc/`` and ``llm/``, writes identical inputs
into each, runs ``gcc ARGS`` over one and ``llmcc ARGS`` over the other, and
compares exit codes, stdout, stderr and every file left behind, byte for byte.
Nothing is mocked.

A command runs with its tree renamed to one shared working path (``work/``),
so the absolute paths gcc embeds in objects (DW_AT_comp_dir, CMake's absolute
source names, .d files) are the same bytes on both sides, and even the order
of merged debug strings, which depends on their content, agrees.

llmcc's invocation log goes to a file under the test's tmp_path (LLMCC_LOG),
never the user's, and tests read it to check how an invocation was classified.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import stat
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _find_llmcc() -> str | None:
    beside = Path(sys.executable).parent / "llmcc"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("llmcc")


LLMCC = _find_llmcc()
GCC = shutil.which("gcc")

# A translation unit whose -O2 and -O3 code differ (gcc 12 vectorizes
# differently), so "the object equals gcc -O3's" is a real check.
KERNEL_C = """\
#include "kernel.h"

void saxpy(float *restrict y, const float *restrict x, float a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

int sum(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i] * SCALE;
    return s;
}
"""

KERNEL_H = """\
#ifndef KERNEL_H
#define KERNEL_H
#ifndef SCALE
#define SCALE 3
#endif
void saxpy(float *restrict y, const float *restrict x, float a, int n);
int sum(const int *v, int n);
#endif
"""

MAIN_C = """\
#include <stdio.h>
#include "kernel.h"

int main(void)
{
    int v[100];
    float x[64], y[64];
    for (int i = 0; i < 100; i++)
        v[i] = i;
    for (int i = 0; i < 64; i++) {
        x[i] = (float)i;
        y[i] = 1.0f;
    }
    saxpy(y, x, 2.0f, 64);
    printf("%d %.1f\\n", sum(v, 100), (double)y[63]);
    return 0;
}
"""


PROJECT = {"kernel.c": KERNEL_C, "kernel.h": KERNEL_H, "main.c": MAIN_C}
PROGRAM_OUTPUT = b"14850 127.0\n"

_COMPILE_LINE = re.compile(r"\bcompile outcome=(\S+)")
_ARGS_FIELD = re.compile(r' args=(?:"((?:[^"\\]|\\.)*)"|(\S*))$')


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes  # with the side's folder replaced by <DIR>
    stderr: bytes


class Side:
    """One of the two trees: it rests at ``rest`` and is moved to ``work`` to run a command."""

    def __init__(self, rest: Path, work: Path, env: Mapping[str, str]) -> None:
        self.rest = rest
        self.work = work
        self.env = dict(env)
        rest.mkdir(parents=True)

    def __truediv__(self, rel: str) -> Path:
        return self.rest / rel

    @contextmanager
    def active(self) -> Iterator[Path]:
        """The tree moved to the shared working path for the duration."""
        os.rename(self.rest, self.work)
        try:
            yield self.work
        finally:
            os.rename(self.work, self.rest)

    def run(self, argv: Sequence[str], *, stdin: bytes | None = None, cwd: str = "",
            env: Mapping[str, str | None] | None = None, timeout: float = 60,
            terminal_columns: int | None = None) -> Result:
        """Run ``argv`` in the tree; with ``terminal_columns`` stdin and stderr are a
        terminal of that width (as when a user types the command), stdout a pipe."""
        full_env = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        with self.active() as root:
            if terminal_columns is None:
                proc = subprocess.run(
                    list(argv), cwd=root / cwd, env=full_env, timeout=timeout,
                    input=stdin if stdin is not None else b"", capture_output=True,
                )
                code, out, err = proc.returncode, proc.stdout, proc.stderr
            else:
                code, out, err = _run_on_terminal(list(argv), root / cwd, full_env, timeout,
                                                  terminal_columns)
        here = str(self.work).encode()
        return Result(tuple(argv), code, out.replace(here, b"<DIR>"), err.replace(here, b"<DIR>"))


def _run_on_terminal(argv: list[str], cwd: Path, env: dict[str, str], timeout: float,
                     columns: int) -> tuple[int, bytes, bytes]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once every holder of the terminal is gone
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=subprocess.PIPE,
                                stderr=slave)
    finally:
        os.close(slave)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        reader.join(timeout=10)
        os.close(master)
    return proc.returncode, out, b"".join(chunks)


class Differential:
    """The pair of trees of one test, plus llmcc's log."""

    def __init__(self, tmp_path: Path) -> None:
        tmp_path = tmp_path.resolve()
        self.tmp = tmp_path
        self.log = tmp_path / "llmcc.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCC_")}
        env.pop("GCC_COLORS", None)
        env["LC_ALL"] = "C"
        env["LLMCC_LOG"] = str(self.log)
        # gcc's and llmcc's temporary files go here (TMPDIR): checked empty after each run
        self.tmpdir = tmp_path / "tmp"
        self.tmpdir.mkdir()
        env["TMPDIR"] = str(self.tmpdir)
        # their names are random on every run; ld and as name them in messages
        self.temp_names = re.compile(re.escape(str(self.tmpdir).encode()) + rb"/[^\s:'\"]+")
        self.env = env
        self.work = tmp_path / "work"
        self.gcc = Side(tmp_path / "gcc", self.work, env)
        self.llm = Side(tmp_path / "llm", self.work, env)

    # -- inputs
    def write(self, files: Mapping[str, str | bytes], mode: int | None = None) -> None:
        """Write the same files (relative path -> content) into both trees."""
        for side in (self.gcc, self.llm):
            for rel, content in files.items():
                path = side / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content)
                if mode is not None:
                    path.chmod(mode)

    def mkdir(self, rel: str) -> None:
        for side in (self.gcc, self.llm):
            (side / rel).mkdir(parents=True, exist_ok=True)

    # -- running
    def run_gcc(self, args: Sequence[str], **kw) -> Result:
        return self.gcc.run([GCC, *args], **kw)

    def run_llmcc(self, args: Sequence[str], **kw) -> Result:
        return self.llm.run([LLMCC, *args], **kw)

    def check(self, llmcc_args: Sequence[str], gcc_args: Sequence[str] | None = None, *,
              ignore: Sequence[str] = (), mask: re.Pattern[bytes] | None = None,
              **kw) -> tuple[Result, Result]:
        """Run both, and assert identical results and trees; returns (gcc, llmcc)."""
        ref = self.run_gcc(llmcc_args if gcc_args is None else gcc_args, **kw)
        new = self.run_llmcc(llmcc_args, **kw)
        assert not list(self.tmpdir.iterdir()), "temporary files were left behind"
        assert_same_result(ref, new, mask)
        self.assert_same_tree(ignore=ignore, mask=mask)
        return ref, new

    # -- comparing
    def tree(self, side: Side, ignore: Sequence[str] = ()) -> dict[str, tuple[str, int]]:
        """relative path -> (kind, permission bits) for everything under ``side``."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(side.rest):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                rel = str(path.relative_to(side.rest))
                if any(rel == i or rel.startswith(i.rstrip("/") + "/") for i in ignore):
                    continue
                st = path.lstat()
                kind = ("link" if stat.S_ISLNK(st.st_mode) else
                        "dir" if stat.S_ISDIR(st.st_mode) else
                        "file" if stat.S_ISREG(st.st_mode) else "other")
                out[rel] = (kind, stat.S_IMODE(st.st_mode))
        return out

    def assert_same_file(self, rel: str, mask: re.Pattern[bytes] | None = None) -> None:
        """Byte equality; ``mask`` matches bytes to blank out first (gcc's random names)."""
        new, ref = (self.llm / rel).read_bytes(), (self.gcc / rel).read_bytes()
        if mask is not None:
            new, ref = mask.sub(b"<MASKED>", new), mask.sub(b"<MASKED>", ref)
        assert new == ref, f"{rel} differs from gcc's"

    def assert_same_tree(self, ignore: Sequence[str] = (),
                         mask: re.Pattern[bytes] | None = None) -> None:
        assert not list(self.tmpdir.iterdir()), "temporary files were left behind"
        ref = self.tree(self.gcc, ignore)
        new = self.tree(self.llm, ignore)
        assert new == ref, "the trees hold different files (or modes)"
        for rel, (kind, _) in ref.items():
            if kind == "file":
                self.assert_same_file(rel, mask)
            elif kind == "link":
                assert os.readlink(self.llm / rel) == os.readlink(self.gcc / rel)

    # -- llmcc's log
    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def outcomes(self) -> list[str]:
        return _COMPILE_LINE.findall(self.log_text())

    def compile_entries(self) -> list[tuple[str, str]]:
        """(outcome, args) of every compile line of llmcc's log."""
        out = []
        for line in self.log_text().splitlines():
            found = _COMPILE_LINE.search(line)
            args = _ARGS_FIELD.search(line)
            if found:
                value = args.group(1) or args.group(2) if args else ""
                out.append((found.group(1), value.replace('\\"', '"')))
        return out


def assert_same_result(ref: Result, new: Result, mask: re.Pattern[bytes] | None = None) -> None:
    def masked(data: bytes) -> bytes:
        return mask.sub(b"<MASKED>", data) if mask is not None else data

    assert masked(new.stderr).decode(errors="replace") == \
        masked(ref.stderr).decode(errors="replace")
    assert masked(new.stdout) == masked(ref.stdout)
    assert new.returncode == ref.returncode
