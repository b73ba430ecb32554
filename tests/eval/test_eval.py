"""`llmcc eval`: the metrics on hand-made samples, and whole evaluations with the variants
proposer, a scripted OpenAI-compatible server, a tiny Hugging Face model and a served GGUF."""

from __future__ import annotations

import importlib.util
import json
import math
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from reward_cases import answers, build_task

from llmcc.config import load
from llmcc.dataset.records import write_tasks
from llmcc.errors import LlmccError
from llmcc.eval.metrics import Sample, compute
from llmcc.eval.run import evaluate
from llmcc.eval.samplers import ServerSampler, VariantsSampler, sampler_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "propose"))
from stub_server import StubServer


def _s(task, i, outcome="accepted", *, compiled=True, correct=True, changed=True,
       faster=False, speedup=None, low=None, high=None) -> Sample:
    return Sample(task, i, outcome, "timing", compiled, correct, changed, faster, speedup,
                  low, high, 0.0)


def test_metrics_never_clamp_and_show_the_research_clamp_beside():
    by_task = {
        # a 2x win, accepted, beside a wrong answer
        "a": [_s("a", 0, faster=True, speedup=2.0, low=1.8, high=2.2),
              _s("a", 1, "test_mismatch", correct=False)],
        # correct but slower, and a copy
        "b": [_s("b", 0, "slower", speedup=0.5, low=0.45, high=0.55),
              _s("b", 1, "not_faster", changed=False)],
        # nothing usable
        "c": [_s("c", 0, "parse_error", compiled=False, correct=False),
              _s("c", 1, "assemble_error", compiled=False, correct=False)],
    }
    m = compute(by_task)
    assert (m["tasks"], m["samples"]) == (3, 6)
    assert m["per_sample"] == {"compile_rate": 4 / 6, "pass_rate": 3 / 6,
                               "correct_and_changed_rate": 2 / 6, "optimized_rate": 1 / 6}
    assert m["per_task"] == {"pass_at_k": 2 / 3, "correct_and_changed_at_k": 2 / 3,
                             "optimized_at_k": 1 / 3}
    # honest: the slower answer counts as the 0.5 it is
    assert m["speedup"]["timed_samples"] == 2
    assert m["speedup"]["geomean"] == pytest.approx(1.0)
    assert m["speedup"]["median"] == pytest.approx(1.25)
    assert m["speedup"]["shipped_geomean"] == pytest.approx(2 ** (1 / 3))
    # the research: best correct per task, at least 1 (the copy makes b's 1.0), c counts 1
    assert m["research"]["clamped_mean_speedup"] == pytest.approx((2 + 1 + 1) / 3)
    assert m["perfrl"]["opt_percent"] == pytest.approx(100 / 3)
    assert m["perfrl"]["sp"] == pytest.approx(4 / 3)
    assert m["perfrl"]["rtr_percent"] == pytest.approx(100 * 0.5 / 3)


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    return build_task(tmp_path_factory.mktemp("eval"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMCC_REWARD_CACHE", str(tmp_path / "rewards"))


def test_a_scripted_server_with_known_good_and_bad_answers(task, cache):
    by_name = answers(task)
    script = [by_name["fast"], by_name["broken"], by_name["copy"], by_name["garbage"]]
    with StubServer(script) as server:
        sampler = ServerSampler(server.url, temperature=0.5, max_tokens=64)
        try:
            result = evaluate([task], sampler, 4, workers=1)
        finally:
            sampler.close()
        assert server.seeds() == [0, 1, 2, 3]
        body = server.requests[0].body
        assert body["messages"] == task["messages"] and body["max_tokens"] == 64
    m = result.metrics
    assert m["per_sample"] == {"compile_rate": 0.75, "pass_rate": 0.5,
                               "correct_and_changed_rate": 0.25, "optimized_rate": 0.25}
    assert m["per_task"]["optimized_at_k"] == 1.0
    assert m["speedup"]["timed_samples"] == 1 and m["speedup"]["geomean"] > 1.5
    assert [s.outcome for s in result.samples] == ["accepted", "test_mismatch", "not_faster",
                                                   "parse_error"]


def test_the_completions_endpoint_gets_the_completion_prompt(task, cache):
    fast = answers(task)["fast"].split("```asm\n", 1)[1]  # a completion continues the fence
    with StubServer([fast]) as server:
        sampler = ServerSampler(server.url, api="completions")
        try:
            result = evaluate([task], sampler, 1, workers=1)
        finally:
            sampler.close()
        body = server.requests[0].body
        assert body["prompt"] == task["prompt"] and body["stop"] == ["\n```"]
    assert result.samples[0].faster


def test_variants_on_a_few_tasks(task, cache):
    sampler = VariantsSampler()
    result = evaluate([task], sampler, 2, workers=2)
    assert 1 <= result.metrics["samples"] <= 2
    for s in result.samples:  # gcc's own code under other settings is always correct
        assert s.compiled and s.correct and s.changed and s.speedup is not None
        assert s.ci_low <= s.speedup <= s.ci_high


def _eval(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmcc", "eval", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_table_json_and_bad_input(task, tmp_path, cache):
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(str(tasks), [{**task, "split": "eval"}])  # eval: the default split
    by_name = answers(task)
    with StubServer([by_name["copy"], by_name["garbage"]]) as server:
        table = _eval("--model", server.url, "--data", str(tasks), "--samples", "2",
                      cwd=tmp_path)
    with StubServer([by_name["copy"], by_name["garbage"]]) as server:
        as_json = _eval("--model", server.url, "--data", str(tasks), "--samples", "2",
                        "--json", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "passes every test" in table.stdout and "PerfRL %OPT" in table.stdout
    assert "popcount.c:bits" in table.stdout
    data = json.loads(as_json.stdout)
    assert data["per_sample"]["pass_rate"] == 0.5 and data["samples_per_task"] == 2
    assert [a["outcome"] for a in data["answers"]] == ["not_faster", "parse_error"]

    down = f"http://127.0.0.1:{free_port()}/v1"
    failed = _eval("--model", down, "--data", str(tasks), cwd=tmp_path)
    assert failed.returncode == 1
    (line,) = failed.stderr.strip().splitlines()
    assert line.startswith("llmcc eval: error: model server ") and down in line

    for args, message in [
        (("--model", "variants", "--data", str(tmp_path / "none.jsonl")), "no such file"),
        (("--model", "variants", "--data", str(tasks), "--split", "train"),
         "no task in the train split"),
        (("--model", str(tmp_path), "--data", str(tasks)), "not a Hugging Face model folder"),
        (("--model", "nonsense", "--data", str(tasks)), "expected variants, an http(s) URL"),
        (("--model", str(tasks.with_suffix(".gguf")), "--data", str(tasks)), "gguf"),
    ]:
        bad = _eval(*args, cwd=tmp_path)
        assert bad.returncode == 1, args
        (line,) = bad.stderr.strip().splitlines()
        assert line.startswith("llmcc eval: error: ") and message in line, line


needs_train = pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                                 reason="needs the train extra (torch, transformers)")
needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="needs the model extra (llama-cpp-python)")


@needs_train
def test_a_hugging_face_folder_is_sampled_with_transformers(task, tmp_path, cache):
    from tiny_hf import build_tiny_llama

    folder = tmp_path / "tiny"
    build_tiny_llama(folder)
    sampler = sampler_for(str(folder), load(), max_tokens=12)
    result = evaluate([task], sampler, 2, workers=1)
    assert result.metrics["samples"] == 2
    # an untrained model's answers are no usable assembly: judged, not crashed on
    assert all(not s.correct for s in result.samples)
    assert all(math.isfinite(s.reward) for s in result.samples)


def test_a_folder_that_does_not_load_names_itself(tmp_path):
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "config.json").write_text("{ not json")
    if importlib.util.find_spec("transformers") is None:
        pytest.skip("needs transformers")
    with pytest.raises(LlmccError, match=f"{folder}: the model does not load"):
        sampler_for(str(folder), load())


@needs_llama
def test_a_gguf_served_by_llmcc_serve(task, tmp_path, cache, monkeypatch):
    from tiny_gguf import write_tiny_gguf

    from llmcc.propose import server

    port = free_port()
    monkeypatch.setenv("LLMCC_MODEL_PORT", str(port))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    model = write_tiny_gguf(tmp_path / "fast.gguf", answer=answers(task)["fast"])
    sampler = sampler_for(model, load(), max_tokens=1024)
    try:
        result = evaluate([task], sampler, 1, workers=1)
    finally:
        sampler.close()
    assert server.status(port) is None  # the evaluation stopped the server it started
    (s,) = result.samples
    assert s.faster, s
