"""The model server llmcc runs for ``model_path``: llama-cpp-python's OpenAI-compatible app on
loopback, one per port for all of a user's builds. A state file (written by the server once its
model is loaded) says which process serves what; starting happens under a file lock, so the
first of ``make -j`` compiles starts it and the others wait for it and share it; the server
stops itself after ``model_idle_s`` without requests."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcc.errors import LlmccError, ToolError
from llmcc.files import replace_text, state_dir

if TYPE_CHECKING:
    from llmcc.config import Settings

HOST = "127.0.0.1"
# Answered by llmcc's wrapper around the app, without waiting for the model: /v1/models waits
# behind a generation in progress, which would make a busy server look dead.
STATUS_PATH = "/llmcc/status"
# After a failed start, builds do not try again for this long (each try may cost up to
# model_start_s of every compile); `llmcc serve` always tries.
RETRY_S = 60.0
# one status request; answered by the event loop even while the model generates, so only a
# wedged server takes this long
_PROBE_S = 5.0
_POLL_S = 0.1  # while waiting for a server to come up or go away
_STOP_S = 10.0  # after SIGTERM, before SIGKILL
_LOCK_MARGIN_S = 30.0  # waiting for the lock: another process's whole start, and then some
_ERROR_PREFIX = "llmcc serve: error: "  # how the server's own failures appear in its log

NOT_INSTALLED = ("llama-cpp-python is not installed: pip install 'llmcc[model]' "
                 "(it builds llama.cpp from source, about 10 minutes)")

Log = Callable[..., None]  # llmcc.log.write with its path bound: log(event, **fields)


class ServerError(LlmccError):
    """The model server cannot be started, found or stopped."""


class ServeSettings(NamedTuple):
    """What to serve and how (settings model_path, model_port, model_idle_s, model_ctx,
    model_start_s)."""

    model: str  # the GGUF file, an absolute path
    port: int = 8477
    idle_s: float = 600.0  # without requests this long, the server stops; 0 = never
    ctx: int = 8192  # context window in tokens
    start_s: float = 120.0  # the longest wait for the model to load

    @classmethod
    def from_config(cls, settings: Settings) -> ServeSettings:
        model = settings.model_path.strip()
        return cls(os.path.abspath(model) if model else "", settings.model_port,
                   settings.model_idle_s, settings.model_ctx, settings.model_start_s)

    @property
    def url(self) -> str:
        return base_url(self.port)


class ServerInfo(NamedTuple):
    """A server's state file."""

    pid: int
    port: int
    model: str
    started: float  # time.time() when it began to answer
    idle_s: float

    @property
    def url(self) -> str:
        return base_url(self.port)


class Status(NamedTuple):
    """A running server, as it answers for itself."""

    info: ServerInfo
    requests: int  # requests received since it started (status queries not counted)
    idle_for: float  # seconds since the last request ended
    in_flight: int


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}/v1"


class _Paths(NamedTuple):
    state: str  # the ServerInfo as JSON, present while the server answers
    lock: str  # held while a server is being started (and while one stops itself)
    log: str  # the server's own output
    failed: str  # when and why the last start failed


def _paths(port: int) -> _Paths:
    folder = state_dir("server")
    stem = os.path.join(folder, f"port-{port}")
    return _Paths(f"{stem}.json", f"{stem}.lock", f"{stem}.log", f"{stem}.failed")


def _lock(path: str, timeout: float):
    from filelock import FileLock

    # not thread-local: the idle watchdog takes it, the main thread lets it go
    return FileLock(path, timeout=timeout, thread_local=False)


# -- finding a server --------------------------------------------------------------------------


