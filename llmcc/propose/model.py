"""The ``model`` proposer: rewrites sampled from a language model behind an OpenAI-compatible
HTTP endpoint (llama.cpp's server, vLLM ...), one request per seed, with the standard library
only; a server that fails is left alone for the rest of the process (the circuit breaker)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcc.files import replace_text, state_dir
from llmcc.outcome import Outcome
from llmcc.propose.prompt import (
    CLOSING_FENCE,
    COMPLETION_PRIMER,
    PromptInput,
    chat_messages,
    completion_prompt,
    extract_assembly,
)
from llmcc.records import Candidate, Failure, FunctionTask

if TYPE_CHECKING:
    from llmcc.config import Settings
    from llmcc.propose.server import ServeSettings

# Another process's failure (the marker file) keeps a server uncontacted this long.
BREAKER_S = 60.0
# A request cut short by the budget blames the server (trips the breaker) only when nothing
# was answered before it in the same call and it waited at least this long: a server that
# gives nothing in that time would cost every function its whole budget.
SILENT_S = 10.0
# Not worth starting a request with less time than this left.
_MIN_REQUEST_S = 0.05
_RETRY_PAUSE_S = 0.1
_ERROR_BODY_CHARS = 200

NO_MODEL = ("no model configured (set model_url / LLMCC_MODEL_URL, or model_path / "
            "LLMCC_MODEL to a GGUF file that llmcc serves)")

# servers this process stopped contacting: url -> why
_DOWN: dict[str, str] = {}
# models llmcc could not serve, this process: settings -> why
_NOT_SERVED: dict[ServeSettings, str] = {}
# models llmcc serves: settings -> when this process last found the server answering. Within
# half the idle time-out it cannot have stopped by itself, so it is not looked up again: a
# server that died meanwhile is then a failed request, which trips the breaker (a crash is not
# answered with a restart in every compile).
_SERVED_AT: dict[ServeSettings, float] = {}


def forget_failures() -> None:
    """Let this process contact every server again (the marker files stay)."""
    _DOWN.clear()
    _NOT_SERVED.clear()
    _SERVED_AT.clear()


class ModelSettings(NamedTuple):
    url: str = ""  # base URL, e.g. http://127.0.0.1:8000/v1
    api: str = "chat"  # "chat" (/chat/completions) or "completions" (/completions)
    name: str = ""  # the model field of requests; "" leaves it out
    samples: int = 4  # requests per function, one seed each
    temperature: float = 0.7
    max_tokens: int = 2048
    timeout_s: float = 60.0  # per request
    # the GGUF llmcc serves itself at ``url`` (started on first need), when model_url is ""
    serve: ServeSettings | None = None
    log: str = ""  # the log setting: a server found failing is written there, once
    grammar: bool = False  # send the answer's GBNF grammar (llmcc.propose.gbnf) with requests

    @classmethod
    def from_config(cls, settings: Settings) -> ModelSettings:
        url = settings.model_url.strip().rstrip("/")
        serve = None
        if not url and settings.model_path.strip():
            from llmcc.propose.server import ServeSettings

            serve = ServeSettings.from_config(settings)
            url = serve.url
        return cls(url=url, api=settings.model_api,
                   name=settings.model_name.strip(), samples=settings.model_samples,
                   temperature=settings.model_temperature,
                   max_tokens=settings.model_max_tokens, timeout_s=settings.model_timeout_s,
                   serve=serve, log=settings.log, grammar=settings.model_grammar)


class ModelError(Exception):
    """A request that gave no answer; the message names the server and why."""


class _ServerDown(ModelError):
    """The server could not be reached or did not answer in time: trips the breaker."""


class _BudgetSpent(ModelError):
    """A request ran out of the proposer's budget (not the server's fault)."""


class _Unusable(ModelError):
    """The server answered, but not with something usable (4xx, repeated 5xx, bad JSON)."""


_COUNTS = ("requests", "answers", "no_assembly", "unparsable", "baseline", "duplicate")


class ModelProposer:
    """Candidates for a function from ``samples`` requests to the model server, seeds 0..N-1.

    After each call ``last_error`` says why it offered fewer candidates than asked (None when
    nothing went wrong), ``last_failure`` whether that means it was not heard (a server down,
    refusing or timing out, an error, or a budget spent before any answer: a Failure; None
    otherwise) and ``last_counts`` what happened to the requests and answers. No model
    configured is no failure: the decision key names the model (propose.proposer_ids),
    so configuring one offers every function again.
    """

    name = "model"

    def __init__(self, settings: ModelSettings, *, marker_dir: str | None = None) -> None:
        self.settings = settings
        self.marker_dir = marker_dir if marker_dir is not None else state_dir("model-down")
        self.last_error: str | None = None
        self.last_failure: Failure | None = None
        self.last_counts: dict[str, int] = dict.fromkeys(_COUNTS, 0)

    @property
    def label(self) -> str:
        serve = self.settings.serve
        return self.settings.name or (os.path.basename(serve.model) if serve else
                                      self.settings.url)

    def propose(self, task: FunctionTask, budget_s: float) -> list[Candidate]:
        deadline = time.monotonic() + budget_s
        self.last_error = None
        self.last_failure = None
        self.last_counts = dict.fromkeys(_COUNTS, 0)
        try:
            return self._propose(task, deadline)
        except Exception as exc:  # a proposer never breaks a build
            self._failed(f"model proposer failed: {exc!r}")
            return []

    def _failed(self, why: str, outcome: Outcome = Outcome.PROPOSER_FAILED) -> None:
        self.last_error = why
        self.last_failure = Failure(outcome, why)

    # -- one function ----------------------------------------------------------------------
    def _propose(self, task: FunctionTask, deadline: float) -> list[Candidate]:
        s = self.settings
        if not s.url:
            self.last_error = NO_MODEL
            return []
        if s.url in _DOWN:
            self._failed(f"model server {s.url} not contacted again: {_DOWN[s.url]}")
            return []
        age = self._marker_age()
        if age is not None:
            self._failed(f"model server {s.url} not contacted: it failed {age:.0f} s ago "
                         f"in another process (retried after {BREAKER_S:.0f} s)")
            return []
        if s.serve is not None and not self._served(s.serve):
            return []

        from llmcc.asm.parser import parse_statements
        from llmcc.asm.rename import normalized

        inp = PromptInput.from_task(task)
        base = self._request_base(inp)
        baseline = _key(task.baseline_text, normalized)
        seen = {baseline}
        candidates: list[Candidate] = []
        counts = self.last_counts
        for seed in range(s.samples):
            if deadline - time.monotonic() < _MIN_REQUEST_S:
                self._spent(f"budget spent after {seed} of {s.samples} samples")
                break
            counts["requests"] += 1
            try:
                text = self.answer({**base, "seed": seed}, deadline,
                                    answered=counts["answers"] > 0)
            except _ServerDown as exc:
                self._trip(str(exc))
                self._failed(str(exc))
                break
            except _BudgetSpent as exc:
                self._spent(f"{exc} (after {seed} of {s.samples} samples)")
                break
            except _Unusable as exc:
                self._failed(str(exc))
                break
            counts["answers"] += 1
            if s.serve is not None:
                _SERVED_AT[s.serve] = time.monotonic()
            asm = None if text is None else extract_assembly(text, task.name)
            if asm is None:
                counts["no_assembly"] += 1
                continue
            try:
                parse_statements(asm)
            except Exception:  # AsmParseError, or anything else the grammar chokes on
                counts["unparsable"] += 1
                continue
            key = _key(asm, normalized)
            if key in seen:
                counts["baseline" if key == baseline else "duplicate"] += 1
                continue
            seen.add(key)
            candidates.append(Candidate(task.name, asm, f"model:{self.label}:seed={seed}"))
        return candidates

    def _spent(self, why: str) -> None:
        """The budget ended: not heard when nothing was answered yet; a budget that allowed
        some answers is the user's choice of how long to listen (re-asking would spend it
        again on every build)."""
        if self.last_counts["answers"]:
            self.last_error = why
        else:
            self._failed(why, Outcome.PROPOSER_CUT_SHORT)

    def _served(self, serve: ServeSettings) -> bool:
        """Make sure llmcc's own server for ``serve`` answers (the first compile that needs it
        starts it, the others wait for it); False, with ``last_error``, when it cannot be
        had: the build goes on without the model. The process that tried to start it has
        logged why."""
        from llmcc.propose import server

        last = _SERVED_AT.get(serve)
        if last is not None and (not serve.idle_s or time.monotonic() - last < serve.idle_s / 2):
            return True
        why = _NOT_SERVED.get(serve)
        if why is None:
            try:
                server.ensure(serve, log=self._log)
                _SERVED_AT[serve] = time.monotonic()
                return True
            except server.ServerError as exc:
                why = _NOT_SERVED[serve] = str(exc)
        self._failed(f"model server not started: {why}")
        return False

    def _log(self, event: str, **fields: object) -> None:
        from llmcc import log

        log.write(log.log_path(self.settings.log), event, **fields)

    def _request_base(self, inp: PromptInput) -> dict[str, Any]:
        if self.settings.api == "completions":
            return self.request_body(prompt=completion_prompt(inp), function=inp.function)
        return self.request_body(messages=chat_messages(inp), function=inp.function)

    def request_body(self, *, prompt: str = "", messages: list[dict[str, str]] | None = None,
                     function: str = "") -> dict[str, Any]:
        """A request with these settings for a ready completion ``prompt`` (completions
        API) or chat ``messages``; with model_grammar, constrained to an answer defining
        ``function``."""
        s = self.settings
        body: dict[str, Any] = {"temperature": s.temperature, "max_tokens": s.max_tokens,
                                "stream": False}
        if s.name:
            body["model"] = s.name
        if s.api == "completions":
            body["prompt"] = prompt
            body["stop"] = [CLOSING_FENCE]
        else:
            body["messages"] = messages
        if s.grammar and function:
            from llmcc.propose import gbnf

            # llama.cpp's field (vLLM's guided decoding reads other fields and other grammar
            # dialects); a completion continues the prompt's opened fence
            body["grammar"] = gbnf.grammar(fenced=s.api != "completions", function=function)
        return body

    def _endpoint(self) -> str:
        path = "/completions" if self.settings.api == "completions" else "/chat/completions"
        return self.settings.url + path

    def answer(self, body: dict[str, Any], deadline: float, answered: bool = False
               ) -> str | None:
        """The text of one answer to ``body`` (with the completion primer put back); None
        when the answer holds no text. Retries, time-outs and errors as for the proposer's
        own requests: a request that gives nothing raises ModelError. ``answered``: an
        earlier request of the same caller was answered (a time-out is then the budget's)."""
        data = self._request(body, deadline, answered)
        try:
            choice = data["choices"][0]
            if self.settings.api == "completions":
                text = choice["text"]
                return None if text is None else COMPLETION_PRIMER + str(text)
            text = choice["message"]["content"]
            return None if text is None else str(text)
        except (KeyError, IndexError, TypeError):
            return None

    # -- HTTP --------------------------------------------------------------------------------
    def _request(self, body: dict[str, Any], deadline: float, answered: bool) -> Any:
        """The decoded JSON answer to ``body``; one retry after a reset connection or a 5xx.

        A time-out is the server's fault (_ServerDown) when the request had the whole
        ``timeout_s``, or when the budget cut it short after SILENT_S with nothing answered
        yet (``answered``); otherwise it is the budget's (_BudgetSpent)."""
        import http.client
        import urllib.error

        url = self._endpoint()
        payload = json.dumps(body).encode()
        for attempt in (1, 2):
            left = deadline - time.monotonic()
            if left < _MIN_REQUEST_S:
                raise _BudgetSpent("budget spent")
            timeout = min(self.settings.timeout_s, left)
            by_budget = timeout < self.settings.timeout_s and (answered or timeout < SILENT_S)
            retry = attempt == 1
            try:
                return json.loads(self._post_once(url, payload, timeout))
            except urllib.error.HTTPError as exc:
                detail = _error_body(exc)
                if exc.code >= 500 and retry:
                    time.sleep(_RETRY_PAUSE_S)
                    continue
                raise _Unusable(f"model server {url}: HTTP {exc.code}{detail}") from None
            except (ValueError, UnicodeDecodeError) as exc:
                raise _Unusable(f"model server {url}: answer is not JSON ({exc})") from None
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, TimeoutError):
                    self._timed_out(url, timeout, by_budget)
                if isinstance(reason, ConnectionResetError | BrokenPipeError) and retry:
                    continue
                raise _ServerDown(f"model server {url} unreachable: {reason}") from None
            except TimeoutError:
                self._timed_out(url, timeout, by_budget)
            except (ConnectionResetError, BrokenPipeError, http.client.IncompleteRead) as exc:
                if retry:
                    continue
                raise _ServerDown(f"model server {url} dropped the connection: {exc!r}") \
                    from None
            except (OSError, http.client.HTTPException) as exc:
                raise _ServerDown(f"model server {url} failed: {exc!r}") from None
        raise _Unusable(f"model server {url}: failed twice")  # not reached

    def _timed_out(self, url: str, timeout: float, by_budget: bool) -> None:
        if by_budget:
            raise _BudgetSpent(f"budget spent waiting {timeout:.1f} s for {url}")
        raise _ServerDown(f"model server {url} timed out after {timeout:.1f} s")

    def _post_once(self, url: str, payload: bytes, timeout: float) -> bytes:
        import urllib.request

        request = urllib.request.Request(
            url, data=payload, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        with _opener(url).open(request, timeout=timeout) as response:
            return response.read()

    # -- the circuit breaker ---------------------------------------------------------------
    def _marker_path(self) -> str:
        digest = hashlib.sha256(self.settings.url.encode()).hexdigest()[:16]
        return os.path.join(self.marker_dir, f"down-{digest}")

    def _marker_age(self) -> float | None:
        """Seconds since another process found this server failing, if fewer than
        BREAKER_S."""
        try:
            with open(self._marker_path(), encoding="utf-8") as fh:
                stamp = float(fh.read(64).split()[0])
        except (OSError, ValueError, IndexError):
            return None
        age = time.time() - stamp
        return age if -5.0 <= age < BREAKER_S else None

    def _trip(self, reason: str) -> None:
        _DOWN[self.settings.url] = reason
        self._log("model_down", url=self.settings.url, reason=reason)
        with contextlib.suppress(OSError):
            os.makedirs(self.marker_dir, exist_ok=True)
            replace_text(self._marker_path(), f"{time.time():.3f} {self.settings.url}\n")


def _key(text: str, normalized) -> str:
    try:
        return normalized(text)
    except Exception:
        return text


def _error_body(exc) -> str:
    try:
        text = exc.read(_ERROR_BODY_CHARS).decode("utf-8", "replace").strip()
    except Exception:
        return ""
    return f": {' '.join(text.split())}" if text else ""


def _opener(url: str):
    """urllib's opener; no proxy for a server on this machine (an http_proxy setting meant
    for the outside world would otherwise catch it)."""
    import urllib.parse
    import urllib.request

    host = urllib.parse.urlsplit(url).hostname or ""
    if host in ("localhost", "::1") or host.startswith("127."):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()
