"""The model proposer against a scripted OpenAI-compatible server: what it sends, what it keeps
of the answers, and that a missing, failing or hanging server costs a build almost nothing;
the shared prompt and the reading of answers."""

from __future__ import annotations

import socket
import time

import pytest
from stub_server import Reply, StubServer

from llmcc import propose
from llmcc.asm.module import Module
from llmcc.asm.parser import parse_statements
from llmcc.config import load
from llmcc.errors import ConfigError
from llmcc.propose import model as model_mod
from llmcc.propose.model import BREAKER_S, NO_MODEL, ModelProposer, ModelSettings
from llmcc.propose.prompt import (
    COMPLETION_PRIMER,
    DEFAULT_ISA,
    PROMPT_VERSION,
    PromptInput,
    c_function_source,
    chat_messages,
    completion_prompt,
    extract_assembly,
    target_isa,
    user_prompt,
)
from llmcc.records import FunctionTask

SOURCE = """\
#include <stdio.h>
#define TWICE(x) ((x) * 2) /* { */
static int helper(int x);
int add(int a, int b)
{
    /* a } in a comment, and "{" in a string: */
    const char *s = "}{";
    (void)s;
    return a + b;
}
int sum(const int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
"""

BASELINE = """\
\t.text
\t.p2align 4
\t.globl\tadd
\t.type\tadd, @function
add:
.LFB0:
\t.cfi_startproc
\tleal\t(%rdi,%rsi), %eax
\tret
\t.cfi_endproc
.LFE0:
\t.size\tadd, .-add
"""

# a different body for add (what a model might offer)
GOOD = """\
\t.text
\t.p2align 4
\t.globl\tadd
\t.type\tadd, @function
add:
\tmovl\t%edi, %eax
\taddl\t%esi, %eax
\tret
\t.size\tadd, .-add
"""

OTHER = GOOD.replace("movl\t%edi, %eax\n\taddl\t%esi, %eax", "movl\t%esi, %eax\n\taddl\t%edi, %eax")

CHATTY = f"Sure! Here is a faster version:\n\n```asm\n{GOOD}```\n\nIt avoids the lea.\n"


@pytest.fixture
def task(tmp_path) -> FunctionTask:
    src = tmp_path / "unit.c"
    src.write_text(SOURCE)
    module = Module(BASELINE)
    work = tmp_path / "work"
    work.mkdir()
    return FunctionTask(module, module.function("add"), str(src), "gcc",
                        ("-O3", "-march=haswell", "-c"), str(work))


@pytest.fixture(autouse=True)
def _fresh_breaker():
    model_mod.forget_failures()
    yield
    model_mod.forget_failures()