def read_info(port: int) -> ServerInfo | None:
    try:
        with open(_paths(port).state, encoding="utf-8") as fh:
            data = json.load(fh)
        return ServerInfo(int(data["pid"]), int(data["port"]), str(data["model"]),
                          float(data["started"]), float(data["idle_s"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def probe(port: int, *, touch: bool = True, timeout: float | None = None) -> dict | None:
    """The status a server on ``port`` reports, or None when nothing (of llmcc's) answers.
    ``touch`` counts as activity (a build about to send requests), so the server does not
    stop in between."""
    import urllib.request

    url = f"http://{HOST}:{port}{STATUS_PATH}" + ("" if touch else "?touch=0")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback
    try:
        with opener.open(url, timeout=timeout or _PROBE_S) as response:
            data = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _running(port: int, *, touch: bool) -> tuple[ServerInfo, dict] | None:
    """The server the state file names, if that process answers on the port."""
    info = read_info(port)
    if info is None:
        return None
    answer = probe(port, touch=touch)
    if answer is None or answer.get("pid") != info.pid:
        return None
    return info, answer


def status(port: int) -> Status | None:
    found = _running(port, touch=False)
    if found is None:
        return None
    info, answer = found
    return Status(info, int(answer.get("requests", 0)), float(answer.get("idle_for", 0.0)),
                  int(answer.get("in_flight", 0)))


# -- starting and stopping -----------------------------------------------------------------


def check_gguf(path: str) -> None:
    """Raise ServerError unless ``path`` is a readable file that starts like a GGUF."""
    if not path:
        raise ServerError("no model: pass --model FILE.gguf or set model_path / LLMCC_MODEL")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except IsADirectoryError:
        raise ServerError(f"{path}: is a folder, not a GGUF file") from None
    except OSError as exc:
        raise ServerError(f"{path}: {exc.strerror or exc}") from None
    if magic != b"GGUF":
        raise ServerError(f"{path}: not a GGUF file (it does not start with 'GGUF')")


def ensure(settings: ServeSettings, *, retry_failed: bool = False,
           log: Log | None = None) -> tuple[ServerInfo, bool]:
    """The server for ``settings.model`` on ``settings.port``, started if none answers there,
    and whether this call started it. Raises ServerError when it cannot be had: the port
    serves another model, the start failed (or, unless ``retry_failed``, failed less than
    RETRY_S ago in any process), or another process's start took too long. ``log`` gets one
    ``model_server`` line for a start and one for a failure (not for one another process
    has already logged)."""
    from filelock import Timeout

    paths = _paths(settings.port)
    try:
        try:
            os.makedirs(os.path.dirname(paths.lock), mode=0o700, exist_ok=True)
        except OSError as exc:
            raise ServerError(f"cannot create {os.path.dirname(paths.lock)}: {exc}") from None
        lock = _lock(paths.lock, settings.start_s + _LOCK_MARGIN_S)
        try:
            lock.acquire()
        except Timeout:
            raise ServerError(f"waited {lock.timeout:.0f} s for another llmcc process to "
                              f"start the model server on port {settings.port}") from None
        try:
            return _ensure_locked(settings, paths, retry_failed, log)
        finally:
            lock.release()
    except _Reported:
        raise
    except ServerError as exc:
        _write_text(paths.failed, json.dumps({"time": time.time(), "model": settings.model,
                                              "reason": str(exc)}))
        if log is not None:
            log("model_server", action="failed", model=settings.model, port=settings.port,
                reason=str(exc))
        raise


class _Reported(ServerError):
    """A failure another process met and logged less than RETRY_S ago."""


def _ensure_locked(settings: ServeSettings, paths: _Paths, retry_failed: bool,
                   log: Log | None) -> tuple[ServerInfo, bool]:
    found = _running(settings.port, touch=True)
    if found is not None:
        info = found[0]
        if not _same_file(info.model, settings.model):
            raise ServerError(f"port {settings.port} serves {info.model}, not "
                              f"{settings.model}: stop it (llmcc serve --stop) or choose "
                              "another model_port")
        return info, False
    stuck = read_info(settings.port)
    if stuck is not None and _is_server(stuck.pid):  # alive, yet silent: not replaced
        raise ServerError(f"the model server on port {settings.port} (pid {stuck.pid}) "
                          f"does not answer within {_PROBE_S:g} s")
    if not retry_failed:
        _raise_recent_failure(paths, settings)
    start = time.monotonic()
    info = _start(settings, paths)
    with contextlib.suppress(OSError):
        os.unlink(paths.failed)
    if log is not None:
        log("model_server", action="started", model=settings.model, port=settings.port,
            pid=info.pid, seconds=f"{time.monotonic() - start:.2f}")
    return info, True


def _raise_recent_failure(paths: _Paths, settings: ServeSettings) -> None:
    try:
        with open(paths.failed, encoding="utf-8") as fh:
            data = json.load(fh)
        age = time.time() - float(data["time"])
        same = _same_file(str(data["model"]), settings.model)
        reason = str(data["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if same and -5.0 <= age < RETRY_S:
        raise _Reported(f"{reason} (in a start {age:.0f} s ago; not tried again for "
                        f"{RETRY_S:.0f} s, or run llmcc serve)")


def _start(settings: ServeSettings, paths: _Paths) -> ServerInfo:
    """Start a server in the background (``llmcc serve --foreground`` in a session of its
    own) and wait until it answers; the caller holds the lock."""
    import importlib.util

    from llmcc import subproc

    check_gguf(settings.model)
    if importlib.util.find_spec("llama_cpp") is None:
        raise ServerError(NOT_INSTALLED)
    _bind(settings.port).close()  # a busy port, said before paying for a process
    args = [sys.executable, "-m", "llmcc", "serve", "--foreground", "--model", settings.model,
            "--port", str(settings.port), "--idle-s", repr(settings.idle_s),
            "--ctx", str(settings.ctx)]
    try:
        child = subproc.spawn(args, log_file=paths.log)
    except OSError as exc:
        raise ServerError(f"cannot write {paths.log}: {exc.strerror or exc}") from None
    except ToolError as exc:
        raise ServerError(str(exc)) from None
    deadline = time.monotonic() + settings.start_s
    while True:
        code = child.returncode()
        if code is not None:
            raise ServerError(_failure_reason(paths.log, code))
        found = _running(settings.port, touch=True)
        if found is not None and found[0].pid == child.pid:
            return found[0]
        if time.monotonic() > deadline:
            child.kill()
            raise ServerError(f"{settings.model}: the server did not answer within "
                              f"{settings.start_s:.0f} s (model_start_s; see {paths.log})")
        time.sleep(_POLL_S)


def _failure_reason(log_file: str, code: int) -> str:
    """The server's own one-line error from its log, else its exit status."""
    try:
        with open(log_file, encoding="utf-8", errors="replace") as fh:
            lines = fh.read()[-20000:].splitlines()
    except OSError:
        lines = []
    for line in reversed(lines):
        if line.startswith(_ERROR_PREFIX):
            return line[len(_ERROR_PREFIX):]
    return f"the model server exited with status {code} before answering (see {log_file})"


def stop(port: int) -> ServerInfo | None:
    """Stop the server on ``port`` (SIGTERM, then SIGKILL); the one stopped, or None when
    none was running (a stale state file is removed)."""
    info = read_info(port)
    if info is None:
        return None
    if not _is_server(info.pid):
        _remove_state(port, info.pid)
        return None
    os.kill(info.pid, signal.SIGTERM)
    if not _wait_gone(info.pid, _STOP_S):
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
        _wait_gone(info.pid, _STOP_S)
    _remove_state(port, info.pid)
    return info


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        with contextlib.suppress(ChildProcessError):  # reap it if this process started it
            os.waitpid(pid, os.WNOHANG)
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL_S)
    return True


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not os.path.isdir("/proc")  # no /proc entry on a system that has them: gone


def _is_server(pid: int) -> bool:
    """``pid`` is alive and is an ``llmcc serve`` (not a process that reused the number)."""
    if not _alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return True  # no /proc: trust the state file
    return b"serve" in argv and any(b"llmcc" in a for a in argv)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _write_text(path: str, text: str) -> None:
    """Replace ``path`` atomically; never raises (state is advisory)."""
    with contextlib.suppress(OSError):
        replace_text(path, text)


def _remove_state(port: int, pid: int) -> None:
    """Remove the state file if it still names ``pid`` (a newer server keeps its own)."""
    info = read_info(port)
    if info is not None and info.pid == pid:
        with contextlib.suppress(OSError):
            os.unlink(_paths(port).state)


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, not a server
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {HOST} is in use ({exc.strerror}): choose "
                              "another model_port or stop what listens there") from None
        raise ServerError(f"cannot listen on port {port} of {HOST}: {exc.strerror or exc}") \
            from None
    return sock


# -- the server itself -----------------------------------------------------------------------


class _Activity:
    """Requests seen by the app; read by the idle watchdog and the status endpoint."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.in_flight = 0
        self.requests = 0

    def idle_for(self) -> float:
        return 0.0 if self.in_flight else time.monotonic() - self.last


class _Watched:
    """The llama-cpp-python ASGI app, counting requests and answering STATUS_PATH itself."""

    def __init__(self, app: Any, activity: _Activity, info: ServerInfo) -> None:
        self.app = app
        self.activity = activity
        self.info = info

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        act = self.activity
        if scope.get("path") == STATUS_PATH:
            if b"touch=0" not in scope.get("query_string", b""):
                act.last = time.monotonic()
            body = json.dumps({**self.info._asdict(), "requests": act.requests,
                               "idle_for": round(act.idle_for(), 3),
                               "in_flight": act.in_flight}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        act.in_flight += 1
        act.requests += 1
        act.last = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            act.in_flight -= 1
            act.last = time.monotonic()


def serve_foreground(settings: ServeSettings,
                     ready: Callable[[ServerInfo], None] | None = None) -> None:
    """Load the model and serve it in this process until SIGINT/SIGTERM or, with an
    ``idle_s``, until that long passes without requests; ``ready`` is called once it
    listens. Raises ServerError (a one-line reason naming the file or port) when the model or
    the port cannot be had."""
    check_gguf(settings.model)
    paths = _paths(settings.port)
    try:
        os.makedirs(os.path.dirname(paths.state), mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ServerError(f"cannot create {os.path.dirname(paths.state)}: {exc}") from None
    sock = _bind(settings.port)
    lock = _lock(paths.lock, 0)
    try:
        app = _load(settings)
        import uvicorn

        info = ServerInfo(os.getpid(), settings.port, settings.model, time.time(),
                          settings.idle_s)
        activity = _Activity()
        server = uvicorn.Server(uvicorn.Config(_Watched(app, activity, info), host=HOST,
                                               port=settings.port, log_level="warning",
                                               timeout_graceful_shutdown=5))
        if settings.idle_s > 0:
            threading.Thread(target=_watch_idle, args=(server, activity, settings.idle_s, lock,
                                                       settings.port), daemon=True).start()
        sock.listen(64)  # from here on connections wait in the backlog until uvicorn runs
        _write_text(paths.state, json.dumps(info._asdict()))
        if ready is not None:
            ready(info)
        # uvicorn stops gracefully on SIGTERM, then raises it again: exit cleanly (through the
        # finally below) rather than die of it
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        server.run(sockets=[sock])
    finally:
        _remove_state(settings.port, os.getpid())
        sock.close()
        if lock.is_locked:
            lock.release(force=True)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _load(settings: ServeSettings) -> Any:
    """llama-cpp-python's ASGI app with the model loaded."""
    try:
        import uvicorn  # noqa: F401 (the server runs on it: missing means not installed)
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError:
        raise ServerError(NOT_INSTALLED) from None
    model = ModelSettings(model=settings.model, model_alias=os.path.basename(settings.model),
                          n_ctx=settings.ctx, logits_all=False, verbose=False)
    try:
        return create_app(server_settings=ServerSettings(host=HOST, port=settings.port),
                          model_settings=[model])
    except Exception as exc:  # llama.cpp's loader says ValueError; anything means no model
        detail = " ".join(str(exc).replace(settings.model, "").split()).rstrip(":")
        if detail.startswith("Failed to load model from file"):  # says nothing more
            detail = "damaged, or an architecture this llama.cpp does not know"
        raise ServerError(f"{settings.model}: llama.cpp cannot load this GGUF ({detail})") \
            from None


def _watch_idle(server: Any, activity: _Activity, idle_s: float, lock: Any, port: int) -> None:
    """Stop the server once it has been idle ``idle_s``. The state file goes under the lock,
    so a compile that takes the lock next finds no server and starts one, and one that took
    it first has just touched the server (its check counts as a request)."""
    from filelock import Timeout

    step = min(1.0, max(idle_s / 4, 0.05))
    while not server.should_exit:
        time.sleep(step)
        if activity.idle_for() < idle_s:
            continue
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        if activity.idle_for() < idle_s:
            lock.release()
            continue
        _remove_state(port, os.getpid())
        server.should_exit = True  # the lock goes once the socket is closed
        return
