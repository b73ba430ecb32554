"""A tiny Hugging Face causal LM for tests, built on the spot with no download:
``build_tiny_llama(path)`` writes a 2-layer LlamaForCausalLM and a byte-level BPE tokenizer
(trained on a few lines of assembly and prompt text) to ``path`` with ``save_pretrained``."""

from __future__ import annotations

import os

# Enough text for the BPE trainer to learn merges that tokenize prompts and assembly in few
# tokens; any text is still tokenizable, since the alphabet is every byte.
_CORPUS = """\
Rewrite the x86-64 assembly of the function below so that it runs faster.
The faster assembly:
```asm
\t.text
\t.p2align 4
\t.globl\tadd
\t.type\tadd, @function
add:
.LFB0:
\t.cfi_startproc
\tleal\t(%rdi,%rsi), %eax
\tmovl\t%edi, %eax
\taddl\t%esi, %eax
\tmovq\t%rdi, %rax
\timull\t%esi, %eax
\txorl\t%eax, %eax
\ttestl\t%edi, %edi
\tjle\t.L4
\tpopcntl\t%edi, %eax
\tshrl\t$1, %edi
\tandl\t$1, %edx
\tcmpq\t%rdx, %rax
\tjne\t.L3
\tret
\t.cfi_endproc
.LFE0:
\t.size\tadd, .-add
\t.section\t.rodata
\t.ident\t"GCC"
```
int add(int a, int b) { return a + b; }
unsigned bits(unsigned x) { unsigned n = 0; while (x) { n += x & 1; x >>= 1; } return n; }
"""

SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
                  "unk_token": "<unk>"}

# A minimal chat template, so chat-style prompts (system + user messages) render too.
_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_tokenizer(vocab_size: int = 512):
    """A PreTrainedTokenizerFast: byte-level BPE with <s>, </s>, <pad> and <unk>."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **SPECIAL_TOKENS)
    fast.chat_template = _CHAT_TEMPLATE
    return fast


def build_tiny_llama(path: str | os.PathLike, *, hidden: int = 32, layers: int = 2,
                     seed: int = 0) -> str:
    """Write a tiny LlamaForCausalLM and its tokenizer to ``path``; returns ``path`` as a str.

    Weights are random but fixed by ``seed``; the folder loads with
    ``AutoModelForCausalLM.from_pretrained`` and ``AutoTokenizer.from_pretrained``.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    path = os.fspath(path)
    tokenizer = build_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=4096, tie_word_embeddings=False,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    os.makedirs(path, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
