"""`llmcc serve` and the server builds share: a real llama-cpp-python server on a tiny GGUF,
started, found, stopped, stopping itself when idle, one for many processes; the model proposer
against it; and the one-line errors for a file llama.cpp rejects, a busy port, no llama.cpp."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tiny_gguf import write_tiny_gguf

from llmcc.config import load
from llmcc.propose import model as model_mod
from llmcc.propose import server
from llmcc.propose.model import ModelProposer, ModelSettings
from llmcc.propose.server import ServerError, ServeSettings
from llmcc.records import FunctionTask

needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="needs the model extra (llama-cpp-python)")

# what the scripted model always says: a complete (wrong) version of `add`
ANSWER_ASM = ("\t.text\n\t.p2align 4\n\t.globl\tadd\n\t.type\tadd, @function\nadd:\n"
              "\tmovl\t%esi, %eax\n\tret\n\t.size\tadd, .-add\n")
ANSWER = f"Here you are:\n```asm\n{ANSWER_ASM}```\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    pytest.importorskip("gguf")
    pytest.importorskip("tokenizers")
    folder = tmp_path_factory.mktemp("gguf")
    return {"garbage": write_tiny_gguf(folder / "garbage.gguf"),
            "scripted": write_tiny_gguf(folder / "scripted.gguf", answer=ANSWER)}


@pytest.fixture
def state(tmp_path, monkeypatch):
    """Server state (and the breaker's markers) in the test's folder; servers started here
    inherit it."""
    folder = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    model_mod.forget_failures()
    yield folder / "llmcc"
    model_mod.forget_failures()


@pytest.fixture
def port(state):
    number = free_port()
    yield number
    server.stop(number)


def serve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmcc", "serve", *args], capture_output=True,
                          text=True, timeout=timeout)


def chat(url: str, text: str, **body) -> dict:
    payload = json.dumps({"messages": [{"role": "user", "content": text}], "max_tokens": 8,
                          **body}).encode()
    request = urllib.request.Request(url + "/chat/completions", data=payload,
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while server._alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- llmcc serve ---------------------------------------------------------------------------


@needs_llama
def test_serve_status_stop(models, port, state):
    model = models["scripted"]
    started = serve("--model", model, "--port", str(port), "--idle-s", "120")
    assert started.returncode == 0, started.stderr
    assert re.fullmatch(rf"serving {re.escape(model)} at http://127\.0\.0\.1:{port}/v1 "
                        r"\(pid \d+\), stops after 120 s without requests\n", started.stdout)
    info = server.read_info(port)
    assert info is not None and info.model == model and server._alive(info.pid)
    assert (state / "server" / f"port-{port}.json").is_file()

    again = serve("--model", model, "--port", str(port))
    assert again.returncode == 0
    assert again.stdout.startswith("already serving") and f"(pid {info.pid})" in again.stdout

    # the OpenAI-compatible API: the model list, and the scripted answer
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{info.url}/models", timeout=10) as response:
        assert json.loads(response.read())["data"][0]["id"] == "scripted.gguf"
    answer = chat(info.url, "make add faster", seed=3, temperature=0.7)
    assert answer["choices"][0]["message"]["content"] == ANSWER

    status = serve("--status", "--port", str(port))
    assert status.returncode == 0
    assert f"pid:         {info.pid}\n" in status.stdout
    assert "requests:    2\n" in status.stdout  # /llmcc/status itself is not counted

    stopped = serve("--stop", "--port", str(port))
    assert stopped.returncode == 0
    assert stopped.stdout == f"stopped the model server on port {port} (pid {info.pid}, {model})\n"
    assert gone(info.pid, 5)
    assert server.read_info(port) is None
    status = serve("--status", "--port", str(port))
    assert (status.returncode, status.stdout) == (3, f"no model server on port {port}\n")
    assert serve("--stop", "--port", str(port)).stdout == f"no model server on port {port}\n"


@needs_llama
def test_idle_server_stops_itself(models, port):
    info, started = server.ensure(ServeSettings(models["garbage"], port, idle_s=1.0))
    assert started
    assert server.status(port) is not None
    assert gone(info.pid, 15), "the idle server kept running"
    assert server.read_info(port) is None
    assert server.status(port) is None


@needs_llama
def test_requests_keep_an_idle_limited_server_alive(models, port):
    info, _ = server.ensure(ServeSettings(models["scripted"], port, idle_s=2.5))
    for _ in range(5):  # 5 s of requests, one a second
        time.sleep(1.0)
        chat(info.url, "hello")
    assert server._alive(info.pid)
    assert server.status(port).requests == 5


@needs_llama
def test_foreground_serves_until_sigterm(models, port, state):
    proc = subprocess.Popen([sys.executable, "-m", "llmcc", "serve", "--foreground", "--model",
                             models["scripted"], "--port", str(port), "--idle-s", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"at http://127.0.0.1:{port}/v1 (pid {proc.pid}); Ctrl-C stops it" in line
        assert chat(server.base_url(port), "x")["choices"][0]["message"]["content"] == ANSWER
        assert server.status(port).info.idle_s == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0
    assert server.read_info(port) is None


@needs_llama
def test_one_server_for_many_processes(models, port, state):
    """Four processes ask at once (make -j4): one starts the server, the others wait for it
    and share it."""
    code = ("import sys, json; from llmcc.propose import server; "
            "info, started = server.ensure(server.ServeSettings(sys.argv[1], int(sys.argv[2]), "
            "idle_s=60)); print(json.dumps([info.pid, started]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, models["garbage"], str(port)],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len({pid for pid, _ in results}) == 1
    assert sorted(started for _, started in results) == [False, False, False, True]


@needs_llama
def test_port_serving_another_model(models, port):
    server.ensure(ServeSettings(models["garbage"], port))
    with pytest.raises(ServerError, match=rf"port {port} serves .*garbage\.gguf, not "
                                          r".*scripted\.gguf: stop it"):
        server.ensure(ServeSettings(models["scripted"], port))


@needs_llama
def test_a_silent_server_is_not_replaced(models, port, monkeypatch):
    info, _ = server.ensure(ServeSettings(models["garbage"], port))
    monkeypatch.setattr(server, "_PROBE_S", 0.5)
    os.kill(info.pid, signal.SIGSTOP)
    try:
        with pytest.raises(ServerError, match=rf"the model server on port {port} \(pid "
                                              rf"{info.pid}\) does not answer within 0.5 s"):
            server.ensure(ServeSettings(models["garbage"], port))
    finally:
        os.kill(info.pid, signal.SIGCONT)
    assert server.ensure(ServeSettings(models["garbage"], port)) == (info, False)


# -- what cannot be served -----------------------------------------------------------------


@needs_llama
def test_gguf_that_llama_cpp_rejects(models, port, tmp_path, state):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(Path(models["garbage"]).read_bytes()[:400])  # GGUF magic, then cut
    result = serve("--model", str(broken), "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"llmcc serve: error: {broken}: llama.cpp cannot load this GGUF "
                             "(damaged, or an architecture this llama.cpp does not know)\n")
    assert server.read_info(port) is None
    assert server.status(port) is None
    # builds do not try again for a while (each try costs a process and a wait) ...
    with pytest.raises(ServerError, match="not tried again"):
        server.ensure(ServeSettings(str(broken), port))
    # ... while llmcc serve does, and a good model on the port is served at once
    assert server.ensure(ServeSettings(models["garbage"], port))[1]


@pytest.mark.parametrize("content, reason", [
    (None, "No such file or directory"),
    (b"PK\x03\x04 a zip", "not a GGUF file (it does not start with 'GGUF')"),
    ("folder", "is a folder, not a GGUF file"),
])
def test_not_a_gguf(tmp_path, state, content, reason):
    path = tmp_path / "model.gguf"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = serve("--model", str(path), "--port", str(free_port()))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"llmcc serve: error: {path}: {reason}\n"


def test_no_model_named(tmp_path, state):
    result = subprocess.run([sys.executable, "-m", "llmcc", "serve"], capture_output=True,
                            text=True, cwd=tmp_path,
                            env={k: v for k, v in os.environ.items() if k != "LLMCC_MODEL"})
    assert result.returncode == 1
    assert result.stderr == ("llmcc serve: error: no model: pass --model FILE.gguf or set "
                             "model_path / LLMCC_MODEL\n")


@needs_llama
def test_busy_port(models, state):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        number = busy.getsockname()[1]
        result = serve("--model", models["garbage"], "--port", str(number))
    assert result.returncode == 1
    assert result.stderr.startswith(f"llmcc serve: error: port {number} on 127.0.0.1 is in use")
    assert result.stderr.count("\n") == 1


def test_without_llama_cpp(models, port, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    with pytest.raises(ServerError, match=r"llama-cpp-python is not installed: pip install "
                                          r"'llmcc\[model\]'"):
        server.ensure(ServeSettings(models["garbage"], port))


def test_settings_from_config(tmp_path):
    config = load(tmp_path, environ={"LLMCC_MODEL": "m.gguf", "LLMCC_MODEL_PORT": "9000",
                                     "LLMCC_MODEL_IDLE_S": "0", "LLMCC_MODEL_CTX": "4096"})
    settings = ServeSettings.from_config(config)
    assert settings == ServeSettings(os.path.abspath("m.gguf"), 9000, 0.0, 4096, 120.0)
    assert settings.url == "http://127.0.0.1:9000/v1"
    model = ModelSettings.from_config(config)
    assert (model.url, model.serve) == (settings.url, settings)
    # a URL wins: llmcc serves nothing then
    config = load(tmp_path, environ={"LLMCC_MODEL": "m.gguf", "LLMCC_MODEL_URL": "http://h/v1"})
    assert ModelSettings.from_config(config).serve is None
    (tmp_path / "llmcc.toml").write_text('model_path = "models/m.gguf"\n')
    assert ServeSettings.from_config(load(tmp_path, environ={})).model \
        == str(tmp_path / "models" / "m.gguf")
    for env, value in [("LLMCC_MODEL_PORT", "0"), ("LLMCC_MODEL_PORT", "70000"),
                       ("LLMCC_MODEL_IDLE_S", "-1"), ("LLMCC_MODEL_CTX", "0")]:
        with pytest.raises(Exception, match=env):
            load(tmp_path, environ={env: value})


# -- the model proposer against the served model ---------------------------------------------


@pytest.fixture
def task(tmp_path) -> FunctionTask:
    from llmcc.asm.module import Module

    src = tmp_path / "unit.c"
    src.write_text("int add(int a, int b)\n{\n    return a + b;\n}\n")
    module = Module("\t.text\n\t.p2align 4\n\t.globl\tadd\n\t.type\tadd, @function\nadd:\n"
                    "\tleal\t(%rdi,%rsi), %eax\n\tret\n\t.size\tadd, .-add\n")
    work = tmp_path / "work"
    work.mkdir()
    return FunctionTask(module, module.function("add"), str(src), "gcc", ("-O3", "-c"),
                        str(work))


def proposer(model: str, port: int, tmp_path, **kw) -> ModelProposer:
    config = load(tmp_path, environ={"LLMCC_MODEL": model, "LLMCC_MODEL_PORT": str(port),
                                     "LLMCC_MODEL_IDLE_S": "60",
                                     "LLMCC_LOG": str(tmp_path / "llmcc.log")})
    return ModelProposer(ModelSettings.from_config(config)._replace(**kw))


@needs_llama
def test_proposer_starts_the_server_and_drops_garbage(models, port, task, tmp_path):
    p = proposer(models["garbage"], port, tmp_path, samples=3, max_tokens=16)
    assert server.status(port) is None
    assert p.propose(task, 60.0) == []
    assert p.last_error is None
    assert p.last_counts["requests"] == p.last_counts["answers"] == 3
    assert p.last_counts["no_assembly"] + p.last_counts["unparsable"] == 3
    assert server.status(port).requests == 3
    log = (tmp_path / "llmcc.log").read_text()
    assert re.search(rf"model_server action=started model=\S+garbage\.gguf port={port} pid=\d+",
                     log)


@needs_llama
def test_proposer_gets_the_scripted_answer(models, port, task, tmp_path):
    p = proposer(models["scripted"], port, tmp_path, samples=2, temperature=0.9)
    (cand,) = p.propose(task, 60.0)  # the second seed says the same: a duplicate
    assert cand.text == ANSWER_ASM
    assert cand.origin == "model:scripted.gguf:seed=0"
    assert p.last_counts["duplicate"] == 1
    # the completions endpoint too (the answer continues the primed fence)
    p = proposer(models["scripted"], port, tmp_path, samples=1, api="completions")
    p.propose(task, 60.0)
    assert p.last_counts["answers"] == 1


@needs_llama
def test_server_killed_trips_the_breaker_and_says_so_once(models, port, task, tmp_path):
    p = proposer(models["scripted"], port, tmp_path, samples=1)
    assert len(p.propose(task, 60.0)) == 1
    info = server.read_info(port)
    os.kill(info.pid, signal.SIGKILL)
    assert gone(info.pid, 5)
    assert p.propose(task, 60.0) == []
    assert "unreachable" in p.last_error
    assert p.propose(task, 60.0) == []  # not contacted again, not restarted
    assert "not contacted again" in p.last_error
    # another process within the breaker's time: no start, no request
    model_mod.forget_failures()
    other = proposer(models["scripted"], port, tmp_path, samples=1)
    assert other.propose(task, 60.0) == []
    assert "another process" in other.last_error
    assert server.status(port) is None
    log = (tmp_path / "llmcc.log").read_text()
    assert log.count(" model_down ") == 1
    assert log.count("model_server action=started") == 1


def test_proposer_without_llama_cpp_says_why_once(models, port, task, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    p = proposer(models["garbage"], port, tmp_path)
    for _ in range(3):
        assert p.propose(task, 10.0) == []
        assert p.last_error.startswith("model server not started: llama-cpp-python is not "
                                       "installed")
    log = (tmp_path / "llmcc.log").read_text()
    assert log.count("model_server action=failed") == 1
