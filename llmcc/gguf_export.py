"""Hugging Face checkpoints of llama-shaped models (LlamaForCausalLM, Qwen2ForCausalLM) as GGUF
files that llama.cpp, and so `llmcc serve`, loads: `llmcc export --gguf`. Tensors are renamed
with gguf's name map and llama's q/k rows permuted into llama.cpp's rotary layout; the
byte-level BPE tokenizer travels as gguf's "gpt2" vocabulary. Needs numpy and gguf, not
torch: safetensors are read directly. The GGUF is written to a temporary file and renamed, so
a failed export leaves no partial file."""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from llmcc.errors import LlmccError

# architecture in config.json -> gguf's name for it
ARCHITECTURES = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2"}
OUTTYPES = ("f16", "f32")

# tokenizer.json's pre-tokenizer regex -> llama.cpp's pre-tokenizer of the same behaviour
_PRE_REGEX = {
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"
    r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+": "llama-bpe",  # Llama 3
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
    r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+": "qwen2",  # Qwen2 and Qwen2.5
}

# safetensors dtype -> numpy dtype it is read as (BF16 is widened by hand: numpy has none)
_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}


class ExportError(LlmccError):
    """A checkpoint that cannot become a GGUF, said in one line naming the file."""


class Hparams(NamedTuple):
    """The shape of the model, from config.json."""

    arch: str  # "llama" or "qwen2" (gguf's architecture names)
    vocab_size: int
    hidden: int
    ff: int  # intermediate (feed-forward) size
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    context: int
    rms_eps: float
    rope_theta: float
    rope_linear: float | None  # linear RoPE scaling factor, None without scaling
    tied: bool  # the output matrix is the token embedding


class Vocab(NamedTuple):
    tokens: list[str]
    types: list[int]  # gguf.TokenType values
    pre: str  # llama.cpp's pre-tokenizer name


class Tensor(NamedTuple):
    """A checkpoint tensor by its Hugging Face name, read when ``load()`` is called."""

    name: str
    shape: tuple[int, ...]
    load: Callable[[], Any]  # -> numpy array (float32, float16 or float64)


class ExportResult(NamedTuple):
    path: str
    arch: str
    tensors: int
    vocab: int
    bytes: int


# -- reading a checkpoint ------------------------------------------------------------------


def read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise ExportError(f"{path}: missing") from None
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: expected a JSON object")
    return data


