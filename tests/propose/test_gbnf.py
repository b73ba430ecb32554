"""The GBNF grammar derived from gas.lark: llama.cpp reads it; it takes what gcc writes
(checked by an independent recognizer and by llama.cpp's own grammar engine, token by
token); what it generates the parser reads (strings sampled from it, and a tiny model
decoding under it); and the model proposer sends it when model_grammar is on."""

from __future__ import annotations

import ctypes
import importlib.util
import math
import random
import subprocess
from pathlib import Path

import pytest
from gbnf_check import Grammar
from stub_server import StubServer

from llmcc.asm.ebnf import Alt, GrammarDefinition, Repeat, Seq, Sym, Terminal
from llmcc.asm.module import parse_module
from llmcc.asm.parser import parse_statements
from llmcc.config import load
from llmcc.errors import AsmParseError
from llmcc.propose import gbnf, proposer_ids
from llmcc.propose.model import ModelProposer, ModelSettings
from llmcc.records import FunctionTask

CORPUS = Path(__file__).parent.parent / "corpus"
needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="needs the model extra (llama-cpp-python)")
WS_RULES = frozenset({"ws", "ws1"})


def fenced(text: str) -> str:
    return gbnf.FENCE_OPEN + text + gbnf.FENCE_CLOSE


def body_of(answer: str) -> str:
    assert answer.startswith(gbnf.FENCE_OPEN), answer
    return answer[len(gbnf.FENCE_OPEN):].removesuffix(gbnf.FENCE_CLOSE)


def parses(text: str) -> bool:
    try:
        parse_statements(text)
    except AsmParseError:
        return False
    return True


@pytest.fixture(scope="module")
def functions() -> list[tuple[str, str]]:
    """(name, assembly) of every function gcc -O3 writes for a few corpus files, plain and
    with -g and AVX2 (debug lines, VEX operands)."""
    out = []
    for source, flags in (("001_switch_jumptable.c", ["-O3"]),
                          ("075_cold_noreturn.c", ["-O3"]),
                          ("008_avx_intrinsics.c", ["-O3", "-g", "-march=x86-64-v3"]),
                          ("073_json_escape.c", ["-O3", "-fPIC"])):
        asm = subprocess.run(["gcc", *flags, "-S", str(CORPUS / source), "-o", "-"],
                             capture_output=True, text=True, check=True).stdout
        module = parse_module(asm)
        out += [(name, module.function_text(name)) for name in module.functions]
    assert len(out) >= 8
    return out


# -- what gcc writes is in the grammar ---------------------------------------------------------

def test_every_gcc_function_is_in_the_grammar_that_pins_its_label(functions):
    for name, text in functions:
        assert Grammar(gbnf.grammar(function=name)).accepts(fenced(text)), name
    # the label is required: another function's text is not an answer for this one
    (name, _), (_, other) = functions[0], functions[1]
    assert not Grammar(gbnf.grammar(function=name)).accepts(fenced(other))


def test_the_answer_formats():
    text = "\tmovl\t$1, %eax\n\tret\n"
    chat, completion = Grammar(gbnf.grammar(True)), Grammar(gbnf.grammar(False))
    assert chat.accepts(fenced(text))
    assert not chat.accepts(text + gbnf.FENCE_CLOSE)
    assert completion.accepts(text + gbnf.FENCE_CLOSE)
    assert not completion.accepts(fenced(text))
    assert not chat.accepts(gbnf.FENCE_OPEN + text)  # unclosed


# where the lexer decides, the grammar must agree with the parser on what is one statement
AGREE = [
    ("\tmovl\t$1, %eax", True), ("movl $1,%eax", True), ("addl1,%eax", False),
    ("lock", True), ("lock %eax", False), ("rep movsb", True), ("lock addl $1, (%rdi)", True),
    ("call foo", True), ("movl %fs:0, %eax", True), ("movl 8(%rax,%rbx,4), %eax", True),
    ("jmp *%rax", True), ("jmp 1b", True), ("x: .long 1b-2f", True), (".L1:", True),
    (".foo:,a", False), (".byte 1,,2", True), ('.string "a,b;#c"', True), ("nop;nop", True),
    ("movl .+4, %eax", True), ("vaddps %zmm0, %zmm1, %zmm2{%k1}{z}", True),
    ("movl $-~1, %eax", True), ("movl %eax,", False), ("0x:", False), ("fld %st(1)", True),
    ("movl $1, %eax # c ; d", True), ("movl %eax %ebx", False), ("\t.cfi_startproc", True),
    ("movl (%rax %rbx), %eax", False), ('"a b":', True), ("1:\n\tjmp 1b", True),
]