def proposer(url: str, tmp_path, **settings) -> ModelProposer:
    return ModelProposer(ModelSettings(url=url, **settings), marker_dir=str(tmp_path / "markers"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the proposer -------------------------------------------------------------------------


def test_good_answer_in_chatter_becomes_a_candidate(task, tmp_path):
    with StubServer([CHATTY]) as server:
        p = proposer(server.url, tmp_path, samples=1, name="tiny")
        (cand,) = p.propose(task, 10.0)
    assert cand.function == "add"
    assert cand.text == GOOD
    assert cand.origin == "model:tiny:seed=0"
    parse_statements(cand.text)
    assert not Module(cand.text).function("add").opaque
    assert p.last_error is None
    (req,) = server.requests
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "tiny"
    roles = [m["role"] for m in req.body["messages"]]
    assert roles == ["system", "user"]
    assert "leal\t(%rdi,%rsi), %eax" in req.body["messages"][1]["content"]


def test_bad_answers_are_dropped_and_counted(task, tmp_path):
    wrong_name = GOOD.replace("add", "plus")
    garbage = "```asm\nadd:\n\tmovl %edi, %eax,, !!\n\tret\n```"
    replies = ["", "I cannot help with that.", wrong_name, garbage, BASELINE, Reply(None),
               CHATTY, f"```\n{GOOD}```", OTHER]
    with StubServer(replies) as server:
        p = proposer(server.url, tmp_path, samples=len(replies))
        candidates = p.propose(task, 10.0)
    assert [c.text for c in candidates] == [GOOD, OTHER]
    assert [c.origin for c in candidates] == [f"model:{server.url}:seed=6",
                                              f"model:{server.url}:seed=8"]
    assert p.last_counts == {"requests": 9, "answers": 9, "no_assembly": 4, "unparsable": 1,
                             "baseline": 1, "duplicate": 1}
    assert p.last_error is None


def test_samples_are_seeds_with_the_temperature(task, tmp_path):
    with StubServer([CHATTY]) as server:
        p = proposer(server.url, tmp_path, samples=4, temperature=0.3, max_tokens=77)
        p.propose(task, 10.0)
    assert server.seeds() == [0, 1, 2, 3]
    for req in server.requests:
        assert req.body["temperature"] == 0.3
        assert req.body["max_tokens"] == 77
        assert "model" not in req.body  # no name configured: the server's default
        assert "n" not in req.body


def test_completions_endpoint(task, tmp_path):
    # the completion continues the primed fence: assembly, then the closing fence
    with StubServer([GOOD + "```\nDone."]) as server:
        p = proposer(server.url, tmp_path, samples=1, api="completions")
        (cand,) = p.propose(task, 10.0)
    assert cand.text == GOOD
    (req,) = server.requests
    assert req.path == "/v1/completions"
    assert req.body["prompt"].endswith(COMPLETION_PRIMER)
    assert "messages" not in req.body


def test_no_model_configured(task, tmp_path):
    p = proposer("", tmp_path)
    assert p.propose(task, 10.0) == []
    assert p.last_error == NO_MODEL


def test_server_not_running_trips_the_breaker(task, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    p = proposer(url, tmp_path, samples=4)
    start = time.monotonic()
    assert p.propose(task, 10.0) == []
    assert time.monotonic() - start < 2.0
    assert "unreachable" in p.last_error
    assert p.last_counts["requests"] == 1  # no sample after the first failure

    calls = []
    p._post_once = lambda *a: calls.append(a)  # would be contacted
    assert p.propose(task, 10.0) == []
    assert calls == []
    assert "not contacted" in p.last_error
    # another process (a new instance, this process forgot) honours the marker file
    model_mod.forget_failures()
    other = proposer(url, tmp_path)
    other._post_once = lambda *a: calls.append(a)
    assert other.propose(task, 10.0) == []
    assert calls == []
    assert "another process" in other.last_error


def test_marker_expires(task, tmp_path):
    with StubServer([CHATTY]) as server:
        p = proposer(server.url, tmp_path, samples=1)
        p._trip("scripted")
        model_mod.forget_failures()
        assert p.propose(task, 10.0) == []
        assert server.requests == []
        with open(p._marker_path(), "w") as fh:
            fh.write(f"{time.time() - BREAKER_S - 1} {server.url}\n")
        assert len(p.propose(task, 10.0)) == 1


def test_hanging_server_times_out_and_is_not_contacted_again(task, tmp_path):
    with StubServer([Reply(GOOD, delay_s=30)]) as server:
        p = proposer(server.url, tmp_path, samples=3, timeout_s=0.5)
        start = time.monotonic()
        assert p.propose(task, 20.0) == []
        took = time.monotonic() - start
        assert 0.4 < took < 2.0
        assert "timed out" in p.last_error
        assert len(server.requests) == 1
        assert p.propose(task, 20.0) == []
        assert len(server.requests) == 1


def test_silence_for_the_whole_budget_trips_the_breaker(task, tmp_path, monkeypatch):
    monkeypatch.setattr(model_mod, "SILENT_S", 0.3)
    with StubServer([Reply(GOOD, delay_s=30)]) as server:
        p = proposer(server.url, tmp_path, samples=3, timeout_s=60)
        short = proposer(server.url, tmp_path, samples=3, timeout_s=60)
        assert short.propose(task, 0.2) == []  # too short to tell: not the server's fault
        assert "budget spent" in short.last_error
        assert p.propose(task, 0.5) == []
        assert "timed out" in p.last_error
        assert len(server.requests) == 2
        assert p.propose(task, 0.5) == []
        assert len(server.requests) == 2


def test_budget_respected_without_blaming_the_server(task, tmp_path):
    with StubServer([Reply(CHATTY, delay_s=0.3)]) as server:
        p = proposer(server.url, tmp_path, samples=20, timeout_s=30)
        start = time.monotonic()
        candidates = p.propose(task, 1.0)
        took = time.monotonic() - start
        assert took < 1.5
        assert 2 <= len(server.requests) <= 4
        assert len(candidates) == 1  # the rest are duplicates
        assert "budget spent" in p.last_error
        # a slow server within its own time-out is not broken: it is asked again
        assert len(p.propose(task, 0.5)) == 1


def test_server_error_is_retried_once(task, tmp_path):
    with StubServer([Reply(status=500), CHATTY]) as server:
        p = proposer(server.url, tmp_path, samples=1)
        (cand,) = p.propose(task, 10.0)
    assert cand.text == GOOD
    assert server.seeds() == [0, 0]


def test_persistent_errors_end_the_function_not_the_server(task, tmp_path):
    with StubServer([Reply(status=503), Reply(status=503), CHATTY]) as server:
        p = proposer(server.url, tmp_path, samples=3)
        assert p.propose(task, 10.0) == []
        assert "HTTP 503" in p.last_error
        assert len(server.requests) == 2
        assert len(p.propose(task, 10.0)) == 1  # the next function asks again
    with StubServer([Reply(status=400)]) as server:
        p = proposer(server.url, tmp_path, samples=3)
        assert p.propose(task, 10.0) == []
        assert "HTTP 400" in p.last_error
        assert len(server.requests) == 1  # a rejected prompt is not retried
    with StubServer([Reply(raw=b"<html>")]) as server:
        p = proposer(server.url, tmp_path, samples=1)
        assert p.propose(task, 10.0) == []
        assert "not JSON" in p.last_error


def test_registered_and_configured(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMCC_MODEL_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("LLMCC_MODEL_SAMPLES", "2")
    monkeypatch.setenv("LLMCC_MODEL_API", "completions")
    monkeypatch.setenv("LLMCC_PROPOSERS", "model")
    (p,) = propose.load(load())
    assert p.name == "model"
    assert p.settings == ModelSettings(url="http://127.0.0.1:9/v1", api="completions",
                                       samples=2)


def test_settings_defaults_and_errors(tmp_path):
    config = load(tmp_path, environ={})
    assert ModelSettings.from_config(config) == ModelSettings()
    config = load(tmp_path, environ={"LLMCC_MODEL_TEMPERATURE": "0", "LLMCC_MODEL_NAME": "q",
                                     "LLMCC_MODEL_TIMEOUT_S": "2.5",
                                     "LLMCC_MODEL_MAX_TOKENS": "100"})
    settings = ModelSettings.from_config(config)
    assert (settings.temperature, settings.name, settings.timeout_s, settings.max_tokens) \
        == (0.0, "q", 2.5, 100)
    for env, value in [("LLMCC_MODEL_API", "rest"), ("LLMCC_MODEL_SAMPLES", "0"),
                       ("LLMCC_MODEL_TEMPERATURE", "-1"), ("LLMCC_MODEL_TIMEOUT_S", "0")]:
        with pytest.raises(ConfigError, match=env):
            load(tmp_path, environ={env: value})


# -- the prompt ---------------------------------------------------------------------------


def test_prompt_holds_the_function_its_assembly_and_the_isa(task):
    assert isinstance(PROMPT_VERSION, int | str)
    inp = PromptInput.from_task(task)
    assert inp.c_source.startswith("int add(int a, int b)\n{")
    assert inp.c_source.endswith("return a + b;\n}")
    text = user_prompt(inp)
    assert inp.c_source in text
    assert "int sum(" not in text and "helper" not in text
    assert BASELINE.strip() in text
    assert "-march=haswell" in text
    assert "```asm fenced block" in text
    assert "`add`" in text and "global" in text
    system, user = chat_messages(task)
    assert system["role"] == "system" and user == {"role": "user", "content": text}
    assert completion_prompt(task).endswith(COMPLETION_PRIMER)
    assert text in completion_prompt(task)


def test_target_isa():
    assert target_isa(("-O3", "-c")) == DEFAULT_ISA
    assert target_isa(("-O2", "-march=x86-64-v3", "-mno-avx512f", "-MD")) \
        == "-march=x86-64-v3 -mno-avx512f"


def test_c_function_source():
    assert c_function_source(SOURCE, "sum").startswith("int sum(const int *p, int n) {")
    assert c_function_source(SOURCE, "sum").endswith("return s; }")
    # a gcc clone's symbol names the C function before its first dot
    assert c_function_source(SOURCE, "add.constprop.0").startswith("int add(")
    # not defined here (only declared): a short file stands in whole, a long one not at all
    assert c_function_source(SOURCE, "helper") == SOURCE
    assert c_function_source(SOURCE + "/*" + "x" * 9000 + "*/", "helper") == ""
    kr = "static inline __attribute__((noinline)) unsigned\nf (unsigned x)\n{ return x; }\n"
    assert c_function_source("int f(unsigned);\nint g = 1;\n" + kr, "f") == kr.strip()
    assert c_function_source("int f(int x) { return x;\n", "f") == "int f(int x) { return x;\n"


# -- reading answers ----------------------------------------------------------------------


@pytest.mark.parametrize("fence", ["asm", "s", "gas", "", "x86asm", "assembly"])
def test_extract_from_fences(fence):
    assert extract_assembly(f"Here:\n```{fence}\n{GOOD}```\nBye", "add") == GOOD


def test_extract_picks_the_block_defining_the_function():
    text = (f"First a helper:\n```asm\nhelper:\n\tret\n```\nThe original:\n```asm\n{BASELINE}```\n"
            f"Faster:\n```asm\n{GOOD}```\n```c\nint add(int a, int b);\n```\n")
    assert extract_assembly(text, "add") == GOOD
    assert extract_assembly(text, "helper") == "helper:\n\tret\n"


def test_extract_tolerates_missing_fences_and_crlf():
    assert extract_assembly(f"```asm\n{GOOD}", "add") == GOOD  # cut off: no closing fence
    assert extract_assembly(f"{GOOD}```\nThat's all.", "add") == GOOD  # no opening fence
    crlf = f"Sure.\r\n```asm\r\n{GOOD}```\r\n".replace("\n", "\r\n").replace("\r\r", "\r")
    assert extract_assembly(crlf, "add") == GOOD
    # no fences at all: the run of assembly around the label, not the chatter
    loose = f"Here is the code:\n\n{GOOD}\nThis is faster because\nit avoids lea.\n"
    assert extract_assembly(loose, "add") == GOOD


def test_extract_none_without_the_label():
    assert extract_assembly("", "add") is None
    assert extract_assembly("I can't do that.", "add") is None
    assert extract_assembly(f"```asm\n{GOOD}```", "ad") is None
    assert extract_assembly(f"```asm\n{GOOD}```", "plus") is None
    assert extract_assembly("call add\n# add: not a label", "add") is None
    assert extract_assembly("```asm\nadd.cold:\n\tud2\n```", "add") is None
