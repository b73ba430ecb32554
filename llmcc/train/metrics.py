"""What a run records: rewards of completions (through the reward function it was given),
their summary per step, the JSONL log of steps, and a plot of it (matplotlib's PNG when
installed, else an SVG written here)."""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

LOG = "train-log.jsonl"
PLOT = "train-log"  # .png (matplotlib) or .svg

# The reward function every trainer takes: one value per (task, completion) pair. It may
# return floats, or records with .value (and .correct, .speedup, .changed, as llmcc.reward's
# Reward has) that the log summarizes too.
RewardFn = Callable[[list[dict], list[str]], Sequence[Any]]


class Scores(NamedTuple):
    values: list[float]
    passed: list[bool | None]  # correct on its tests; None when the reward does not say
    speedups: list[float | None]  # measured speedup; None when not measured
    changed: list[bool | None]  # differs from the baseline beyond cosmetics


def score(reward_fn: RewardFn, tasks: list[dict], completions: list[str]) -> Scores:
    results = list(reward_fn(tasks, completions))
    if len(results) != len(completions):
        raise ValueError(f"the reward function gave {len(results)} values for "
                         f"{len(completions)} completions")
    values, passed, speedups, changed = [], [], [], []
    for r in results:
        if isinstance(r, int | float):
            values.append(float(r))
            passed.append(None)
            speedups.append(None)
            changed.append(None)
            continue
        values.append(float(r.value))
        p = getattr(r, "correct", None)
        passed.append(bool(p) if p is not None else None)
        s = getattr(r, "speedup", None)
        speedups.append(float(s) if s is not None else None)
        c = getattr(r, "changed", None)
        changed.append(bool(c) if c is not None else None)
    return Scores(values, passed, speedups, changed)


def summarize(scores: Scores) -> dict[str, float | None]:
    """reward mean/std/max, pass rate, geometric mean speedup of the measured ones (no
    clamping), share changed; None where the reward did not tell."""
    v = scores.values
    mean = sum(v) / len(v) if v else 0.0
    out: dict[str, float | None] = {
        "reward_mean": mean,
        "reward_std": math.sqrt(sum((x - mean) ** 2 for x in v) / len(v)) if v else 0.0,
        "reward_max": max(v) if v else 0.0,
    }
    known = [p for p in scores.passed if p is not None]
    out["pass_rate"] = sum(known) / len(known) if known else None
    sp = [s for s in scores.speedups if s is not None and s > 0]
    out["speedup_geomean"] = math.exp(sum(math.log(s) for s in sp) / len(sp)) if sp else None
    ch = [c for c in scores.changed if c is not None]
    out["changed_rate"] = sum(ch) / len(ch) if ch else None
    return out


class StepLog:
    """OUT/train-log.jsonl: one JSON object per step. Resuming from step N drops the lines of
    later steps (the run will log them again)."""

    def __init__(self, out: str, resume_step: int | None = None) -> None:
        self.path = os.path.join(out, LOG)
        kept = [r for r in self.records() if r.get("step", 0) <= resume_step] \
            if resume_step is not None else []
        tmp = os.path.join(out, f".tmp-{LOG}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, sort_keys=True) + "\n" for r in kept)
        os.replace(tmp, self.path)

    def append(self, record: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")

    def records(self) -> list[dict[str, Any]]:
        return read_log(self.path)


def read_log(path: str) -> list[dict[str, Any]]:
    out = []
    with contextlib.suppress(FileNotFoundError), open(path, encoding="utf-8") as fh:
        for line in fh:
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out


# -- the plot ----------------------------------------------------------------------------


def panels(records: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The panels worth drawing: (title, keys), keys that have at least one number."""
    keys = {k for r in records for k, v in r.items() if isinstance(v, int | float)}
    wanted = [("reward", ["reward_mean", "pass_rate"]),
              ("speedup (geometric mean)", ["speedup_geomean"]),
              ("losses", sorted(k for k in keys if k.endswith("loss"))),
              ("seconds per step", ["gen_s", "reward_s", "update_s"])]
    return [(t, [k for k in ks if k in keys]) for t, ks in wanted if any(k in keys for k in ks)]


def plot(records: list[dict[str, Any]], out: str) -> str | None:
    """Draw the log to OUT/train-log.png (matplotlib) or .svg; returns the path, None when
    there is nothing to draw."""
    chosen = panels(records)
    if not records or not chosen:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = os.path.join(out, PLOT + ".svg")
        _replace_text(path, svg(records, chosen))
        return path
    fig, axes = plt.subplots(len(chosen), 1, figsize=(7, 2.6 * len(chosen)), squeeze=False)
    for ax, (title, keys) in zip(axes[:, 0], chosen, strict=True):
        for key in keys:
            xs, ys = _series(records, key)
            ax.plot(xs, ys, label=key)
        ax.set_title(title)
        ax.legend(loc="best", fontsize="small")
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    path = os.path.join(out, PLOT + ".png")
    tmp = os.path.join(out, f".tmp-{PLOT}.png")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def _series(records: list[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    pts = [(r["step"], r[key]) for r in records
           if isinstance(r.get(key), int | float) and math.isfinite(r[key]) and "step" in r]
    return [p[0] for p in pts], [p[1] for p in pts]


_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def svg(records: list[dict[str, Any]], chosen: list[tuple[str, list[str]]]) -> str:
    """Small multiples, one panel per (title, keys), as a standalone SVG document."""
    width, height, pad = 640, 180, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height * len(chosen)}" font-family="sans-serif" font-size="11">']
    for i, (title, keys) in enumerate(chosen):
        top = i * height
        series = {k: _series(records, k) for k in keys}
        xs = [x for s in series.values() for x in s[0]]
        ys = [y for s in series.values() for y in s[1]]
        if not xs:
            continue
        x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
        y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1

        def at(x: float, y: float, x0=x0, x1=x1, y0=y0, y1=y1, top=top) -> str:
            px = pad + (x - x0) / (x1 - x0) * (width - 2 * pad)
            py = top + height - pad + (y0 - y) / (y1 - y0) * (height - 2 * pad)
            return f"{px:.1f},{py:.1f}"

        parts.append(f'<text x="{pad}" y="{top + 16}" font-weight="bold">{_esc(title)}</text>')
        parts.append(f'<rect x="{pad}" y="{top + pad}" width="{width - 2 * pad}" '
                     f'height="{height - 2 * pad}" fill="none" stroke="#999"/>')
        parts.append(f'<text x="2" y="{top + pad + 4}">{y1:.3g}</text>')
        parts.append(f'<text x="2" y="{top + height - pad}">{y0:.3g}</text>')
        parts.append(f'<text x="{pad}" y="{top + height - pad + 14}">step {x0:g}</text>')
        parts.append(f'<text x="{width - pad}" y="{top + height - pad + 14}" '
                     f'text-anchor="end">{x1:g}</text>')
        for j, (key, (sx, sy)) in enumerate(series.items()):
            color = _COLORS[j % len(_COLORS)]
            points = " ".join(at(x, y) for x, y in zip(sx, sy, strict=True))
            parts.append(f'<polyline fill="none" stroke="{color}" points="{points}"/>')
            parts.append(f'<text x="{width - pad - 150}" y="{top + 16 + 12 * j}" '
                         f'fill="{color}">{_esc(key)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _replace_text(path: str, text: str) -> None:
    tmp = os.path.join(os.path.dirname(path), f".tmp-{os.path.basename(path)}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
