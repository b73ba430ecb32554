"""A function task whose answers' true merit is known, for the reward and eval tests: a
bit-counting loop over all 64 bits (gcc -O3 keeps the loop), answered by garbage, a broken
rewrite, a copy with other labels, the loop slowed by a delay, and a SWAR count several
times faster on every input (a loop that stops at the highest set bit would beat it on 0)."""

from __future__ import annotations

from pathlib import Path

from llmcc.asm.rename import rename_function, uniquify_local_labels
from llmcc.dataset.build import build_tasks

SOURCE = r"""
#include <stdint.h>

/* counts bits one at a time, all 64 of them whatever x is: gcc -O3 keeps the loop */
int bits(uint64_t x)
{
    int c = 0;
    for (int i = 0; i < 64; i++)
        c += (int)((x >> i) & 1);
    return c;
}

/* the same count in a dozen instructions (SWAR), no popcnt needed */
int bits_swar(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}
"""

# worst first: the order every reward design must keep (perfrl ties some of them)
ORDER = ("garbage", "broken", "slow", "copy", "fast")


def fenced(asm: str) -> str:
    return f"Here is a faster version:\n```asm\n{asm.rstrip()}\n```\n"


def build_task(folder: Path, function: str = "bits", flags: tuple[str, ...] = ()) -> dict:
    src = folder / "popcount.c"
    src.write_text(SOURCE)
    result = build_tasks([str(src)], flags=flags, root=str(folder), eval_fraction=0.0)
    return next(t for t in result.tasks if t["function"] == function)


def swar_text(task: dict) -> str:
    """bits_swar's -O3 code under the name bits (from the task's own unit)."""
    from llmcc.dataset.judge import function_setup

    module = function_setup(task).module
    return rename_function(module.function_text("bits_swar"), "bits_swar", "bits")


def with_entry_delay(text: str, function: str, iterations: int) -> str:
    """``function`` spinning ``iterations`` times on entry (%r11 is scratch)."""
    label = f"{function}:\n"
    assert label in text
    delay = (f"\tmovl\t${iterations}, %r11d\n.Ldelay_{function}:\n"
             f"\tdecl\t%r11d\n\tjnz\t.Ldelay_{function}\n")
    return text.replace(label, label + delay, 1)


def answers(task: dict) -> dict[str, str]:
    """Raw model answers by name (see ORDER)."""
    base = task["baseline"]
    fast = swar_text(task)
    broken = fast.replace("shrq\t$56", "shrq\t$55")
    assert broken != fast
    return {
        "garbage": "I would vectorize it, but I cannot show the code.",
        "broken": fenced(broken),
        "slow": fenced(with_entry_delay(base, "bits", 100)),  # several times slower
        "copy": fenced(uniquify_local_labels(base, "zz")),
        "fast": fenced(fast),
    }
