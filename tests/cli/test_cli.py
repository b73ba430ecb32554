"""llmcc's own subcommands: output, JSON, and one-line errors with non-zero exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LLMCC = str(Path(sys.executable).parent / "llmcc")


def run(args, cwd, env_extra=None, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMCC_")}
    env["LLMCC_LOG"] = str(Path(cwd) / "llmcc.log")
    env.update(env_extra or {})
    return subprocess.run([LLMCC, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, **kw)


def test_no_arguments_prints_usage(tmp_path):
    proc = run([], tmp_path)
    assert proc.returncode == 0 and "usage: llmcc" in proc.stdout


def test_version_names_llmcc_and_the_compiler(tmp_path):
    proc = run(["version"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("llmcc ") and "gcc" in proc.stdout


def test_config_json_reports_sources(tmp_path):
    (tmp_path / "llmcc.toml").write_text('baseline = "-O2"\n')
    proc = run(["config", "--json"], tmp_path, {"LLMCC_PROPOSERS": "none"})
    data = json.loads(proc.stdout)
    assert data["file"] == str(tmp_path / "llmcc.toml")
    assert data["settings"]["baseline"] == {
        "value": "-O2", "source": str(tmp_path / "llmcc.toml"), "env": "LLMCC_BASELINE"}
    assert data["settings"]["proposers"]["source"] == "LLMCC_PROPOSERS"


def test_config_error_is_one_line_without_traceback(tmp_path):
    (tmp_path / "llmcc.toml").write_text("nonsense = 1\n")
    proc = run(["config"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("llmcc config: error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_bad_config_never_breaks_a_compile(tmp_path):
    (tmp_path / "llmcc.toml").write_text("nonsense = 1\n")
    (tmp_path / "a.c").write_text("int f(int x) { return x + 1; }\n")
    proc = run(["-O2", "-c", "a.c"], tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert (tmp_path / "a.o").exists()
    assert "unknown setting" in (tmp_path / "llmcc.log").read_text()


def test_unknown_proposer_falls_back_to_gcc_and_is_logged(tmp_path):
    (tmp_path / "a.c").write_text("int f(int x) { return x + 1; }\n")
    proc = run(["-O2", "-c", "a.c"], tmp_path, {"LLMCC_PROPOSERS": "oracle"})
    assert proc.returncode == 0 and proc.stderr == ""
    log = (tmp_path / "llmcc.log").read_text()
    assert "unknown proposer 'oracle'" in log and "outcome=internal_error" in log


def test_log_summary_counts_outcomes(tmp_path):
    (tmp_path / "a.c").write_text("int f(int x) { return x + 1; }\n")
    run(["-O2", "-c", "a.c"], tmp_path)
    run(["-O0", "-c", "a.c"], tmp_path)
    proc = run(["log", "--summary"], tmp_path)
    assert proc.returncode == 0
    assert "unchanged" in proc.stdout and "no_speed_opt" in proc.stdout
    assert "2 compiler invocations" in proc.stdout


def test_log_without_a_log_file_is_a_clear_error(tmp_path):
    proc = run(["log"], tmp_path)
    assert proc.returncode == 1 and proc.stderr.startswith("llmcc log: error: no log yet")