@pytest.mark.parametrize("text,valid", AGREE)
def test_grammar_and_parser_agree_where_lexing_decides(text, valid):
    assert parses(text) is valid  # the table itself is right about the parser
    assert Grammar(gbnf.grammar()).accepts(fenced(text)) is valid


# -- what the grammar generates is what the parser reads --------------------------------------

def test_strings_sampled_from_the_grammar_parse():
    grammar = Grammar(gbnf.grammar(function="f"))
    rng = random.Random(20240605)
    operands = 0
    for _ in range(250):
        answer = grammar.sample(rng, gbnf.ALPHABET, budget=rng.choice([40, 150, 400]),
                                more=rng.choice([0.5, 0.8]), terse=WS_RULES)
        text = body_of(answer)
        statements = parse_statements(text)  # raises on a string the parser does not read
        assert "f:" in text
        operands += sum(bool(getattr(s.body, "operands", ())) for s in statements)
    assert operands >= 10  # the sample reaches instructions with operands


# -- the derivation itself ---------------------------------------------------------------------

def _definition(rules, terminals, contexts=()) -> GrammarDefinition:
    terms = tuple(Terminal(n, r, 0) for n, r in terminals)
    return GrammarDefinition("start", rules, terms, ("WS",),
                             tuple(frozenset(c) for c in contexts))


def test_left_recursion_becomes_repetition_and_the_lexer_is_respected():
    # start: start "+" pair | pair;  pair: atom atom? "!";  KW is tried before NAME
    rules = {"start": Alt((Seq((Sym("start", False), Sym("PLUS", True), Sym("pair", False))),
                           Sym("pair", False))),
             "pair": Seq((Sym("atom", False), Repeat(Sym("atom", False), 0, 1),
                          Sym("BANG", True))),
             "atom": Alt((Sym("NUM", True), Sym("KW", True), Sym("NAME", True)))}
    terminals = [("KW", "nil(?![a-z])"), ("NAME", "[a-z]+"), ("NUM", "[0-9]+"),
                 ("PLUS", r"\+"), ("BANG", "!"), ("WS", "[ ]+")]
    w = gbnf._Writer(_definition(rules, terminals, [{"KW", "NAME", "NUM", "WS"}]))
    lines = w.base_lines()
    g = Grammar("\n".join(["root ::= start", *lines]) + "\n")
    assert "start ::= pair (ws PLUS ws pair (ws PLUS ws pair)*)?" in lines
    assert g.accepts("1 2!+abc 1!+ nil x ! + nilx!")
    assert g.accepts("abcdef!")  # one NAME
    assert not g.accepts("12!+")
    # two names, or two numbers, written together are one token: where atoms meet, a
    # space is required (also between a name and a number, a price of per-rule seams)
    assert "pair ::= atom (ws1 atom)? ws BANG" in lines
    assert not g.accepts("abc1!")
    # the keyword is no NAME: the NAME terminal alone does not take "nil"
    name_only = Grammar("\n".join(["root ::= NAME", *lines]) + "\n")
    assert not name_only.accepts("nil")
    assert name_only.accepts("nile")


def test_what_gbnf_cannot_say_is_an_error():
    terminals = [("A", "(?<=x)a"), ("WS", " ")]
    with pytest.raises(gbnf.GrammarTranslationError, match="terminal A"):
        gbnf._Writer(_definition({"start": Sym("A", True)}, terminals))
    with pytest.raises(gbnf.GrammarTranslationError, match="left-recursive"):
        left = Seq((Repeat(Sym("A", True), 0, 1), Sym("start", False), Sym("A", True)))
        gbnf._Writer(_definition({"start": Alt((left, Sym("A", True)))},
                                 [("A", "a"), ("WS", " ")]))


