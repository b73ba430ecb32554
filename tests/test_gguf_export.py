"""`llmcc export --gguf`: tiny Hugging Face llama and qwen2 checkpoints become GGUFs whose
logits, greedy continuations and tokenization match transformers', that `llmcc serve` serves
to the model proposer; bad folders are one-line errors that leave no file behind."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("needs the model extra (llama-cpp-python)", allow_module_level=True)

from tiny_hf import build_tiny_llama, build_tokenizer

from llmcc.config import load
from llmcc.gguf_export import ExportError, export

IDS = [5, 77, 300, 12, 9, 100, 200, 31, 64, 7]
TEXTS = ["\tmovl\t%edi, %eax\n\taddl\t%esi, %eax\n\tret\n",
         "int add(int a, int b) { return a + b; }  // 123456 héllo",
         "Rewrite the x86-64 assembly:\n```asm\nadd:\n```"]


def sharpen(folder: Path) -> None:
    """Scale queries and keys (and the output) up: with the tiny random init attention is
    nearly uniform, and a wrong rotary layout would go unnoticed in the logits."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.q_proj.weight.mul_(40)
            layer.self_attn.k_proj.weight.mul_(40)
        model.lm_head.weight.mul_(20)
    model.save_pretrained(folder)


def build_tiny_qwen2(folder: Path) -> Path:
    """A tiny Qwen2ForCausalLM: q/k/v biases, tied embeddings, no rotary permutation."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = build_tokenizer()
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=4096, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(1)
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.q_proj.weight.mul_(40)
            layer.self_attn.k_proj.weight.mul_(40)
            layer.self_attn.q_proj.bias.normal_(0, 1)
            layer.self_attn.k_proj.bias.normal_(0, 1)
        model.model.embed_tokens.weight.mul_(20)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    llama = Path(build_tiny_llama(root / "llama"))
    sharpen(llama)
    return {"llama": llama, "qwen2": build_tiny_qwen2(root / "qwen2")}


def hf_logits(folder: Path, ids: list[int]):
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


def gguf_logits(path: str, ids: list[int]):
    import llama_cpp
    import numpy as np

    llm = llama_cpp.Llama(path, n_ctx=64, logits_all=True, verbose=False)
    try:
        llm.eval(ids)
        logits = np.array(llm.scores[:len(ids)])
        llm.reset()
        greedy = []
        for token in llm.generate(ids, temp=0.0, reset=True):
            greedy.append(token)
            if len(greedy) == 6:
                break
        return logits, greedy
    finally:
        llm.close()


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_exported_model_computes_what_transformers_computes(checkpoints, tmp_path, arch):
    import numpy as np

    out = tmp_path / f"{arch}.gguf"
    result = export(str(checkpoints[arch]), str(out), outtype="f32")
    assert result.arch == arch and result.path == str(out)
    assert result.tensors == (21 if arch == "llama" else 26)  # qwen2: 6 biases, no output
    ref = hf_logits(checkpoints[arch], IDS)
    got, greedy = gguf_logits(str(out), IDS)
    tolerance = 2e-3 * np.abs(ref).max()
    assert np.abs(ref).max() > 2.0  # sharp enough for the comparison to mean something
    assert np.abs(got - ref).max() < tolerance
    assert (got.argmax(-1) == ref.argmax(-1)).all()
    # llama.cpp's greedy continuation is transformers' too: each token it chose is the best
    # (up to the tolerance: two near-equal logits may swap) after the tokens before it
    after = hf_logits(checkpoints[arch], IDS + greedy)[len(IDS) - 1:-1]
    for row, token in zip(after, greedy, strict=True):
        assert row[token] >= row.max() - tolerance
    # 16-bit weights: the same choices, logits a little further off
    half = export(str(checkpoints[arch]), str(tmp_path / "half.gguf"))
    assert half.bytes < result.bytes
    got16, _ = gguf_logits(half.path, IDS)
    assert np.abs(got16 - ref).max() < 0.05 * np.abs(ref).max()


def test_without_the_permutation_llama_is_wrong(checkpoints, tmp_path, monkeypatch):
    """The comparison above can fail: llama's q/k rows in Hugging Face's order are wrong."""
    import numpy as np

    from llmcc import gguf_export

    monkeypatch.setattr(gguf_export, "permute_rows", lambda weights, heads: weights)
    out = tmp_path / "unpermuted.gguf"
    export(str(checkpoints["llama"]), str(out), outtype="f32")
    ref = hf_logits(checkpoints["llama"], IDS)
    got, _ = gguf_logits(str(out), IDS)
    assert np.abs(got - ref).max() > 0.1 * np.abs(ref).max()


def test_tokenizer_matches(checkpoints, tmp_path):
    import llama_cpp
    from transformers import AutoTokenizer

    out = tmp_path / "llama.gguf"
    export(str(checkpoints["llama"]), str(out))
    tokenizer = AutoTokenizer.from_pretrained(checkpoints["llama"])
    llm = llama_cpp.Llama(str(out), vocab_only=True, verbose=False)
    try:
        for text in TEXTS:
            ids = tokenizer.encode(text, add_special_tokens=False)
            assert llm.tokenize(text.encode(), add_bos=False) == ids
            assert llm.detokenize(ids).decode() == text
        assert llm.token_eos() == tokenizer.eos_token_id
        assert llm.token_bos() == tokenizer.bos_token_id
        assert llm.metadata["tokenizer.chat_template"] == tokenizer.chat_template
    finally:
        llm.close()


def test_export_serve_propose(checkpoints, tmp_path, monkeypatch):
    """The command line's export, served by the build's path, answers the model proposer."""
    from llmcc.asm.module import Module
    from llmcc.propose import model as model_mod
    from llmcc.propose import server
    from llmcc.propose.model import ModelProposer, ModelSettings
    from llmcc.records import FunctionTask

    out = tmp_path / "trained.gguf"
    done = subprocess.run([sys.executable, "-m", "llmcc", "export", "--gguf",
                           str(checkpoints["llama"]), str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out}: llama, 21 tensors, vocabulary ")
    assert done.stdout.endswith(f"(f16); serve it with llmcc serve --model {out}\n")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    model_mod.forget_failures()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = tmp_path / "unit.c"
    src.write_text("int add(int a, int b)\n{\n    return a + b;\n}\n")
    module = Module("\t.text\n\t.globl\tadd\n\t.type\tadd, @function\nadd:\n"
                    "\tleal\t(%rdi,%rsi), %eax\n\tret\n\t.size\tadd, .-add\n")
    task = FunctionTask(module, module.function("add"), str(src), "gcc", ("-O3", "-c"),
                        str(tmp_path))
    config = load(tmp_path, environ={"LLMCC_MODEL": str(out), "LLMCC_MODEL_PORT": str(port),
                                     "LLMCC_MODEL_SAMPLES": "2", "LLMCC_MODEL_MAX_TOKENS": "12",
                                     "LLMCC_LOG": "off"})
    try:
        p = ModelProposer(ModelSettings.from_config(config))
        assert p.propose(task, 60.0) == []  # an untrained model's answers
        assert p.last_error is None
        assert p.last_counts["answers"] == 2
        assert server.status(port).info.model == str(out)
    finally:
        server.stop(port)
        model_mod.forget_failures()


# -- bad input ------------------------------------------------------------------------------


def run_export(src: Path | str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmcc", "export", "--gguf", str(src),
                           str(out)], capture_output=True, text=True)


def assert_refused(result: subprocess.CompletedProcess, out: Path, message: str) -> None:
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"llmcc export: error: {message}\n"
    assert not out.exists()
    assert not [n for n in os.listdir(out.parent) if n.endswith(".tmp")]


def test_not_a_checkpoint(tmp_path):
    out = tmp_path / "out" / "m.gguf"
    out.parent.mkdir()
    assert_refused(run_export(tmp_path / "none", out), out,
                   f"{tmp_path / 'none'}: not a folder (a Hugging Face model folder, as "
                   "save_pretrained writes it)")
    (tmp_path / "empty").mkdir()
    assert_refused(run_export(tmp_path / "empty", out), out,
                   f"{tmp_path / 'empty'}: not a Hugging Face checkpoint (no config.json)")


def copy_checkpoint(checkpoints, tmp_path) -> Path:
    folder = tmp_path / "ckpt"
    shutil.copytree(checkpoints["llama"], folder)
    return folder


def edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_unsupported_architecture(checkpoints, tmp_path):
    folder = copy_checkpoint(checkpoints, tmp_path)
    edit_json(folder / "config.json", architectures=["GPT2LMHeadModel"])
    out = tmp_path / "m.gguf"
    assert_refused(run_export(folder, out), out,
                   f"{folder / 'config.json'}: unsupported architecture GPT2LMHeadModel "
                   "(supported: LlamaForCausalLM, Qwen2ForCausalLM)")


def test_truncated_weights_leave_no_file(checkpoints, tmp_path):
    folder = copy_checkpoint(checkpoints, tmp_path)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])
    out = tmp_path / "m.gguf"
    result = run_export(folder, out)
    assert_refused(result, out, result.stderr.removeprefix("llmcc export: error: ").strip())
    assert str(weights) in result.stderr and "truncated" in result.stderr


def test_missing_tensor_and_bad_tokenizer(checkpoints, tmp_path):
    folder = copy_checkpoint(checkpoints, tmp_path)
    edit_json(folder / "config.json", num_hidden_layers=3)  # a layer the weights lack
    with pytest.raises(ExportError, match=r"incomplete checkpoint: no tensor for blk\.2\."):
        export(str(folder), str(tmp_path / "m.gguf"))
    edit_json(folder / "config.json", num_hidden_layers=2)
    tok = json.loads((folder / "tokenizer.json").read_text())
    tok["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁"}
    (folder / "tokenizer.json").write_text(json.dumps(tok))
    with pytest.raises(ExportError, match="unsupported pre-tokenizer"):
        export(str(folder), str(tmp_path / "m.gguf"))
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ExportError, match=r"tokenizer\.json: missing"):
        export(str(folder), str(tmp_path / "m.gguf"))
    assert not list(tmp_path.glob("*.gguf")) and not list(tmp_path.glob(".*.tmp"))


def test_failure_while_writing_keeps_the_old_file(checkpoints, tmp_path):
    from llmcc.gguf_export import Tensor, read_hparams, read_json, safetensors, write_gguf

    folder = checkpoints["llama"]
    tensors = list(safetensors(str(folder)).values())

    def full_disk():
        raise OSError(28, "No space left on device")

    tensors[-1] = Tensor(tensors[-1].name, tensors[-1].shape, full_disk)
    out = tmp_path / "m.gguf"
    out.write_bytes(b"the previous export")
    hp = read_hparams(read_json(str(folder / "config.json")), "config.json")
    with pytest.raises(ExportError, match=f"{out}: No space left on device"):
        write_gguf(str(out), hp, tensors, str(folder))
    assert out.read_bytes() == b"the previous export"
    assert sorted(os.listdir(tmp_path)) == ["m.gguf"]
