"""Builds with the model proposer and ``model_path``: the first compile starts llmcc's server
on a tiny GGUF, the others share it (make -j4: one server), the answers reach the verifier,
and the objects are gcc -O3's, also when the server is killed in the middle of the build."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from difftools import LLMCC
from tiny_gguf import write_tiny_gguf

from llmcc.propose import server

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="needs the model extra (llama-cpp-python)")

# a complete, wrong `sum` (it returns 0): it parses and assembles, the tests reject it
WRONG_SUM = ("```asm\n\t.text\n\t.p2align 4\n\t.globl\tsum\n\t.type\tsum, @function\nsum:\n"
             "\txorl\t%eax, %eax\n\tret\n\t.size\tsum, .-sum\n```\n")

UNIT = """\
unsigned f{n}(const unsigned *v, int n)
{{
    unsigned s = {n};
    for (int i = 0; i < n; i++)
        s = s * 31u + (v[i] ^ {n}u);
    return s;
}}
"""
MAKEFILE = """\
OBJS = u0.o u1.o u2.o u3.o
all: $(OBJS)
%.o: %.c
\t$(CC) -O3 -c $< -o $@
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gguf")
    return {"garbage": str(write_tiny_gguf(folder / "garbage.gguf")),
            "wrong_sum": str(write_tiny_gguf(folder / "wrong-sum.gguf", answer=WRONG_SUM))}


@pytest.fixture
def port(diff, monkeypatch):
    """A free port; server state under the test's folder, for llmcc and for this process."""
    monkeypatch.setenv("XDG_STATE_HOME", str(diff.tmp / "state"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        number = s.getsockname()[1]
    yield number
    server.stop(number)


def model_env(diff, model: str, port: int, **extra: str) -> dict[str, str]:
    return {"LLMCC_PROPOSERS": "model", "LLMCC_MODE": "sync", "LLMCC_MODEL": model,
            "LLMCC_MODEL_PORT": str(port), "LLMCC_MODEL_IDLE_S": "120",
            "LLMCC_MODEL_SAMPLES": "1", "LLMCC_MODEL_MAX_TOKENS": "24",
            "LLMCC_CACHE_DIR": str(diff.tmp / "cache"), "XDG_STATE_HOME": str(diff.tmp / "state"),
            **extra}


def judged(log: str) -> dict[str, tuple[int, str]]:
    """function -> (candidates, rejected outcomes) from the log's function lines."""
    return {name: (int(n), rejected) for name, n, rejected in re.findall(
        r"\bfunction source=\S+ function=(\w+) candidates=(\d+) chosen=- rejected=(\S+)", log)}


def test_garbage_answers_leave_gcc_s_object(project, models, port):
    args = ["-O3", "-c", "kernel.c", "-o", "kernel.o"]
    project.check(args, env=model_env(project, models["garbage"], port))
    log = project.log_text()
    assert project.outcomes() == ["unchanged"]
    assert log.count(" model_server action=started ") == 1
    assert judged(log) == {"sum": (0, "-"), "saxpy": (0, "-")}
    st = server.status(port)
    assert st is not None and st.requests == 2  # one sample for each function
    assert st.info.model == models["garbage"]


def test_a_wrong_answer_is_rejected_by_the_tests(project, models, port):
    args = ["-O3", "-c", "kernel.c", "-o", "kernel.o"]
    project.check(args, env=model_env(project, models["wrong_sum"], port))
    assert judged(project.log_text()) == {"sum": (1, "test_mismatch"), "saxpy": (0, "-")}


def test_make_j4_starts_one_server(diff, models, port):
    files = {f"u{n}.c": UNIT.format(n=n) for n in range(4)}
    diff.write({**files, "Makefile": MAKEFILE})
    env = model_env(diff, models["garbage"], port)
    ref = diff.gcc.run(["make", "-s", "-j4", "CC=gcc"], timeout=120)
    new = diff.llm.run(["make", "-s", "-j4", f"CC={LLMCC}"], env=env, timeout=120)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    diff.assert_same_tree()
    log = diff.log_text()
    assert diff.outcomes() == ["unchanged"] * 4
    assert log.count(" model_server action=started ") == 1, log
    assert sorted(judged(log)) == ["f0", "f1", "f2", "f3"]
    assert server.status(port).requests == 4


def test_server_killed_mid_build(diff, models, port):
    """The server dies while a compile waits for an answer: that compile and the rest of the
    build go on without the model, objects as gcc's; the log says why, once, and nothing
    starts the server again within the breaker's time."""
    files = {f"u{n}.c": UNIT.format(n=n) for n in range(4)}
    diff.write({**files, "Makefile": MAKEFILE})
    # many long answers: the first compile is still asking when the server dies
    env = model_env(diff, models["garbage"], port, LLMCC_MODEL_SAMPLES="200",
                    LLMCC_MODEL_MAX_TOKENS="64")
    killed: list[int] = []

    def kill_after_two_answers() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = server.status(port)
            if st is not None and st.requests >= 2:
                os.kill(st.info.pid, signal.SIGKILL)
                killed.append(st.info.pid)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_after_two_answers, daemon=True)
    killer.start()
    ref = diff.gcc.run(["make", "-s", "-j1", "CC=gcc"], timeout=120)
    new = diff.llm.run(["make", "-s", "-j1", f"CC={LLMCC}"], env=env, timeout=120)
    killer.join(timeout=60)
    assert killed, "the server never answered twice"
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    diff.assert_same_tree()
    log = diff.log_text()
    assert diff.outcomes() == ["unchanged"] * 4
    assert log.count(" model_server action=started ") == 1, log
    (down,) = re.findall(r" model_down url=\S+ reason=(.*)", log)
    assert "unreachable" in down or "dropped the connection" in down, down
    assert server.status(port) is None


def test_make_j4_with_a_model_llama_cpp_rejects(diff, models, port):
    """The first compile tries to start the server and fails; it logs why, the others learn
    it from the failure it left and do not try again; the build is gcc's."""
    files = {f"u{n}.c": UNIT.format(n=n) for n in range(4)}
    diff.write({**files, "Makefile": MAKEFILE})
    broken = diff.tmp / "broken.gguf"
    broken.write_bytes(Path(models["garbage"]).read_bytes()[:400])
    env = model_env(diff, str(broken), port)
    ref = diff.gcc.run(["make", "-s", "-j4", "CC=gcc"], timeout=120)
    new = diff.llm.run(["make", "-s", "-j4", f"CC={LLMCC}"], env=env, timeout=120)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    diff.assert_same_tree()
    log = diff.log_text()
    assert diff.outcomes() == ["unchanged"] * 4
    (failed,) = re.findall(r" model_server action=failed (.*)", log)
    assert f"reason=\"{broken}: llama.cpp cannot load this GGUF" in failed
    assert "action=started" not in log
    assert judged(log) == {f"f{n}": (0, "-") for n in range(4)}
