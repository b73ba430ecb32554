"""Effective settings: defaults, then llmcc.toml (found walking up), then LLMCC_* variables.

Each value remembers where it came from, for `llmcc config`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from llmcc.errors import ConfigError

CONFIG_FILE = "llmcc.toml"
MODES = ("async", "sync", "cache-only", "off")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _names(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"expected a list of names, got {value!r}")
    return tuple(str(i).strip() for i in items if str(i).strip())


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(value) < 1:
        raise ValueError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


def _float_within(accept: Callable[[float], bool], expected: str) -> Callable[[Any], float]:
    """A converter to a float that ``accept`` takes, else ValueError ``expected ...``."""

    def convert(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")  # accepted by no range
        if isinstance(value, bool) or not accept(number):
            raise ValueError(f"expected {expected}, got {value!r}")
        return number

    return convert


_fraction = _float_within(lambda x: 0 <= x < 1, "a fraction from 0 to below 1 (0.03 = 3%)")
_positive_float = _float_within(lambda x: 0 < x < float("inf"), "a number above 0")
_temperature = _float_within(lambda x: 0 <= x <= 5, "a temperature from 0 to 5")
_limit_float = _float_within(lambda x: 0 <= x < float("inf"),
                             "a number of 0 or more (0 = no limit)")


def _limit_int(value: Any) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(f"expected a whole number of 0 or more (0 = no limit), got {value!r}")
    return int(value)


def _opt_level(value: Any) -> str:
    text = str(value).strip()
    if text not in ("-O1", "-O2", "-O3", "-Ofast", "keep"):
        raise ValueError(f"expected -O1, -O2, -O3, -Ofast or keep, got {value!r}")
    return text


def _port(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"expected a port number from 1 to 65535, got {value!r}")
    return int(text)


def _model_api(value: Any) -> str:
    text = str(value).strip()
    if text not in ("chat", "completions"):
        raise ValueError(f"expected chat or completions, got {value!r}")
    return text


def _mode(value: Any) -> str:
    text = str(value).strip()
    if text not in MODES:
        raise ValueError(f"expected one of {', '.join(MODES)}, got {value!r}")
    return text


def parse_size(value: Any) -> int:
    """``500M``, ``2G``, ``1048576`` as bytes (binary units)."""
    text = str(value).strip().upper().removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        size = int(float(number) * scale)
    except ValueError:
        size = -1
    if isinstance(value, bool) or size < 1:
        raise ValueError(f"expected a size such as 500M or 2G, got {value!r}")
    return size


def _text(value: Any) -> str:
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a string, got {value!r}")
    return str(value)


class Setting(NamedTuple):
    key: str
    env: str
    default: Any
    convert: Callable[[Any], Any]
    help: str
    is_path: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("disable", "LLMCC_DISABLE", False, _bool,
            "make llmcc a pure pass-through to the compiler"),
    Setting("compiler", "LLMCC_CC", "gcc", _text,
            "the real compiler when none is named on the command line"),
    Setting("baseline", "LLMCC_BASELINE", "-O3", _opt_level,
            "optimization level of the baseline that rewrites must beat ('keep' = the user's)"),
    Setting("proposers", "LLMCC_PROPOSERS", ("none",), _names,
            "comma-separated proposer names; 'none' runs the pipeline with no proposer"),
    Setting("min_valid_inputs", "LLMCC_MIN_VALID_INPUTS", 10, _positive_int,
            "generated inputs the baseline must survive before a rewrite can be accepted"),
    Setting("min_effect", "LLMCC_MIN_EFFECT", 0.03, _fraction,
            "the least speedup that counts: a rewrite must be faster by this fraction with "
            "95% confidence"),
    Setting("mode", "LLMCC_MODE", "async", _mode,
            "async: builds use what the cache knows and queue the rest for `llmcc optimize`; "
            "sync: optimize during the build; cache-only: queue nothing; off: no cache"),
    Setting("cache_dir", "LLMCC_CACHE_DIR", "", _text,
            "where the cache lives ('' = the user cache folder)", is_path=True),
    Setting("cache_max_size", "LLMCC_CACHE_MAX_SIZE", 2 << 30, parse_size,
            "the cache's size limit, least recently used entries go first (e.g. 500M, 2G)"),
    Setting("max_functions", "LLMCC_MAX_FUNCTIONS", 8, _positive_int,
            "functions of one translation unit offered to proposers, loops and larger first"),
    Setting("unit_budget_s", "LLMCC_UNIT_BUDGET_S", 120.0, _positive_float,
            "seconds one translation unit may spend proposing and judging"),
    Setting("build_max_functions", "LLMCC_BUILD_MAX_FUNCTIONS", 0, _limit_int,
            "functions one build may offer to proposers, over all its compiles, make -j "
            "included (0 = no limit); the rest stay gcc's. One build = compiles with no pause "
            "longer than build_gap_s between them"),
    Setting("build_budget_s", "LLMCC_BUILD_BUDGET_S", 0.0, _limit_float,
            "seconds one build may spend proposing and judging, summed over its compiles "
            "(0 = no limit); no function is started once they are spent"),
    Setting("build_gap_s", "LLMCC_BUILD_GAP_S", 300.0, _positive_float,
            "a pause without compiles this long ends a build: the next compile starts the "
            "build budget afresh"),
    Setting("profile_only", "LLMCC_PROFILE_ONLY", False, _bool,
            "with a profile from `llmcc profile`, offer only functions it has samples of "
            "(without one, the default policy)"),
    Setting("check_build", "LLMCC_CHECK_BUILD", "", _text,
            "llmcc check: the command that rebuilds the project (e.g. 'make clean all')"),
    Setting("check_test", "LLMCC_CHECK_TEST", "", _text,
            "llmcc check: the command that tests it (e.g. 'make test'); exit 0 = pass"),
    Setting("test_program", "LLMCC_TEST_PROGRAM", "", _text,
            "llmcc check: a built program run on each case of test_cases", is_path=True),
    Setting("test_cases", "LLMCC_TEST_CASES", "", _text,
            "llmcc check: a folder of NAME.in files with the NAME.out each must print",
            is_path=True),
    Setting("exclude_rewrites", "LLMCC_EXCLUDE_REWRITES", (), _names,
            "decision keys (or prefixes) whose rewrites builds leave out ('all' = every "
            "one); llmcc check sets it while it looks for a culprit, llmcc bench for its A"),
    Setting("bench_program", "LLMCC_BENCH_PROGRAM", "", _text,
            "llmcc bench: the program the build (check_build) makes and the benchmark runs",
            is_path=True),
    Setting("bench_command", "LLMCC_BENCH_COMMAND", "", _text,
            "llmcc bench: the benchmark, with {} for the program (e.g. '{} < big.input')"),
    Setting("log", "LLMCC_LOG", "", _text,
            "log file ('' = default in the user log directory, 'off' = no log)", is_path=True),
    Setting("temp_dir", "LLMCC_TEMP_DIR", "", _text,
            "where per-invocation temporary directories go ('' = system default)",
            is_path=True),
    Setting("model_url", "LLMCC_MODEL_URL", "", _text,
            "base URL of an OpenAI-compatible server for the 'model' proposer, e.g. "
            "http://127.0.0.1:8000/v1 ('' = none)"),
    Setting("model_api", "LLMCC_MODEL_API", "chat", _model_api,
            "endpoint the 'model' proposer uses: chat (/chat/completions) or completions"),
    Setting("model_name", "LLMCC_MODEL_NAME", "", _text,
            "the model named in requests ('' = the server's default)"),
    Setting("model_samples", "LLMCC_MODEL_SAMPLES", 4, _positive_int,
            "answers requested per function, one seed each"),
    Setting("model_temperature", "LLMCC_MODEL_TEMPERATURE", 0.7, _temperature,
            "sampling temperature of the model's answers"),
    Setting("model_max_tokens", "LLMCC_MODEL_MAX_TOKENS", 2048, _positive_int,
            "the longest answer, in tokens"),
    Setting("model_timeout_s", "LLMCC_MODEL_TIMEOUT_S", 60.0, _positive_float,
            "seconds one request may take; a server that fails, times out or answers nothing "
            "in 10 s of a function's budget is not contacted again by this process (nor by "
            "others for 60 s)"),
    Setting("model_grammar", "LLMCC_MODEL_GRAMMAR", False, _bool,
            "hold the model's answers to the assembly grammar: each request carries a GBNF "
            "grammar derived from it (llama.cpp's 'grammar' field; other servers may ignore "
            "it)"),
    Setting("model_path", "LLMCC_MODEL", "", _text,
            "a GGUF file that llmcc serves itself (llmcc serve) when model_url is empty: "
            "a build that needs the model starts the server, later compiles share it",
            is_path=True),
    Setting("model_port", "LLMCC_MODEL_PORT", 8477, _port,
            "the loopback port of the server llmcc starts for model_path"),
    Setting("model_idle_s", "LLMCC_MODEL_IDLE_S", 600.0, _limit_float,
            "the server llmcc starts stops after this many seconds without requests "
            "(0 = never)"),
    Setting("model_ctx", "LLMCC_MODEL_CTX", 8192, _positive_int,
            "the served model's context window in tokens (prompt and answer together)"),
    Setting("model_start_s", "LLMCC_MODEL_START_S", 120.0, _positive_float,
            "seconds to wait for the served model to load before a build goes on without it"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


class Value(NamedTuple):
    value: Any
    source: str  # "default", a file path, or an environment variable name


class Config:
    """The effective settings of one invocation."""

    def __init__(self, values: dict[str, Value], file: Path | None) -> None:
        self._values = values
        self.file = file

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key].value
        except KeyError:
            raise AttributeError(key) from None

    def items(self) -> list[tuple[Setting, Value]]:
        return [(s, self._values[s.key]) for s in SETTINGS]


def find_config_file(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the effective configuration; raise ConfigError naming the bad file or variable."""
    cwd = cwd or Path.cwd()
    environ = os.environ if environ is None else environ
    values = {s.key: Value(s.default, "default") for s in SETTINGS}
    file = find_config_file(cwd)
    if file is not None:
        import tomllib

        try:
            data = tomllib.loads(file.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{file}: {exc}") from None
        for key, raw in data.items():
            setting = _BY_KEY.get(key)
            if setting is None:
                known = ", ".join(_BY_KEY)
                raise ConfigError(f"{file}: unknown setting {key!r} (known: {known})")
            value = _convert(setting, raw, str(file))
            if setting.is_path and value and value != "off":
                value = str((file.parent / value).resolve())
            values[key] = Value(value, str(file))
    for setting in SETTINGS:
        if setting.env in environ:
            values[setting.key] = Value(
                _convert(setting, environ[setting.env], setting.env), setting.env
            )
    return Config(values, file)


def _convert(setting: Setting, raw: Any, where: str) -> Any:
    try:
        return setting.convert(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {setting.key}: {exc}") from None
