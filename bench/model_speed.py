#!/usr/bin/env python3
"""Tokens per second of a GGUF model on this machine, in this process and served.

    .venv/bin/python bench/model_speed.py [--model FILE.gguf] [--prompt-tokens 512]
                                          [--tokens 256] [--rounds 3]

Without --model it writes the tiny test model (tests/tiny_gguf.py, random weights). Prints
the prompt-processing and generation rates of llama_cpp.Llama in this process (medians over
the rounds), and what the model proposer sees through `llmcc serve`: one /v1/completions
request per seed on the same prompt (llama.cpp keeps the prompt's cache between them),
completion tokens per second of wall time, the first request (with the prompt) apart.
The end of text is suppressed, so every answer is ``--tokens`` long.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


class ModelSpeed(NamedTuple):
    prompt_tokens: int
    prompt_tps: float  # prompt processing, in process
    tokens: int  # generated per answer
    generate_tps: float  # generation, in process
    served_first_tps: float  # completion tokens / wall s of the first served request
    served_tps: float  # the same for the later seeds (median)


def _prompt_text() -> str:
    from tiny_hf import _CORPUS

    return _CORPUS * 40


def in_process(model: str, prompt_tokens: int, tokens: int, rounds: int
               ) -> tuple[str, int, float, float, int]:
    """(the prompt's text, its tokens, prompt tokens/s, generated tokens/s, the end-of-text
    token), rates as medians over ``rounds``."""
    import llama_cpp
    import numpy as np

    llm = llama_cpp.Llama(model, n_ctx=prompt_tokens + tokens + 16, verbose=False, seed=0)
    eos = llm.token_eos()

    def no_eos(ids, scores):
        scores[eos] = -np.inf
        return scores

    prompt = llm.tokenize(_prompt_text().encode(), add_bos=False)[:prompt_tokens]
    rates_prompt, rates_gen = [], []
    try:
        for _ in range(rounds):
            llm.reset()
            start = time.perf_counter()
            first = None
            n = 0
            for _token in llm.generate(prompt, temp=0.0, reset=True,
                                       logits_processor=llama_cpp.LogitsProcessorList([no_eos])):
                n += 1
                if first is None:
                    first = time.perf_counter()
                if n == tokens:
                    break
            end = time.perf_counter()
            rates_prompt.append(len(prompt) / (first - start))
            rates_gen.append((n - 1) / (end - first))
        text = llm.detokenize(prompt).decode(errors="replace")
    finally:
        llm.close()
    return (text, len(prompt), statistics.median(rates_prompt), statistics.median(rates_gen),
            eos)


def served(model: str, text: str, prompt_tokens: int, tokens: int, rounds: int, eos: int
           ) -> tuple[float, float]:
    """(first request's, later requests' median) completion tokens per wall second through a
    server that `llmcc serve` starts (and stops) on a free port."""
    from llmcc.propose import server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = server.ServeSettings(model, port, idle_s=60,
                                    ctx=max(2048, prompt_tokens + tokens + 64))
    info, _ = server.ensure(settings, retry_failed=True)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    rates = []
    try:
        for seed in range(rounds + 1):
            body = json.dumps({"prompt": text, "max_tokens": tokens,
                               "temperature": 0.7, "seed": seed,
                               "logit_bias": {str(eos): -100}}).encode()
            request = urllib.request.Request(info.url + "/completions", data=body,
                                             headers={"Content-Type": "application/json"})
            start = time.perf_counter()
            with opener.open(request, timeout=600) as response:
                answer = json.loads(response.read())
            rates.append(answer["usage"]["completion_tokens"] / (time.perf_counter() - start))
    finally:
        server.stop(port)
    return rates[0], statistics.median(rates[1:])


def tokens_per_second(model: str, *, prompt_tokens: int = 512, tokens: int = 256,
                      rounds: int = 3) -> ModelSpeed:
    text, n, prompt_tps, gen_tps, eos = in_process(model, prompt_tokens, tokens, rounds)
    first, later = served(model, text, n, tokens, rounds, eos)
    return ModelSpeed(n, prompt_tps, tokens, gen_tps, first, later)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a GGUF file (default: the tiny test model)")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--tokens", type=int, default=256, help="generated per answer")
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmcc-speed-") as tmp:
        model = opts.model
        if model is None:
            from tiny_gguf import write_tiny_gguf

            model = write_tiny_gguf(Path(tmp) / "tiny.gguf")
        speed = tokens_per_second(str(Path(model).resolve()), prompt_tokens=opts.prompt_tokens,
                                  tokens=opts.tokens, rounds=opts.rounds)
    print(f"model: {opts.model or 'tiny test model (tests/tiny_gguf.py)'}")
    print(f"in process:  prompt {speed.prompt_tokens} tokens at {speed.prompt_tps:,.0f} tokens/s; "
          f"generation {speed.generate_tps:,.0f} tokens/s")
    print(f"served:      {speed.tokens} tokens per answer: first request "
          f"{speed.served_first_tps:,.0f} tokens/s (with the prompt), later seeds "
          f"{speed.served_tps:,.0f} tokens/s (median of {opts.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
