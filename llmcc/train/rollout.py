"""Rollouts: completions sampled for task prompts (by the policy, or by an OpenAI-compatible
server through the model proposer's HTTP client), packed with their prompts into padded
token batches, and the per-token log-probabilities a model gives them."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from llmcc.errors import LlmccError
from llmcc.train.config import TrainConfig

# prompts generated for at once by the local policy (bounds the memory of one generate call)
GENERATE_CHUNK = 16


class GenerationServerError(LlmccError):
    """The --generate-with server cannot be reached or gives no usable answer."""


class Rollouts(NamedTuple):
    """Completions, one entry per completion (a prompt sampled n times appears n times)."""

    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]  # ends with the end-of-sequence token when one was made
    texts: list[str]  # the completion decoded, special tokens left out


class Sequences(NamedTuple):
    """Prompt + completion token batches, right-padded; position j of ``mask`` and of the
    log-probabilities is about predicting token j + 1."""

    input_ids: Any  # LongTensor [N, L]
    attention_mask: Any  # LongTensor [N, L]
    mask: Any  # FloatTensor [N, L-1]: 1 where token j + 1 belongs to the completion


def encode_prompt(tokenizer: Any, task: dict) -> list[int]:
    return list(tokenizer(task["prompt"]).input_ids)


def encode_completion(tokenizer: Any, text: str, *, eos: bool = True) -> list[int]:
    ids = list(tokenizer(text, add_special_tokens=False).input_ids)
    return [*ids, tokenizer.eos_token_id] if eos else ids


def pack(prompts: list[list[int]], completions: list[list[int]], pad_id: int,
         device: Any = None) -> Sequences:
    import torch

    rows = [p + c for p, c in zip(prompts, completions, strict=True)]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width - 1), dtype=torch.float32)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        n = len(p) + len(c)
        ids[i, :n] = torch.tensor(p + c, dtype=torch.long)
        attn[i, :n] = 1
        mask[i, len(p) - 1:n - 1] = 1.0
    if device is not None:
        ids, attn, mask = ids.to(device), attn.to(device), mask.to(device)
    return Sequences(ids, attn, mask)


def token_logprobs(model: Any, seqs: Sequences, temperature: float = 1.0,
                   hidden: bool = False) -> tuple[Any, Any]:
    """Log-probabilities [N, L-1] of each next token under ``model`` (logits divided by the
    sampling temperature, so they are those of the sampling distribution), and with
    ``hidden`` the last hidden states [N, L-1, H] at the same positions."""
    import torch

    out = model(input_ids=seqs.input_ids, attention_mask=seqs.attention_mask,
                output_hidden_states=hidden, use_cache=False)
    logits = out.logits[:, :-1].float()
    if temperature != 1.0:
        logits = logits / temperature
    targets = seqs.input_ids[:, 1:].unsqueeze(-1)
    logp = torch.gather(logits, -1, targets).squeeze(-1) - torch.logsumexp(logits, dim=-1)
    states = out.hidden_states[-1][:, :-1] if hidden else None
    return logp, states


def masked_mean(x: Any, mask: Any) -> Any:
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def sample(policy: Any, tokenizer: Any, tasks: list[dict], n: int, config: TrainConfig,
           step: int, *, greedy: bool = False) -> Rollouts:
    """``n`` completions for each task's prompt (``n`` = 1 with ``greedy``), grouped by
    task; from the --generate-with server when the config names one."""
    prompts = [encode_prompt(tokenizer, t) for t in tasks]
    if config.generate_with:
        texts = _remote(config, [t["prompt"] for t in tasks], n, step, greedy)
        completion_ids = []
        for text in texts:
            ids = encode_completion(tokenizer, text, eos=False)[:config.max_new_tokens]
            if len(ids) < config.max_new_tokens:  # it stopped by itself
                ids.append(tokenizer.eos_token_id)
            completion_ids.append(ids)
    else:
        completion_ids = _local(policy, tokenizer, prompts, 1 if greedy else n, config, greedy)
        texts = tokenizer.batch_decode(completion_ids, skip_special_tokens=True)
    per = 1 if greedy else n
    return Rollouts([p for p in prompts for _ in range(per)], completion_ids, list(texts))


def _local(model: Any, tokenizer: Any, prompts: list[list[int]], n: int, config: TrainConfig,
           greedy: bool) -> list[list[int]]:
    import torch
    from transformers import GenerationConfig

    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    settings = dict(max_new_tokens=config.max_new_tokens, pad_token_id=pad, eos_token_id=eos,
                    num_return_sequences=n, repetition_penalty=1.0, top_k=0)
    if greedy:
        settings.update(do_sample=False)
    else:  # exactly the policy's distribution (at the temperature), nothing the model's
        # own generation_config.json might add, so PPO's ratios are about what was sampled
        settings.update(do_sample=True, temperature=config.temperature, top_p=config.top_p)
    gen_config = GenerationConfig(**settings)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: list[list[int]] = []
    try:
        for start in range(0, len(prompts), GENERATE_CHUNK):
            chunk = prompts[start:start + GENERATE_CHUNK]
            width = max(len(p) for p in chunk)
            ids = torch.tensor([[pad] * (width - len(p)) + p for p in chunk], device=device)
            attn = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in chunk],
                                device=device)
            with torch.no_grad():
                gen = model.generate(input_ids=ids, attention_mask=attn,
                                     generation_config=gen_config)
            for row in gen[:, width:].tolist():
                if eos in row:
                    row = row[:row.index(eos) + 1]
                out.append(row)
    finally:
        model.train(was_training)
    return out


def _remote(config: TrainConfig, prompts: list[str], n: int, step: int,
            greedy: bool) -> list[str]:
    """Completions of plain-text prompts from the server's /completions endpoint, one
    request per sample with its own seed (llama.cpp's server ignores ``n``)."""
    from llmcc.propose.model import ModelError, ModelProposer, ModelSettings
    from llmcc.propose.prompt import COMPLETION_PRIMER

    url = config.generate_with.rstrip("/")
    # the body is built here (top_p, a seed per sample, no stop string): the client is used
    # for its requests only
    settings = ModelSettings(url=url, api="completions", timeout_s=600.0)
    client = ModelProposer(settings)
    texts = []
    for i, prompt in enumerate(prompts):
        for j in range(1 if greedy else n):
            body = {"prompt": prompt, "max_tokens": config.max_new_tokens, "stream": False,
                    "temperature": 0.0 if greedy else config.temperature,
                    "top_p": config.top_p,
                    "seed": (config.seed * 1_000_003 + step * 1009 + i * 31 + j) % 2**31}
            if config.generate_model:
                body["model"] = config.generate_model
            try:
                # the proposer's client: retries, no proxy for local servers, clear errors
                text = client.answer(body, time.monotonic() + settings.timeout_s,
                                     answered=bool(texts))
            except ModelError as exc:
                raise GenerationServerError(f"{url}: {exc}") from None
            if text is None:
                raise GenerationServerError(f"{url}: the answer holds no completion text")
            texts.append(text.removeprefix(COMPLETION_PRIMER))
    return texts
