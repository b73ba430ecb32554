"""A proposer that was not heard (its server down, an exception, a budget too small to offer
anything) decides nothing: the failure is noted and counted, no decision is recorded, and a
later compile offers the function again; only a healthy proposer with nothing to offer is a
decision (llmcc issue 12, hole 6)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.cache.decisions import DecisionCache
from llmcc.cache.project import ProjectCache, Stat
from llmcc.cache.queue import pending
from llmcc.outcome import Outcome
from llmcc.propose import model as model_mod
from llmcc.propose.model import ModelProposer, ModelSettings
from llmcc.propose.variants import Variants
from llmcc.records import Candidate, Speedup

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "propose"))
from stub_server import Reply, StubServer

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

UNIT = """long sum(const int *v, int n)
{ long s = 0; for (int i = 0; i < n; i++) s += v[i] * 3; return s; }
"""


@pytest.fixture(autouse=True)
def _fresh_breaker():
    model_mod.forget_failures()
    yield
    model_mod.forget_failures()


@pytest.fixture
def unit(tmp_path):
    (tmp_path / "unit.c").write_text(UNIT)
    subprocess.run(["gcc", "-O3", "-S", "unit.c", "-o", "unit.s"], cwd=tmp_path, check=True)
    return parse_module((tmp_path / "unit.s").read_text())


class Flaky:
    """Raises while ``fail`` is set (a crash inside a proposer), else offers ``texts``."""

    name = "flaky"

    def __init__(self, fail: bool, texts: tuple[str, ...] = ()) -> None:
        self.fail = fail
        self.texts = texts
        self.calls = 0

    def propose(self, task, budget_s):
        self.calls += 1
        if self.fail:
            raise RuntimeError("connection refused")
        return [Candidate(task.name, text, f"flaky:{n}") for n, text in enumerate(self.texts)]


class Offering(Flaky):
    name = "offering"


def reject(candidate, task, evidence):
    return pipeline.Verdict(candidate, Outcome.NOT_FASTER, "timing", "stub")


def accept(candidate, task, evidence):
    return pipeline.Verdict(candidate, Outcome.ACCEPTED, "timing", "stub", Speedup(1.2))


def run(folder: Path, unit, proposers, budget_s: float = 30.0, stages=(reject,)):
    """One compile's pipeline; the decision cache is keyed by the same proposer ids every
    time (as a build's configuration would be), so only the outage differs."""
    cache = DecisionCache(ProjectCache(folder / "cache", folder), ("the-proposers",))
    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=proposers, source=str(folder / "unit.c"), compiler="gcc",
        flags=("-O3",), workdir=str(folder), budget_s=budget_s, cache=cache), list(stages))
    return result, cache


def recorded(folder: Path) -> list[dict]:
    return ProjectCache(folder / "cache", folder).decisions()


def test_an_exception_in_a_proposer_is_no_decision_and_the_function_is_offered_again(
        tmp_path, unit):
    flaky = Flaky(fail=True)
    result, cache = run(tmp_path, unit, [flaky])
    assert recorded(tmp_path) == []
    (decision,) = result.decisions
    assert not decision.final and result.unheard == ("sum",)
    assert decision.unheard["flaky"].outcome is Outcome.PROPOSER_FAILED
    assert any("proposer_failed: connection refused" in n for n in decision.notes)
    assert cache.counts[(Stat.UNHEARD, Outcome.PROPOSER_FAILED)] == 1
    flaky.fail = False  # recovered: the next compile asks again, and that one decides
    result, _ = run(tmp_path, unit, [flaky])
    assert flaky.calls == 2 and result.decisions[0].final and result.unheard == ()
    assert [r["function"] for r in recorded(tmp_path)] == ["sum"]
    run(tmp_path, unit, [flaky])
    assert flaky.calls == 2  # decided: not offered again


def test_a_budget_too_small_for_any_variant_is_no_decision(tmp_path, unit):
    variants = Variants()
    result, cache = run(tmp_path, unit, [variants], budget_s=0.001)
    assert recorded(tmp_path) == []
    (decision,) = result.decisions
    assert decision.unheard["variants"].outcome is Outcome.PROPOSER_CUT_SHORT
    assert cache.counts[(Stat.UNHEARD, Outcome.PROPOSER_CUT_SHORT)] == 1
    result, _ = run(tmp_path, unit, [variants], budget_s=60.0)
    (decision,) = result.decisions
    assert decision.final and decision.verdicts  # gcc's variants of `sum`, all judged
    assert len(recorded(tmp_path)) == 1


