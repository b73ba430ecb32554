"""The log: where it goes by default, what a line holds, and that it never fails a build."""

from __future__ import annotations

import os

import platformdirs
import pytest

from llmcc import log


@pytest.mark.parametrize("xdg", [None, "/tmp/xdg-state-test"])
def test_default_path_is_platformdirs_user_log_dir(monkeypatch, xdg):
    if xdg is None:
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_STATE_HOME", xdg)
    expected = os.path.join(platformdirs.user_log_dir("llmcc", appauthor=False), "llmcc.log")
    assert log.default_log_path() == expected


def test_lines_quote_values_and_escape_undecodable_names(tmp_path):
    path = str(tmp_path / "sub" / "llmcc.log")
    name = b"caf\xe9.c".decode("utf-8", "surrogateescape")
    log.write(path, "compile", outcome="unchanged", args=f"-c {name}", detail="")
    with open(path) as fh:
        (line,) = fh.read().splitlines()
    assert ' compile outcome=unchanged args="-c caf\\xe9.c" detail=""' in line


def test_rotation_keeps_one_generation(tmp_path, monkeypatch):
    monkeypatch.setattr(log, "MAX_LOG_BYTES", 100)
    path = str(tmp_path / "llmcc.log")
    for n in range(10):
        log.write(path, "compile", n=n)
    assert os.path.exists(path + ".1")
    assert os.path.getsize(path) <= 200


def test_unwritable_log_is_ignored(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    log.write(str(blocker / "llmcc.log"), "compile")  # a file where a folder should be
    log.write(None, "compile")
