"""The output folder of a run: checkpoints written whole or not at all, the latest of them
published as the folder's own model, and what a resumed run starts from.

Layout of ``OUT``::

    OUT/config.json, model.safetensors, tokenizer files   the latest checkpoint's model
    OUT/llmcc-train.json                                   which step that is (written last)
    OUT/checkpoints/step-00000050/                         a complete checkpoint
    OUT/checkpoints/.tmp-...                               one being written (never read)

A checkpoint is written in a ``.tmp-`` folder and renamed to ``step-N`` when complete, so a
``step-N`` folder is always whole. The top-level files are replaced one by one, after
``llmcc-train.json`` is removed; it is written again last, so a folder without it is one
whose update was interrupted (its ``checkpoints/`` still hold the whole state).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from llmcc.errors import LlmccError
from llmcc.train.metrics import LOG

CHECKPOINTS = "checkpoints"
MANIFEST = "llmcc-train.json"  # in each checkpoint and, for the published model, in OUT
STATE = "state.pt"  # optimizers and whatever else an algorithm needs to resume
_STEP_RE = re.compile(r"^step-(\d{8,})$")
_TMP_PREFIX = ".tmp-"
# Files of a checkpoint that are not the model folder itself: not published to OUT (ours,
# and those of a checkpoint TRL's Trainer wrote: its state, and LoRA adapters, which would
# make transformers load OUT as an adapter rather than as the merged model).
_PRIVATE = {STATE, MANIFEST, "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth",
            "trainer_state.json", "training_args.bin", "adapter_config.json",
            "adapter_model.safetensors", "adapter_model.bin", "entropy_ctrl_state.json",
            "README.md"}
# Weight files a newer publication may leave stale (another sharding): removed from OUT.
_WEIGHTS_RE = re.compile(r"^(model|pytorch_model)(-\d+-of-\d+)?\.(safetensors|bin)"
                         r"(\.index\.json)?$")


class OutputDirError(LlmccError):
    """--out names a folder llmcc cannot train into, or one holding another run."""


class Checkpoint(NamedTuple):
    step: int
    path: str
    manifest: dict[str, Any]


def checkpoints(out: str) -> list[Checkpoint]:
    """The complete checkpoints in ``out``, oldest first."""
    folder = os.path.join(out, CHECKPOINTS)
    found = []
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir(folder):
            m = _STEP_RE.match(name)
            path = os.path.join(folder, name)
            if m is None or not os.path.isdir(path):
                continue
            try:
                with open(os.path.join(path, MANIFEST), encoding="utf-8") as fh:
                    manifest = json.load(fh)
            except (OSError, ValueError):
                continue  # not one of ours
            found.append(Checkpoint(int(m.group(1)), path, manifest))
    return sorted(found)


def latest(out: str) -> Checkpoint | None:
    found = checkpoints(out)
    return found[-1] if found else None


def prepare(out: str, resume: bool, algo: str) -> Checkpoint | None:
    """Make ``out`` ready for a run and return the checkpoint to resume from (None: start
    afresh). A folder holding another run is only continued with ``resume``, and only by
    the same algorithm; leftovers of an interrupted checkpoint are removed."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise OutputDirError(f"{out}: exists and is not a folder")
    os.makedirs(os.path.join(out, CHECKPOINTS), exist_ok=True)
    _remove_partial(out)
    last = latest(out)
    ours = last is not None or any(os.path.exists(os.path.join(out, n)) for n in (MANIFEST, LOG))
    if not ours:
        others = [n for n in os.listdir(out) if n != CHECKPOINTS]
        if others:
            raise OutputDirError(f"{out}: not empty and not a training run of llmcc's; "
                                 "choose another --out")
        return None
    if not resume:
        step = f" (its last checkpoint is step {last.step})" if last else " (no checkpoint yet)"
        raise OutputDirError(f"{out}: holds a training run{step}; pass --resume to continue "
                             "it, or choose another --out")
    if last is not None and last.manifest.get("algo") != algo:
        raise OutputDirError(f"{out}: holds a {last.manifest.get('algo')} run, "
                             f"not {algo}; choose another --out")
    return last


def save(out: str, step: int, manifest: dict[str, Any], write: Callable[[str], None],
         keep: int) -> Checkpoint:
    """A checkpoint of step ``step``: ``write(folder)`` fills a temporary folder, which is
    renamed into place once complete; then it is published as OUT's model and checkpoints
    beyond the newest ``keep`` are removed."""
    folder = os.path.join(out, CHECKPOINTS)
    tmp = os.path.join(folder, f"{_TMP_PREFIX}step-{step}-{os.getpid()}-{os.urandom(4).hex()}")
    os.makedirs(tmp)
    try:
        write(tmp)
        manifest = {**manifest, "step": step, "time": time.time()}
        _write_json(os.path.join(tmp, MANIFEST), manifest)
        _sync_tree(tmp)
        final = os.path.join(folder, f"step-{step:08d}")
        if os.path.exists(final):  # a run resumed from an earlier step got here again
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    checkpoint = Checkpoint(step, final, manifest)
    publish(out, checkpoint)
    for old in checkpoints(out)[:-keep]:
        shutil.rmtree(old.path, ignore_errors=True)
    return checkpoint


def publish(out: str, checkpoint: Checkpoint) -> None:
    """Make OUT's own files the model of ``checkpoint`` (hard links where the file system
    allows, copies elsewhere)."""
    marker = os.path.join(out, MANIFEST)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(marker)
    names = {n for n in os.listdir(checkpoint.path)
             if n not in _PRIVATE and os.path.isfile(os.path.join(checkpoint.path, n))}
    for name in os.listdir(out):
        if _WEIGHTS_RE.match(name) and name not in names:
            os.unlink(os.path.join(out, name))
    for name in sorted(names):
        src = os.path.join(checkpoint.path, name)
        tmp = os.path.join(out, f"{_TMP_PREFIX}{name}")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, os.path.join(out, name))
    _write_json(marker, {**checkpoint.manifest,
                         "checkpoint": os.path.relpath(checkpoint.path, out)})


def _remove_partial(out: str) -> None:
    for folder in (os.path.join(out, CHECKPOINTS), out):
        for name in os.listdir(folder):
            if name.startswith(_TMP_PREFIX):
                path = os.path.join(folder, name)
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(path)


def _write_json(path: str, data: dict[str, Any]) -> None:
    tmp = os.path.join(os.path.dirname(path), f"{_TMP_PREFIX}{os.path.basename(path)}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _sync_tree(path: str) -> None:
    """Flush a checkpoint's files to disk before the rename makes it count as complete."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