# -- llama.cpp -------------------------------------------------------------------------------

@needs_llama
def test_llama_cpp_reads_every_form_of_the_grammar():
    import llama_cpp

    def reads(text: str) -> bool:
        sampler = llama_cpp.llama_sampler_init_grammar(None, text.encode(), b"root")
        if not sampler:
            return False
        llama_cpp.llama_sampler_free(sampler)
        return True

    for text in (gbnf.grammar(True), gbnf.grammar(False), gbnf.grammar(True, "tk_hash")):
        assert reads(text)
    # the check can fail: llama.cpp refuses left recursion and unknown rules
    assert not reads(gbnf.grammar() + "loop ::= loop \"a\" | \"b\"\n")
    assert not reads(gbnf.grammar().replace("ws1 ::=", "ws2 ::="))


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    llama_cpp = pytest.importorskip("llama_cpp")
    from tiny_gguf import write_tiny_gguf

    path = write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf")
    llm = llama_cpp.Llama(path, n_ctx=1024, verbose=False, seed=0)
    yield llm
    llm.close()


def _engine_accepts(llm, grammar: str, text: str) -> bool:
    """llama.cpp's grammar sampler on the model's tokens of ``text``, then end of text:
    each token must keep a finite logit."""
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    assert sampler
    one = (llama_cpp.llama_token_data * 1)()
    try:
        for tok in [*llm.tokenize(text.encode(), add_bos=False, special=False),
                    llm.token_eos()]:
            one[0].id, one[0].logit, one[0].p = tok, 0.0, 0.0
            candidates = llama_cpp.llama_token_data_array(one, 1, -1, False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(candidates))
            if math.isinf(one[0].logit):
                return False
            if tok != llm.token_eos():
                llama_cpp.llama_sampler_accept(sampler, tok)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


def test_llama_cpp_engine_takes_gcc_functions(tiny_llama, functions):
    short = sorted(functions, key=lambda f: len(f[1]))[:6]
    for name, text in short:
        assert _engine_accepts(tiny_llama, gbnf.grammar(function=name), fenced(text)), name
    name, text = short[0]
    broken = text.replace("\tret\n", "\tret,\n", 1)
    assert broken != text and not parses(broken)
    assert not _engine_accepts(tiny_llama, gbnf.grammar(function=name), fenced(broken))
    assert not _engine_accepts(tiny_llama, gbnf.grammar(function=name), gbnf.FENCE_OPEN + text)


def test_a_tiny_model_decoding_under_the_grammar_writes_what_the_parser_reads(tiny_llama):
    import llama_cpp

    llm = tiny_llama
    grammar = llama_cpp.LlamaGrammar.from_string(gbnf.grammar())
    token = {c: llm.tokenize(c.encode(), add_bos=False, special=False)[0] for c in "\n`"}
    # random weights: a push towards line ends and the closing fence ends answers early
    bias = {token["\n"]: 2.0, token["`"]: 4.0}
    complete = 0
    for seed in range(6):
        out = llm.create_completion("Rewrite add:\n", max_tokens=300, temperature=1.0,
                                    seed=seed, grammar=grammar, logit_bias=bias)
        answer = out["choices"][0]["text"]
        text = body_of(answer)
        if out["choices"][0]["finish_reason"] == "stop":
            complete += 1
            assert answer.endswith(gbnf.FENCE_CLOSE)
        else:  # cut at max_tokens: the whole lines so far
            text = text[:text.rfind("\n") + 1]
        assert parses(text), answer
    assert complete >= 3
    # the same model without the grammar writes no assembly
    free = llm.create_completion("Rewrite add:\n", max_tokens=100, temperature=1.0, seed=0)
    assert not parses(free["choices"][0]["text"])


# -- the proposer and the setting --------------------------------------------------------------

BASELINE = "\t.text\n\t.globl\tadd\n\t.type\tadd, @function\nadd:\n\tleal\t(%rdi,%rsi), %eax" \
           "\n\tret\n\t.size\tadd, .-add\n"