def read_hparams(config: dict, where: str) -> Hparams:
    """The model's shape from ``config`` (config.json at ``where``); ExportError for an
    architecture or RoPE scaling llama.cpp would get wrong here."""
    archs = config.get("architectures") or []
    arch = next((ARCHITECTURES[a] for a in archs if a in ARCHITECTURES), None)
    if arch is None:
        raise ExportError(f"{where}: unsupported architecture {', '.join(archs) or 'none'} "
                          f"(supported: {', '.join(ARCHITECTURES)})")
    try:
        hidden = int(config["hidden_size"])
        heads = int(config["num_attention_heads"])
        rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
        kind = rope.get("rope_type", rope.get("type", "default"))
        if kind not in ("default", "linear", None):
            raise ExportError(f"{where}: unsupported RoPE scaling {kind!r} (default or linear)")
        hp = Hparams(
            arch=arch, vocab_size=int(config["vocab_size"]), hidden=hidden,
            ff=int(config["intermediate_size"]), layers=int(config["num_hidden_layers"]),
            heads=heads, kv_heads=int(config.get("num_key_value_heads") or heads),
            head_dim=int(config.get("head_dim") or hidden // heads),
            context=int(config.get("max_position_embeddings", 4096)),
            rms_eps=float(config.get("rms_norm_eps", 1e-6)),
            rope_theta=float(config.get("rope_theta", rope.get("rope_theta", 10000.0))),
            rope_linear=float(rope["factor"]) if kind == "linear" else None,
            tied=bool(config.get("tie_word_embeddings", False)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExportError(f"{where}: not a usable {arch} config ({exc!r})") from None
    if min(hp.vocab_size, hp.hidden, hp.ff, hp.layers, hp.heads, hp.kv_heads) < 1 \
            or hp.heads % hp.kv_heads or hp.head_dim % 2:
        raise ExportError(f"{where}: inconsistent sizes in config.json")
    return hp


def read_vocab(folder: str, vocab_size: int) -> Vocab:
    """The byte-level BPE vocabulary of ``folder``/tokenizer.json, padded to ``vocab_size``
    (the model's rows) with unused tokens."""
    import gguf

    where = os.path.join(folder, "tokenizer.json")
    data = read_json(where)
    model = data.get("model") or {}
    vocab = model.get("vocab")
    if model.get("type") != "BPE" or not isinstance(vocab, dict) or model.get("byte_fallback"):
        raise ExportError(f"{where}: unsupported tokenizer (only byte-level BPE, as GPT-2, "
                          "Llama 3 and Qwen2 use)")
    pre = _pre_tokenizer(data.get("pre_tokenizer"), where)
    by_id: dict[int, tuple[str, int]] = {i: (t, gguf.TokenType.NORMAL) for t, i in
                                         vocab.items()}
    for added in data.get("added_tokens") or []:
        text = added["content"]
        control = added.get("special") or (text.startswith("<|") and text.endswith("|>"))
        by_id[int(added["id"])] = (text, gguf.TokenType.CONTROL if control
                                   else gguf.TokenType.USER_DEFINED)
    if by_id and max(by_id) >= vocab_size:
        raise ExportError(f"{where}: token id {max(by_id)} beyond the model's {vocab_size} "
                          "rows (vocab_size in config.json)")
    tokens, types = [], []
    for i in range(vocab_size):
        text, kind = by_id.get(i, (f"[PAD{i}]", gguf.TokenType.UNUSED))
        tokens.append(text)
        types.append(int(kind))
    return Vocab(tokens, types, pre)


def _pre_tokenizer(spec: Any, where: str) -> str:
    if isinstance(spec, dict) and spec.get("type") == "ByteLevel" and spec.get("use_regex", True):
        return "gpt-2"
    if isinstance(spec, dict) and spec.get("type") == "Sequence":
        steps = spec.get("pretokenizers") or []
        if len(steps) == 2 and steps[0].get("type") == "Split" \
                and steps[1].get("type") == "ByteLevel" and not steps[1].get("use_regex", True):
            pre = _PRE_REGEX.get((steps[0].get("pattern") or {}).get("Regex"))
            if pre is not None:
                return pre
    raise ExportError(f"{where}: unsupported pre-tokenizer (GPT-2's, Llama 3's or Qwen2's "
                      "byte-level splitting)")


def safetensors(folder: str) -> dict[str, Tensor]:
    """The tensors of the checkpoint's .safetensors files (memory-mapped on load)."""
    names = sorted(n for n in os.listdir(folder) if n.endswith(".safetensors"))
    if not names:
        raise ExportError(f"{folder}: no .safetensors weights (save the model with "
                          "save_pretrained, safe_serialization=True)")
    tensors: dict[str, Tensor] = {}
    for name in names:
        tensors.update(_safetensors_file(os.path.join(folder, name)))
    return tensors


def _safetensors_file(path: str) -> dict[str, Tensor]:
    import numpy as np

    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            length = int.from_bytes(fh.read(8), "little")
            if not 2 <= length <= min(size - 8, 100 << 20):
                raise ValueError("bad header length")
            header = json.loads(fh.read(length))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: not a safetensors file ({exc})") from None
    base = 8 + length
    tensors: dict[str, Tensor] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = _ST_DTYPES.get(meta.get("dtype"))
        if dtype is None:
            raise ExportError(f"{path}: {name}: unsupported dtype {meta.get('dtype')} "
                              "(F32, F16, BF16 or F64)")
        shape = tuple(int(n) for n in meta["shape"])
        start, end = (int(n) for n in meta["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if end - start != count * np.dtype(dtype).itemsize or base + end > size:
            raise ExportError(f"{path}: {name}: its data does not fit its shape (truncated?)")

        def load(dtype=dtype, start=start, shape=shape, count=count, bf16=meta["dtype"] == "BF16"):
            data = np.memmap(path, dtype=dtype, mode="r", offset=base + start, shape=(count,))
            if bf16:  # the upper half of a float32
                data = (data.astype(np.uint32) << 16).view(np.float32)
            return data.reshape(shape)

        tensors[name] = Tensor(name, shape, load)
    return tensors


# -- writing -----------------------------------------------------------------------------


def permute_rows(weights: Any, heads: int) -> Any:
    """Hugging Face's q/k rows (each head's rotary pairs as two halves) in the interleaved
    order llama.cpp's llama rotates (convert_hf_to_gguf.py's LlamaModel.permute)."""
    rows = weights.shape[0]
    return (weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


class _Planned(NamedTuple):
    gguf_name: str
    shape: tuple[int, ...]
    dtype: Any  # numpy dtype written
    load: Callable[[], Any]
    permute_heads: int  # 0, or the heads whose rows permute_rows reorders

    def make(self) -> Any:
        import numpy as np

        data = self.load()
        if self.permute_heads:
            data = permute_rows(data, self.permute_heads)
        return np.ascontiguousarray(data, dtype=self.dtype)


def _plan(hp: Hparams, tensors: Iterable[Tensor], where: str, outtype: str) -> list[_Planned]:
    """Each checkpoint tensor as it goes into the GGUF; ExportError for unknown, missing or
    misshapen ones."""
    import gguf
    import numpy as np

    arch = {"llama": gguf.MODEL_ARCH.LLAMA, "qwen2": gguf.MODEL_ARCH.QWEN2}[hp.arch]
    names = gguf.get_tensor_name_map(arch, hp.layers)
    planned: list[_Planned] = []
    for t in tensors:
        if t.name.endswith("rotary_emb.inv_freq") or (hp.tied and t.name == "lm_head.weight"):
            continue  # computed by llama.cpp / the same matrix as the embedding
        target = names.get_name(t.name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise ExportError(f"{where}: tensor {t.name} has no place in a {hp.arch} GGUF")
        heads = 0
        if hp.arch == "llama" and t.name.endswith(("self_attn.q_proj.weight",
                                                   "self_attn.k_proj.weight")):
            heads = hp.heads if ".q_proj" in t.name else hp.kv_heads
            if t.shape[0] % (2 * heads):
                raise ExportError(f"{where}: {t.name} has {t.shape[0]} rows, not a multiple of "
                                  f"2 x {heads} heads")
        dtype = np.float16 if outtype == "f16" and len(t.shape) >= 2 else np.float32
        planned.append(_Planned(target, t.shape, np.dtype(dtype), t.load, heads))
    have = {p.gguf_name for p in planned}
    needed = ["token_embd.weight", "output_norm.weight"] + ([] if hp.tied else
                                                            ["output.weight"])
    for i in range(hp.layers):
        needed += [f"blk.{i}.{part}.weight" for part in (
            "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
            "ffn_up", "ffn_down")]
    missing = [n for n in needed if n not in have]
    if missing:
        raise ExportError(f"{where}: incomplete checkpoint: no tensor for {missing[0]}"
                          + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    shapes = {p.gguf_name: p.shape for p in planned}
    if shapes["token_embd.weight"] != (hp.vocab_size, hp.hidden):
        raise ExportError(f"{where}: the embedding is {shapes['token_embd.weight']}, config.json "
                          f"says {(hp.vocab_size, hp.hidden)}")
    return planned


def write_gguf(out: str, hp: Hparams, tensors: Iterable[Tensor], tokenizer_dir: str, *,
               outtype: str = "f16", name: str = "", where: str = "") -> ExportResult:
    """Write the model to ``out`` (through a temporary file beside it, renamed at the end).
    ``tokenizer_dir`` holds tokenizer.json (and tokenizer_config.json, chat_template.jinja,
    config.json for special tokens and the chat template, as save_pretrained leaves them)."""
    import gguf

    from llmcc.files import exclusive_file

    if outtype not in OUTTYPES:
        raise ExportError(f"unknown output type {outtype!r} (one of {', '.join(OUTTYPES)})")
    where = where or tokenizer_dir
    plan = _plan(hp, tensors, where, outtype)
    vocab = read_vocab(tokenizer_dir, hp.vocab_size)
    try:
        special = gguf.SpecialVocab(tokenizer_dir, load_merges=True, n_vocab=hp.vocab_size)
    except ValueError as exc:
        raise ExportError(f"{tokenizer_dir}: {exc}") from None
    if not special.merges:
        raise ExportError(f"{os.path.join(tokenizer_dir, 'tokenizer.json')}: no BPE merges")
    folder = os.path.dirname(os.path.abspath(out))
    try:
        tmp, fd = exclusive_file(folder, f".{os.path.basename(out)}.", ".tmp")
    except OSError as exc:
        raise ExportError(f"{out}: cannot write here: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        writer = gguf.GGUFWriter(tmp, hp.arch)
        _add_metadata(writer, hp, vocab, name, outtype)
        special.add_to_gguf(writer, quiet=True)
        for p in plan:
            writer.add_tensor_info(p.gguf_name, p.shape, p.dtype,
                                   int(p.dtype.itemsize) * math.prod(p.shape))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for p in plan:  # one tensor in memory at a time
            writer.write_tensor_data(p.make())
        writer.close()
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"{out}: {exc.strerror or exc}") from None
        raise
    return ExportResult(out, hp.arch, len(plan), hp.vocab_size, os.path.getsize(out))


def _add_metadata(writer: Any, hp: Hparams, vocab: Vocab, name: str, outtype: str) -> None:
    import gguf

    writer.add_name(name or hp.arch)
    writer.add_context_length(hp.context)
    writer.add_embedding_length(hp.hidden)
    writer.add_block_count(hp.layers)
    writer.add_feed_forward_length(hp.ff)
    writer.add_head_count(hp.heads)
    writer.add_head_count_kv(hp.kv_heads)
    writer.add_layer_norm_rms_eps(hp.rms_eps)
    writer.add_rope_freq_base(hp.rope_theta)
    writer.add_rope_dimension_count(hp.head_dim)
    if hp.head_dim != hp.hidden // hp.heads:
        writer.add_key_length(hp.head_dim)
        writer.add_value_length(hp.head_dim)
    if hp.rope_linear is not None:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(hp.rope_linear)
    writer.add_vocab_size(hp.vocab_size)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if outtype == "f16" else
                         gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)


# -- the whole export --------------------------------------------------------------------


def export(checkpoint: str, out: str, *, outtype: str = "f16") -> ExportResult:
    """Convert the Hugging Face model folder ``checkpoint`` into the GGUF ``out``."""
    if not os.path.isdir(checkpoint):
        raise ExportError(f"{checkpoint}: not a folder (a Hugging Face model folder, as "
                          "save_pretrained writes it)")
    config_path = os.path.join(checkpoint, "config.json")
    if not os.path.isfile(config_path):
        raise ExportError(f"{checkpoint}: not a Hugging Face checkpoint (no config.json)")
    hp = read_hparams(read_json(config_path), config_path)
    tensors = safetensors(checkpoint)
    name = os.path.basename(os.path.normpath(os.path.abspath(checkpoint)))
    return write_gguf(out, hp, tensors.values(), checkpoint, outtype=outtype, name=name,
                      where=checkpoint)
