"""Where `llmcc eval` gets its answers: a model behind an OpenAI-compatible URL (the model
proposer's client), a GGUF served by `llmcc serve`, a Hugging Face folder (transformers'
generate), or the variants proposer (no model). A sampler returns up to k raw answers per
task, as a model would write them, for the reward's judge to read back."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Protocol

from llmcc.errors import LlmccError
from llmcc.propose.prompt import COMPLETION_PRIMER

if TYPE_CHECKING:
    from llmcc.config import Settings
    from llmcc.propose.server import ServeSettings


class Sampler(Protocol):
    name: str

    def sample(self, task: dict, k: int) -> list[str]:
        """Up to ``k`` raw answers for ``task``."""
        ...

    def close(self) -> None:
        ...


def fenced(asm: str) -> str:
    """Assembly as a model would answer with it."""
    return f"```asm\n{asm.rstrip()}\n```\n"


class VariantsSampler:
    """The variants proposer's distinct candidates (gcc under other settings), at most k:
    deterministic, so k only caps their number."""

    name = "variants"

    def __init__(self, budget_s: float = 60.0) -> None:
        from llmcc.propose.variants import Variants

        self.budget_s = budget_s
        self._variants = Variants()

    def sample(self, task: dict, k: int) -> list[str]:
        if task["kind"] == "program":
            return [fenced(t) for t in program_variants(task)][:k]
        from llmcc.dataset.judge import function_setup

        ftask = function_setup(task)
        return [fenced(c.text) for c in self._variants.propose(ftask, self.budget_s)][:k]

    def close(self) -> None:
        pass


def program_variants(task: dict) -> list[str]:
    """A program task's whole assembly under each of the variants' settings, without the
    baseline's own code and repeats."""
    from llmcc.dataset.importer import compile_program
    from llmcc.dataset.judge import code_key
    from llmcc.files import private_dir, remove_dir
    from llmcc.propose.variants import VARIANTS, variant_args

    workdir = private_dir("")
    seen = {code_key(task["baseline"])}
    out: list[str] = []
    try:
        for variant in VARIANTS:
            va = variant_args(tuple(task["flags"]), variant)
            if va is None:
                continue
            text = compile_program(task["program"], task["compiler"], va.args, workdir)
            if text.startswith("error: "):
                continue
            if code_key(text) not in seen:
                seen.add(code_key(text))
                out.append(text)
    finally:
        remove_dir(workdir)
    return out


class ServerSampler:
    """Answers from an OpenAI-compatible server, one request per seed 0..k-1, through the
    model proposer's client. A server that cannot be reached is an error naming its URL."""

    def __init__(self, url: str, *, api: str | None = "chat", name: str = "",
                 temperature: float = 0.7, max_tokens: int = 2048,
                 timeout_s: float = 120.0) -> None:
        from llmcc.files import private_dir
        from llmcc.propose.model import ModelProposer, ModelSettings

        self.url = url.rstrip("/")
        self.name = self.url
        self.api = api = api or "chat"
        settings = ModelSettings(url=self.url, api=api, name=name, temperature=temperature,
                                 max_tokens=max_tokens, timeout_s=timeout_s)
        # a private breaker folder: another process's failure must not skip this evaluation
        self._marker_dir = private_dir("")
        self._client = ModelProposer(settings, marker_dir=self._marker_dir)

    def sample(self, task: dict, k: int) -> list[str]:
        from llmcc.propose.model import ModelError

        client = self._client
        body = client.request_body(prompt=task["prompt"]) if self.api == "completions" \
            else client.request_body(messages=task["messages"])
        answers = []
        for seed in range(k):
            deadline = time.monotonic() + client.settings.timeout_s + 1.0
            try:
                # the client's one request (retry, time-out and error handling included)
                text = client.answer({**body, "seed": seed}, deadline, answered=bool(answers))
            except ModelError as exc:
                raise LlmccError(str(exc)) from None
            answers.append(text or "")
        return answers

    def close(self) -> None:
        from llmcc.files import remove_dir

        remove_dir(self._marker_dir)


class GgufSampler(ServerSampler):
    """A GGUF file served by `llmcc serve` (started here if no server has it, stopped again
    at the end when this evaluation started it)."""

    def __init__(self, path: str, serve: ServeSettings, **kwargs) -> None:
        from llmcc.propose.server import check_gguf, ensure

        path = os.path.abspath(path)
        check_gguf(path)
        self._settings = serve._replace(model=path)
        info, self._started = ensure(self._settings, retry_failed=True)
        super().__init__(info.url, **kwargs)
        self.name = path

    def close(self) -> None:
        super().close()
        if self._started:
            from llmcc.propose.server import stop

            stop(self._settings.port)


class HFSampler:
    """Answers generated with transformers from a Hugging Face model folder: with ``api``
    "chat", the chat messages through the tokenizer's chat template when it has one; else
    the completion prompt (whose answer starts inside the assembly fence), which is what
    ``llmcc train`` trains on and so the default for the folders it writes."""

    def __init__(self, folder: str, *, api: str | None = None, temperature: float = 0.7,
                 max_tokens: int = 2048, seed: int = 0) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise LlmccError("--model with a Hugging Face folder needs torch and transformers "
                             "(pip install 'llmcc[train]')") from None
        self.name = folder
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            self.model = AutoModelForCausalLM.from_pretrained(folder)
        except Exception as exc:
            raise LlmccError(f"{folder}: the model does not load: "
                             f"{str(exc).splitlines()[0] if str(exc) else exc!r}") from None
        self.model.eval()
        from llmcc.train.checkpoint import MANIFEST

        trained_here = os.path.isfile(os.path.join(folder, MANIFEST))
        self.api = api or ("completions" if trained_here else "chat")
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._torch = torch
        torch.manual_seed(seed)

    def sample(self, task: dict, k: int) -> list[str]:
        tok = self.tokenizer
        chat = self.api == "chat" and bool(getattr(tok, "chat_template", None))
        if chat:
            ids = tok.apply_chat_template(task["messages"], add_generation_prompt=True,
                                          return_tensors="pt", return_dict=True)
        else:
            ids = tok(task["prompt"], return_tensors="pt")
        with self._torch.no_grad():
            out = self.model.generate(
                **ids, do_sample=self.temperature > 0, temperature=self.temperature or None,
                max_new_tokens=self.max_tokens, num_return_sequences=k,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None
                else tok.eos_token_id)
        start = ids["input_ids"].shape[1]
        texts = [tok.decode(seq[start:], skip_special_tokens=True) for seq in out]
        return texts if chat else [COMPLETION_PRIMER + t for t in texts]

    def close(self) -> None:
        pass


def sampler_for(model: str, settings: Settings, **kwargs) -> Sampler:
    """The sampler ``--model`` names: ``variants``, an http(s) URL, a .gguf file (served as
    ``settings`` say: port, context, start time) or a Hugging Face model folder."""
    if model == "variants":
        return VariantsSampler()
    if model.startswith(("http://", "https://")):
        return ServerSampler(model, **kwargs)
    if model.endswith(".gguf"):
        from llmcc.propose.server import ServeSettings

        return GgufSampler(model, ServeSettings.from_config(settings), **kwargs)
    if os.path.isdir(model):
        if not os.path.isfile(os.path.join(model, "config.json")):
            raise LlmccError(f"{model}: not a Hugging Face model folder (no config.json)")
        return HFSampler(model, **{k: v for k, v in kwargs.items()
                                   if k in ("api", "temperature", "max_tokens")})
    raise LlmccError(f"--model {model}: expected variants, an http(s) URL, a .gguf file or a "
                     "Hugging Face model folder")
