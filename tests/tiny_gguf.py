"""Tiny GGUF models for tests, written in well under a second with no download and no torch:
a 2-layer llama with a byte-level BPE vocabulary trained by ``tokenizers`` on a few lines of
assembly, written by llmcc's own GGUF writer (gguf's GGUFWriter underneath).

``write_tiny_gguf(path)`` has random weights: its answers are garbage. With ``answer=TEXT`` the
weights are set by hand so that greedy or sampled decoding always says TEXT (a chain of added
tokens) and then stops: a served model whose output a test knows in advance."""

from __future__ import annotations

import json
import os
import tempfile

from tiny_hf import _CHAT_TEMPLATE, _CORPUS, SPECIAL_TOKENS

from llmcc.gguf_export import Hparams, Tensor, write_gguf

HIDDEN = 32  # (more for a long scripted answer: one dimension per piece)
LAYERS = 2
HEADS = 4
KV_HEADS = 2
# an answer token's logit over every other's: exp(-56) makes sampling at any temperature
# the bench uses (<= 1) as sure as greedy decoding
_SCRIPT_LOGIT = 10.0
# llama-cpp-python turns a token into text through a 32-byte buffer: longer pieces come out
# empty, so a scripted answer is cut into pieces of at most this many bytes
_PIECE_BYTES = 24


def _pieces(answer: str) -> list[str]:
    pieces, current = [], ""
    for ch in answer:
        if len((current + ch).encode()) > _PIECE_BYTES:
            pieces.append(current)
            current = ""
        current += ch
    pieces.append(current)
    if len(set(pieces)) != len(pieces):
        raise ValueError("the scripted answer repeats a piece: vary its text")
    return pieces


def _tokenizer(pieces: list[str]):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=384, special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    # the answer's pieces as tokens written out verbatim
    tok.add_tokens([AddedToken(p, normalized=False, special=False) for p in pieces])
    return tok


def write_tiny_gguf(path: str | os.PathLike, *, answer: str | None = None,
                    seed: int = 0) -> str:
    """Write the model to ``path``; returns ``path`` as a str."""
    import numpy as np

    path = os.fspath(path)
    pieces = _pieces(answer) if answer is not None else []
    tok = _tokenizer(pieces)
    vocab = tok.get_vocab_size()
    eos = tok.token_to_id(SPECIAL_TOKENS["eos_token"])
    hidden = max(HIDDEN, -(-(len(pieces) + 1) // 8) * 8)
    hp = Hparams(arch="llama", vocab_size=vocab, hidden=hidden, ff=2 * hidden, layers=LAYERS,
                 heads=HEADS, kv_heads=KV_HEADS, head_dim=hidden // HEADS, context=8192,
                 rms_eps=1e-6, rope_theta=10000.0, rope_linear=None, tied=False)
    rng = np.random.default_rng(seed)
    head = hidden // HEADS
    shapes = {"model.embed_tokens.weight": (vocab, hidden), "model.norm.weight": (hidden,),
              "lm_head.weight": (vocab, hidden)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (hidden,),
            p + "post_attention_layernorm.weight": (hidden,),
            p + "self_attn.q_proj.weight": (HEADS * head, hidden),
            p + "self_attn.k_proj.weight": (KV_HEADS * head, hidden),
            p + "self_attn.v_proj.weight": (KV_HEADS * head, hidden),
            p + "self_attn.o_proj.weight": (hidden, HEADS * head),
            p + "mlp.gate_proj.weight": (2 * hidden, hidden),
            p + "mlp.up_proj.weight": (2 * hidden, hidden),
            p + "mlp.down_proj.weight": (hidden, 2 * hidden)})
    arrays = {name: (np.ones(shape, np.float32) if len(shape) == 1 else
                     rng.normal(0.0, 0.02, shape).astype(np.float32))
              for name, shape in shapes.items()}
    if pieces:
        _script(arrays, [tok.token_to_id(p) for p in pieces], eos)
    tensors = [Tensor(name, a.shape, lambda a=a: a) for name, a in arrays.items()]
    with tempfile.TemporaryDirectory(prefix="tiny-gguf-tok-") as tokdir:
        tok.save(os.path.join(tokdir, "tokenizer.json"))
        with open(os.path.join(tokdir, "tokenizer_config.json"), "w", encoding="utf-8") as fh:
            json.dump({**SPECIAL_TOKENS, "chat_template": _CHAT_TEMPLATE}, fh)
        write_gguf(path, hp, tensors, tokdir, outtype="f32", name="tiny")
    return path


def _script(arrays: dict, chain: list[int], eos: int) -> None:
    """Weights that say the tokens of ``chain`` in order, then eos. The blocks add nothing to
    the residual stream (zero output projections), so the last position's own embedding
    decides the next token: every token but the chain's is dimension 0, which says the first
    of the chain; the chain's k-th token is dimension k + 1, which says the next one."""
    embed = arrays["model.embed_tokens.weight"]
    out = arrays["lm_head.weight"]
    embed[:] = 0.0
    embed[:, 0] = 1.0
    out[:] = 0.0
    for k, token in enumerate(chain):
        embed[token] = 0.0
        embed[token, k + 1] = 1.0
        out[chain[k + 1] if k + 1 < len(chain) else eos, k + 1] = _SCRIPT_LOGIT
    out[chain[0], 0] = _SCRIPT_LOGIT
    for name, a in arrays.items():
        if name.endswith(("o_proj.weight", "down_proj.weight")):
            a[:] = 0.0
