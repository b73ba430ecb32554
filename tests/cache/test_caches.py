"""The cache as one compile opens it from the settings (llmcc.cache.caches): the object key
holds exactly the settings marked ``object_key``; decisions are keyed by what the caller
says of its proposers."""

from __future__ import annotations

import subprocess

import pytest

from llmcc import __version__, propose
from llmcc.asm import parse_module
from llmcc.asm.rename import normalized
from llmcc.cache.caches import open_caches
from llmcc.cache.decisions import DECISION_FORMAT, unit_context
from llmcc.cache.keys import compiler_identity, digest
from llmcc.config import SETTINGS, Settings, load
from llmcc.propose.prompt import PROMPT_VERSION
from llmcc.records import FunctionTask


@pytest.fixture
def unit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "unit.c").write_text("int f(int x) { return x * 3; }\n")
    return "unit.c"


def object_key(settings: Settings, source: str) -> str:
    caches = open_caches(settings, "gcc", objects=True)
    return caches.objects.direct_key(["-O2", "-c", source], source)


def test_a_setting_out_of_the_object_key_does_not_change_it(unit, tmp_path):
    settings = load(tmp_path, environ={"LLMCC_CACHE_DIR": str(tmp_path / "cache")})
    before = object_key(settings, unit)
    for changed in (settings.replace(log="off"), settings.replace(build_budget_s=5.0),
                    settings.replace(model_port=9000), settings.replace(temp_dir="/tmp"),
                    load(tmp_path, environ={"LLMCC_CACHE_DIR": str(tmp_path / "other")})):
        assert object_key(changed, unit) == before


def test_a_setting_in_the_object_key_changes_it(unit, tmp_path):
    settings = load(tmp_path, environ={"LLMCC_CACHE_DIR": str(tmp_path / "cache")})
    before = object_key(settings, unit)
    for changed in (settings.replace(baseline="-O2"), settings.replace(exclude_rewrites=("all",)),
                    settings.replace(model_url="http://127.0.0.1:9/v1")):
        assert object_key(changed, unit) != before


def test_every_setting_is_in_the_object_key_exactly_when_it_says_so(unit, tmp_path):
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    before = object_key(settings, unit)
    for setting in SETTINGS:
        if setting.key in ("cache_dir", "mode"):  # where the cache is; mode off opens none
            continue
        changed = settings.replace(**{setting.key: f"another {setting.key}"})
        assert (object_key(changed, unit) != before) is setting.object_key, setting.key


def test_no_cache_in_mode_off(tmp_path):
    assert open_caches(Settings(mode="off"), "gcc", objects=True) is None


def test_decisions_are_keyed_by_the_proposers_ids_then_the_prompt_version(unit, tmp_path):
    """The parts and their order are those of the keys before the cache stopped importing
    the prompt's version itself: decisions recorded then are found now."""
    settings = Settings(cache_dir=str(tmp_path / "cache"), proposers=("variants", "model"),
                        model_url="http://h/v1")
    assert propose.decision_identity(settings) == (("variants", "model[http://h/v1]"),
                                                   PROMPT_VERSION)
    caches = open_caches(settings, "gcc", objects=False)
    assert caches.objects is None
    decisions = caches.decisions(propose.decision_identity(settings))
    assert decisions.proposers == propose.decision_identity(settings)
    assert caches.decisions(()) is decisions  # made once per compile
    subprocess.run(["gcc", "-O3", "-S", unit, "-o", "unit.s"], cwd=tmp_path, check=True)
    module = parse_module((tmp_path / "unit.s").read_text())
    task = FunctionTask(module, module.function("f"), unit, "gcc", ("-O3",), str(tmp_path))
    assert decisions.key(task) == digest(
        "function", DECISION_FORMAT, __version__, normalized(task.baseline_text),
        unit_context(module, "f"), compiler_identity("gcc", caches.project.shared),
        ("-O3",), ("variants", "model[http://h/v1]"), PROMPT_VERSION, 10, 0.03)
    nobody = open_caches(Settings(cache_dir=str(tmp_path / "cache")), "gcc", objects=False)
    assert propose.decision_identity(Settings()) == ()
    assert nobody.decisions(()) is None