def test_a_budget_too_small_for_any_request_is_no_decision(tmp_path, unit):
    with StubServer([Reply("")]) as stub:
        model = ModelProposer(ModelSettings(url=stub.url, samples=1),
                              marker_dir=str(tmp_path / "markers"))
        result, _ = run(tmp_path, unit, [model], budget_s=0.01)
        assert stub.requests == [] and recorded(tmp_path) == []
        assert result.decisions[0].unheard["model"].outcome is Outcome.PROPOSER_CUT_SHORT
        result, _ = run(tmp_path, unit, [model], budget_s=10.0)
        assert len(stub.requests) == 1 and result.decisions[0].final
        assert len(recorded(tmp_path)) == 1  # a healthy server with nothing to offer


def test_one_proposer_failing_leaves_even_a_rejection_or_an_acceptance_undecided(
        tmp_path, unit):
    baseline = unit.function_text("sum")
    # the other proposer's candidate is rejected: the failed one was not heard
    result, _ = run(tmp_path, unit, [Flaky(fail=True), Offering(False, (baseline,))])
    assert recorded(tmp_path) == []
    (decision,) = result.decisions
    assert len(decision.verdicts) == 1 and not decision.final
    # accepted: used by this compile, yet still not recorded, so it is offered again
    result, _ = run(tmp_path, unit, [Flaky(fail=True), Offering(False, (baseline,))],
                    stages=(accept,))
    assert result.rewritten == ["sum"] and result.unheard == ("sum",)
    assert recorded(tmp_path) == []


# -- through builds ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def model_env(folder: Path, url: str, mode: str) -> dict[str, str]:
    return {**os.environ, "LLMCC_PROPOSERS": "model", "LLMCC_MODE": mode,
            "LLMCC_MODEL_URL": url, "LLMCC_MODEL_SAMPLES": "1",
            "LLMCC_CACHE_DIR": str(folder / "cache"), "LLMCC_LOG": str(folder / "llmcc.log")}


def llmcc(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([LLMCC, *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def breaker_expires(url: str) -> None:
    """What BREAKER_S seconds do: the marker the failing compile left is gone."""
    marker = ModelProposer(ModelSettings(url=url))._marker_path()
    assert os.path.exists(marker)  # the outage did trip the breaker
    os.unlink(marker)


def log_lines(folder: Path, event: str) -> list[str]:
    return [ln for ln in (folder / "llmcc.log").read_text().splitlines()
            if f" {event} " in ln]


def test_sync_build_outage_then_recovery(tmp_path):
    (tmp_path / "unit.c").write_text(UNIT)
    port = free_port()  # nothing listens there yet: the server is down
    url = f"http://127.0.0.1:{port}/v1"
    env = model_env(tmp_path, url, "sync")
    compile_ = ("-O2", "-c", "unit.c", "-o", "unit.o")
    llmcc(tmp_path, env, *compile_)
    assert recorded(tmp_path) == []
    (line,) = log_lines(tmp_path, "function")
    assert "function=sum" in line and "unheard=model:proposer_failed" in line
    assert "unreachable" in line
    stats = json.loads(llmcc(tmp_path, env, "cache", "stats", "--json").stdout)
    assert stats["counters"]["unheard:proposer_failed"] == 1
    assert len(pending(ProjectCache(tmp_path / "cache", tmp_path))) == 1  # for llmcc optimize
    breaker_expires(url)
    with StubServer([Reply("")], port=port) as stub:  # up again, with nothing to offer
        llmcc(tmp_path, env, *compile_)
        assert len(stub.requests) == 1  # the next compile offered `sum` again
        last = log_lines(tmp_path, "function")[-1]
        assert "function=sum" in last and "unheard=-" in last
        assert [r["function"] for r in recorded(tmp_path)] == ["sum"]
        llmcc(tmp_path, env, *compile_)
        assert len(stub.requests) == 1  # decided, and the object kept
        assert log_lines(tmp_path, "compile")[-1].count("outcome=cached") == 1


def test_async_outage_then_recovery(tmp_path):
    (tmp_path / "unit.c").write_text(UNIT)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    env = model_env(tmp_path, url, "async")
    project = ProjectCache(tmp_path / "cache", tmp_path)
    compile_ = ("-O2", "-c", "unit.c", "-o", "unit.o")
    llmcc(tmp_path, env, *compile_)
    assert len(pending(project)) == 1
    llmcc(tmp_path, env, "optimize")  # the server is down
    assert pending(project) == [] and recorded(tmp_path) == []
    llmcc(tmp_path, env, *compile_)  # the function is still undecided: queued again
    assert len(pending(project)) == 1
    breaker_expires(url)
    with StubServer([Reply("")], port=port) as stub:
        llmcc(tmp_path, env, "optimize")
        assert len(stub.requests) == 1
    assert [r["function"] for r in recorded(tmp_path)] == ["sum"]
    llmcc(tmp_path, env, *compile_)
    assert pending(project) == []  # decided: nothing left to queue
