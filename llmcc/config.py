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
    # part of the object cache's key (cache.objects): can it change what an object holds?
    object_key: bool = True


def _setting(env: str, default: Any, convert: Callable[[Any], Any], help: str, *,
             object_key: bool, is_path: bool = False) -> Any:
    """One row of the table in Settings (its name comes from the attribute); ``object_key``
    says whether it belongs in the object key (each row says why above it)."""
    return Setting("", env, default, convert, help, is_path, object_key)


class Value(NamedTuple):
    value: Any
    source: str  # "default", a file path, or an environment variable name


class Settings:
    """The effective settings of one invocation, read once (``load``) and passed down: one
    typed, read-only attribute per setting. The class's attributes are the table of
    settings (a Setting each: variable, default, conversion, help, and whether it belongs
    in the object key, with the reason above it); ``file`` is the llmcc.toml read (None
    when none was found), ``sources`` says where each value came from (a setting not named
    there has its default). A plain class, not a dataclass: every compile reads the
    settings, and dataclasses would cost it more than the rest of this module."""

    # in the object key? no: a disabled llmcc passes compiles to gcc and keeps no object
    disable: bool = _setting(
        "LLMCC_DISABLE", False, _bool,
        "make llmcc a pure pass-through to the compiler", object_key=False)
    # no: it names a compiler; the one a compile runs is in the key by its identity
    compiler: str = _setting(
        "LLMCC_CC", "gcc", _text,
        "the real compiler when none is named on the command line", object_key=False)
    # yes: the code rewrites start from and must beat
    baseline: str = _setting(
        "LLMCC_BASELINE", "-O3", _opt_level,
        "optimization level of the baseline that rewrites must beat ('keep' = the user's)",
        object_key=True)
    # yes: who offers rewrites
    proposers: tuple[str, ...] = _setting(
        "LLMCC_PROPOSERS", ("none",), _names,
        "comma-separated proposer names; 'none' runs the pipeline with no proposer",
        object_key=True)
    # yes: what a rewrite must pass to be accepted
    min_valid_inputs: int = _setting(
        "LLMCC_MIN_VALID_INPUTS", 10, _positive_int,
        "generated inputs the baseline must survive before a rewrite can be accepted",
        object_key=True)
    # yes: what a rewrite must gain to be accepted
    min_effect: float = _setting(
        "LLMCC_MIN_EFFECT", 0.03, _fraction,
        "the least speedup that counts: a rewrite must be faster by this fraction with "
        "95% confidence", object_key=True)
    # yes: whether a build decides functions or only uses decisions made before
    mode: str = _setting(
        "LLMCC_MODE", "async", _mode,
        "async: builds use what the cache knows and queue the rest for `llmcc optimize`; "
        "sync: optimize during the build; cache-only: queue nothing; off: no cache",
        object_key=True)
    # no: where the cache is
    cache_dir: str = _setting(
        "LLMCC_CACHE_DIR", "", _text,
        "where the cache lives ('' = the user cache folder)", is_path=True, object_key=False)
    # no: how much the cache keeps
    cache_max_size: int = _setting(
        "LLMCC_CACHE_MAX_SIZE", 2 << 30, parse_size,
        "the cache's size limit, least recently used entries go first (e.g. 500M, 2G)",
        object_key=False)
    # yes: how many of a unit's functions are offered
    max_functions: int = _setting(
        "LLMCC_MAX_FUNCTIONS", 8, _positive_int,
        "functions of one translation unit offered to proposers, loops and larger first",
        object_key=True)
    # yes: how long a unit may decide, so which of its functions are offered
    unit_budget_s: float = _setting(
        "LLMCC_UNIT_BUDGET_S", 120.0, _positive_float,
        "seconds one translation unit may spend proposing and judging", object_key=True)
    # no (the build budget's three): what a budget cut off is queued, and llmcc optimize
    # drops the objects once it has decided
    build_max_functions: int = _setting(
        "LLMCC_BUILD_MAX_FUNCTIONS", 0, _limit_int,
        "functions one build may offer to proposers, over all its compiles, make -j "
        "included (0 = no limit); the rest stay gcc's. One build = compiles with no pause "
        "longer than build_gap_s between them", object_key=False)
    build_budget_s: float = _setting(
        "LLMCC_BUILD_BUDGET_S", 0.0, _limit_float,
        "seconds one build may spend proposing and judging, summed over its compiles "
        "(0 = no limit); no function is started once they are spent", object_key=False)
    build_gap_s: float = _setting(
        "LLMCC_BUILD_GAP_S", 300.0, _positive_float,
        "a pause without compiles this long ends a build: the next compile starts the "
        "build budget afresh", object_key=False)
    # yes: which functions are offered
    profile_only: bool = _setting(
        "LLMCC_PROFILE_ONLY", False, _bool,
        "with a profile from `llmcc profile`, offer only functions it has samples of "
        "(without one, the default policy)", object_key=True)
    # no (llmcc check's four): what llmcc check runs, not what a compile makes
    check_build: str = _setting(
        "LLMCC_CHECK_BUILD", "", _text,
        "llmcc check: the command that rebuilds the project (e.g. 'make clean all')",
        object_key=False)
    check_test: str = _setting(
        "LLMCC_CHECK_TEST", "", _text,
        "llmcc check: the command that tests it (e.g. 'make test'); exit 0 = pass",
        object_key=False)
    test_program: str = _setting(
        "LLMCC_TEST_PROGRAM", "", _text,
        "llmcc check: a built program run on each case of test_cases", is_path=True,
        object_key=False)
    test_cases: str = _setting(
        "LLMCC_TEST_CASES", "", _text,
        "llmcc check: a folder of NAME.in files with the NAME.out each must print",
        is_path=True, object_key=False)
    # yes: which rewrites an object leaves out
    exclude_rewrites: tuple[str, ...] = _setting(
        "LLMCC_EXCLUDE_REWRITES", (), _names,
        "decision keys (or prefixes) whose rewrites builds leave out ('all' = every "
        "one); llmcc check sets it while it looks for a culprit, llmcc bench for its A",
        object_key=True)
    # no (llmcc bench's two): what llmcc bench runs, not what a compile makes
    bench_program: str = _setting(
        "LLMCC_BENCH_PROGRAM", "", _text,
        "llmcc bench: the program the build (check_build) makes and the benchmark runs",
        is_path=True, object_key=False)
    bench_command: str = _setting(
        "LLMCC_BENCH_COMMAND", "", _text,
        "llmcc bench: the benchmark, with {} for the program (e.g. '{} < big.input')",
        object_key=False)
    # no: where events are written
    log: str = _setting(
        "LLMCC_LOG", "", _text,
        "log file ('' = default in the user log directory, 'off' = no log)", is_path=True,
        object_key=False)
    # no: where scratch files go
    temp_dir: str = _setting(
        "LLMCC_TEMP_DIR", "", _text,
        "where per-invocation temporary directories go ('' = system default)",
        is_path=True, object_key=False)
    # yes (this and the next eight): which model is asked, how, and for what
    model_url: str = _setting(
        "LLMCC_MODEL_URL", "", _text,
        "base URL of an OpenAI-compatible server for the 'model' proposer, e.g. "
        "http://127.0.0.1:8000/v1 ('' = none)", object_key=True)
    model_api: str = _setting(
        "LLMCC_MODEL_API", "chat", _model_api,
        "endpoint the 'model' proposer uses: chat (/chat/completions) or completions",
        object_key=True)
    model_name: str = _setting(
        "LLMCC_MODEL_NAME", "", _text,
        "the model named in requests ('' = the server's default)", object_key=True)
    model_samples: int = _setting(
        "LLMCC_MODEL_SAMPLES", 4, _positive_int,
        "answers requested per function, one seed each", object_key=True)
    model_temperature: float = _setting(
        "LLMCC_MODEL_TEMPERATURE", 0.7, _temperature,
        "sampling temperature of the model's answers", object_key=True)
    model_max_tokens: int = _setting(
        "LLMCC_MODEL_MAX_TOKENS", 2048, _positive_int,
        "the longest answer, in tokens", object_key=True)
    # (a request the budget cut short after some answers leaves the rest out, heard)
    model_timeout_s: float = _setting(
        "LLMCC_MODEL_TIMEOUT_S", 60.0, _positive_float,
        "seconds one request may take; a server that fails, times out or answers nothing "
        "in 10 s of a function's budget is not contacted again by this process (nor by "
        "others for 60 s)", object_key=True)
    model_grammar: bool = _setting(
        "LLMCC_MODEL_GRAMMAR", False, _bool,
        "hold the model's answers to the assembly grammar: each request carries a GBNF "
        "grammar derived from it (llama.cpp's 'grammar' field; other servers may ignore "
        "it)", object_key=True)
    model_path: str = _setting(
        "LLMCC_MODEL", "", _text,
        "a GGUF file that llmcc serves itself (llmcc serve) when model_url is empty: "
        "a build that needs the model starts the server, later compiles share it",
        is_path=True, object_key=True)
    # no: where the served model listens
    model_port: int = _setting(
        "LLMCC_MODEL_PORT", 8477, _port,
        "the loopback port of the server llmcc starts for model_path", object_key=False)
    # no: when the served model stops
    model_idle_s: float = _setting(
        "LLMCC_MODEL_IDLE_S", 600.0, _limit_float,
        "the server llmcc starts stops after this many seconds without requests "
        "(0 = never)", object_key=False)
    # yes: a smaller window cuts what the model is shown and may answer
    model_ctx: int = _setting(
        "LLMCC_MODEL_CTX", 8192, _positive_int,
        "the served model's context window in tokens (prompt and answer together)",
        object_key=True)
    # no: a model that does not start in time is not heard, and then no object is kept
    model_start_s: float = _setting(
        "LLMCC_MODEL_START_S", 120.0, _positive_float,
        "seconds to wait for the served model to load before a build goes on without it",
        object_key=False)

    file: Path | None
    sources: Mapping[str, str]

    def __init__(self, file: Path | None = None, sources: Mapping[str, str] | None = None,
                 **values: Any) -> None:
        unknown = values.keys() - _BY_KEY.keys()
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        for s in SETTINGS:
            object.__setattr__(self, s.key, values.get(s.key, s.default))
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "sources", dict(sources or {}))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are read-only ({name}): use replace()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"settings are read-only ({name})")

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (their source: "replace")."""
        return Settings(self.file, {**self.sources, **dict.fromkeys(changes, "replace")},
                        **{**self._values(), **changes})

    def _values(self) -> dict[str, Any]:
        return {s.key: getattr(self, s.key) for s in SETTINGS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(tuple(self._values().items()))

    def __repr__(self) -> str:
        changed = ", ".join(f"{s.key}={getattr(self, s.key)!r}" for s in SETTINGS
                            if getattr(self, s.key) != s.default)
        return f"Settings({changed})"

    def items(self) -> list[tuple[Setting, Value]]:
        """Every setting with its value and where that came from, for `llmcc config`."""
        return [(s, Value(getattr(self, s.key), self.sources.get(s.key, "default")))
                for s in SETTINGS]

    def object_key(self) -> tuple[tuple[str, Any], ...]:
        """The settings that can change what a compile's object holds, as (name, value)
        pairs in table order: their part of the object cache's key (cache.objects)."""
        return tuple((s.key, getattr(self, s.key)) for s in SETTINGS if s.object_key)


SETTINGS: tuple[Setting, ...] = tuple(row._replace(key=name)
                                      for name, row in vars(Settings).items()
                                      if isinstance(row, Setting))
for _row in SETTINGS:
    setattr(Settings, _row.key, _row)  # Settings.baseline: the table's row, named
_BY_KEY = {s.key: s for s in SETTINGS}


def find_config_file(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the effective settings; raise ConfigError naming the bad file or variable."""
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
    return Settings(file, {k: v.source for k, v in values.items()},
                    **{k: v.value for k, v in values.items()})


def _convert(setting: Setting, raw: Any, where: str) -> Any:
    try:
        return setting.convert(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {setting.key}: {exc}") from None
