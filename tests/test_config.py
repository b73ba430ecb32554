"""Settings: defaults, llmcc.toml found walking up, LLMCC_* over it, clear errors."""

from __future__ import annotations

import pytest

from llmcc.config import load
from llmcc.errors import ConfigError


def test_defaults(tmp_path):
    config = load(tmp_path, environ={})
    assert config.proposers == ("none",)
    assert config.baseline == "-O3"
    assert config.disable is False
    assert config.min_valid_inputs == 10
    assert all(v.source == "default" for _, v in config.items())


def test_file_found_walking_up_and_environment_wins(tmp_path):
    (tmp_path / "llmcc.toml").write_text('proposers = ["none"]\nbaseline = "-O2"\nlog = "l.txt"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = load(deep, environ={"LLMCC_BASELINE": "keep"})
    assert config.file == tmp_path / "llmcc.toml"
    assert config.baseline == "keep"
    assert dict((s.key, v.source) for s, v in config.items())["baseline"] == "LLMCC_BASELINE"
    assert config.log == str(tmp_path / "l.txt")  # relative to the file


def test_environment_list_and_bool_forms(tmp_path):
    config = load(tmp_path, environ={"LLMCC_PROPOSERS": "none, none", "LLMCC_DISABLE": "yes"})
    assert config.proposers == ("none", "none")
    assert config.disable is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("proposers = [", "llmcc.toml"),
        ("colour = 1", "unknown setting 'colour'"),
        ('baseline = "-O9"', "baseline: expected -O1"),
        ("disable = 3", "disable: expected true or false"),
        ("min_valid_inputs = 0", "min_valid_inputs: expected a whole number"),
    ],
)
def test_bad_file_names_the_file_and_setting(tmp_path, content, message):
    (tmp_path / "llmcc.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, environ={})


def test_bad_environment_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="LLMCC_DISABLE"):
        load(tmp_path, environ={"LLMCC_DISABLE": "maybe"})
