"""Toy inputs of the trainer tests: task records with every field tasks.jsonl requires, and
toy reward functions (fast and deterministic: no compiler involved)."""

from __future__ import annotations

import json


def toy_task(i: int, best: str | None = "\tret", split: str = "train") -> dict:
    """A function task record; only the prompt (and best) matter to the toy rewards."""
    return {"id": f"toy{i}", "kind": "function", "split": split, "source": f"toy{i}.c",
            "unit": "int toy_fn(void){return 0;}", "function": "toy_fn", "compiler": "gcc",
            "flags": ["-O3"], "prompt": f"Task {i}: rewrite toy_fn.\n```asm\n",
            "messages": [{"role": "user", "content": f"Task {i}"}], "baseline": "toy_fn:\n\tret\n",
            "c_source": "int toy_fn(void){return 0;}", "signature": None, "harness": None,
            "best": None if best is None else {"text": best, "speedup": 1.2}}


def write_tasks(path, tasks: list[dict]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for t in tasks:
            fh.write(json.dumps(t) + "\n")
    return str(path)


def starts_with_letter(tasks: list[dict], completions: list[str]) -> list[float]:
    """1 for a completion that starts with an ASCII letter, else 0: one class of outputs
    is rewarded, and a random tiny model emits it often enough to learn from."""
    return [1.0 if c[:1].isascii() and c[:1].isalpha() else 0.0 for c in completions]
