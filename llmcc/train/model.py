"""Loading the model and tokenizer a run trains (optionally wrapped in LoRA adapters), and
saving a policy as a plain Hugging Face model folder (adapters merged) that loads again."""

from __future__ import annotations

import copy
import os
from typing import Any

from llmcc.errors import LlmccError
from llmcc.train.config import TrainConfig

ADAPTER_DIR = "adapter"  # a checkpoint's LoRA adapter, for resuming (peft's format)


class ModelLoadError(LlmccError):
    """A model folder that is missing or that transformers (or peft) cannot load."""


def device() -> Any:
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def quiet_transformers() -> None:
    """No per-file progress bars or advice from transformers: the run has its own bar."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def check_model_dir(path: str) -> None:
    if not os.path.isdir(path):
        raise ModelLoadError(f"{path}: no such model folder")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise ModelLoadError(f"{path}: not a Hugging Face model folder (no config.json)")


def load_tokenizer(path: str) -> Any:
    """The folder's tokenizer, with a pad token (the end-of-sequence token when it has none)."""
    check_model_dir(path)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except Exception as exc:  # third-party errors become one line at this boundary
        raise ModelLoadError(f"{path}: the tokenizer does not load: {_first_line(exc)}") \
            from None
    if tokenizer.eos_token_id is None:
        raise ModelLoadError(f"{path}: the tokenizer has no end-of-sequence token")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(path: str, *, base: bool = False) -> Any:
    """AutoModelForCausalLM (or with ``base``, AutoModel: the trunk without the LM head) from
    ``path``, in float32 on the training device."""
    check_model_dir(path)
    import torch
    from transformers import AutoModel, AutoModelForCausalLM

    cls = AutoModel if base else AutoModelForCausalLM
    try:
        model = cls.from_pretrained(path, dtype=torch.float32)
    except Exception as exc:
        raise ModelLoadError(f"{path}: the model does not load: {_first_line(exc)}") from None
    return model.to(device())


def load_policy(path: str, config: TrainConfig, adapter: str | None = None) -> Any:
    """The causal LM to train: the model in ``path``, wrapped in new LoRA adapters when
    ``config.lora`` (or in the saved ones in ``adapter`` when resuming)."""
    model = load_causal_lm(path)
    if not config.lora:
        return model
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    torch.manual_seed(config.seed)  # new adapters start the same in every run
    try:
        if adapter is not None:
            return PeftModel.from_pretrained(model, adapter, is_trainable=True)
        lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha,
                          lora_dropout=config.lora_dropout, target_modules="all-linear",
                          task_type="CAUSAL_LM")
        return get_peft_model(model, lora)
    except Exception as exc:
        raise ModelLoadError(f"{adapter or path}: LoRA adapters cannot be set up: "
                             f"{_first_line(exc)}") from None


def is_peft(model: Any) -> bool:
    return hasattr(model, "merge_and_unload") and hasattr(model, "peft_config")


def save_model_folder(model: Any, tokenizer: Any, dest: str) -> None:
    """``model`` and ``tokenizer`` as a Hugging Face folder in ``dest``: adapters merged into
    the weights, and saved on their own too (``ADAPTER_DIR``) so a run can resume them."""
    if is_peft(model):
        model.save_pretrained(os.path.join(dest, ADAPTER_DIR))
        model = copy.deepcopy(model).merge_and_unload()
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