@pytest.mark.parametrize("api,opening", [("chat", True), ("completions", False)])
def test_the_proposer_sends_the_grammar_when_asked(tmp_path, api, opening):
    module = parse_module(BASELINE)
    task = FunctionTask(module, module.function("add"), str(tmp_path / "add.c"), "gcc",
                        ("-O3",), str(tmp_path))
    with StubServer(["no answer"]) as server:
        for on in (False, True):
            settings = ModelSettings(url=server.url, api=api, samples=1, grammar=on)
            ModelProposer(settings, marker_dir=str(tmp_path)).propose(task, 10.0)
        without, with_grammar = (r.body for r in server.requests)
    assert "grammar" not in without
    sent = with_grammar["grammar"]
    assert sent == gbnf.grammar(fenced=opening, function="add")
    assert sent.startswith('root ::= "```asm\\n"') is opening
    assert '"add:"' in sent


class _Answers(ModelProposer):
    """The model proposer, keeping its raw answers for the test."""

    answers: list[str]

    def answer(self, body, deadline, answered=False):
        text = super().answer(body, deadline, answered)
        self.answers.append(text or "")
        return text


@needs_llama
def test_a_served_model_answers_within_the_grammar(tmp_path):
    """llama-cpp-python's server applies the field the proposer sends: every answer opens
    the fence and, up to where max_tokens cut it, stays within the grammar."""
    import socket

    from tiny_gguf import write_tiny_gguf

    from llmcc.propose import server
    from llmcc.propose.server import ServeSettings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = ServeSettings(write_tiny_gguf(tmp_path / "tiny.gguf"), port, idle_s=60,
                          ctx=32768)
    module = parse_module(BASELINE)
    task = FunctionTask(module, module.function("add"), str(tmp_path / "add.c"), "gcc",
                        ("-O3",), str(tmp_path))
    answers = {}
    try:
        for on in (False, True):
            proposer = _Answers(ModelSettings(url=serve.url, serve=serve, samples=3,
                                              max_tokens=48, grammar=on),
                                marker_dir=str(tmp_path / "markers"))
            proposer.answers = []
            proposer.propose(task, 120.0)
            assert proposer.last_error is None or "budget" not in proposer.last_error
            answers[on] = proposer.answers
    finally:
        server.stop(port)
    assert len(answers[True]) == 3
    assert not any(a.startswith(gbnf.FENCE_OPEN) for a in answers[False])
    checker = Grammar(gbnf.grammar(function="add"))
    for answer in answers[True]:
        assert answer.startswith(gbnf.FENCE_OPEN)
        assert set(answer) <= set(gbnf.ALPHABET)
        assert checker.accepts_prefix(answer), answer


def test_the_setting_and_the_cache_key(tmp_path):
    config = load(tmp_path, {"LLMCC_MODEL_GRAMMAR": "1", "LLMCC_PROPOSERS": "variants,model"})
    assert ModelSettings.from_config(config).grammar is True
    assert proposer_ids(config) == ("variants", "model+grammar")
    plain = load(tmp_path, {"LLMCC_PROPOSERS": "none,model"})
    assert ModelSettings.from_config(plain).grammar is False
    assert proposer_ids(plain) == ("model",)
    # which model is part of the identity: another server, name or GGUF is another key
    url = {"LLMCC_PROPOSERS": "model", "LLMCC_MODEL_URL": "http://127.0.0.1:8000/v1/"}
    assert proposer_ids(load(tmp_path, url)) == ("model[http://127.0.0.1:8000/v1]",)
    named = load(tmp_path, {**url, "LLMCC_MODEL_NAME": "qwen"})
    assert proposer_ids(named) == ("model[qwen@http://127.0.0.1:8000/v1]",)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + bytes(60))
    served = proposer_ids(load(tmp_path, {"LLMCC_PROPOSERS": "model",
                                          "LLMCC_MODEL": str(gguf)}))
    gguf.write_bytes(b"GGUF" + bytes(61))  # retrained in place
    assert served != proposer_ids(load(tmp_path, {"LLMCC_PROPOSERS": "model",
                                                   "LLMCC_MODEL": str(gguf)}))
    assert served[0].startswith(f"model[{gguf}:64:")
