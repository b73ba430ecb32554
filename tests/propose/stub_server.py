"""A scripted OpenAI-compatible server for tests: answers /v1/chat/completions and
/v1/completions with the replies it was given, in order, and records every request."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple


class Reply(NamedTuple):
    text: str | None = ""  # the answer's content (None: a null content)
    status: int = 200  # anything else answers with an error body
    delay_s: float = 0.0  # wait this long before answering (a slow or hanging server)
    raw: bytes | None = None  # sent as the body instead of a well-formed answer


class Recorded(NamedTuple):
    path: str
    body: dict[str, Any]


class StubServer:
    """``with StubServer([Reply(...), ...]) as server:`` then point a client at ``server.url``.
    Once the script runs out, every request gets its last reply again (or an empty answer).
    ``port`` 0 takes a free one; another brings a server up where a client expects it."""

    def __init__(self, replies: list[Reply | str] | None = None, port: int = 0) -> None:
        self.replies = [r if isinstance(r, Reply) else Reply(r) for r in replies or []]
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # ends the delays of replies still waiting
        self._httpd.shutdown()
        self._httpd.server_close()

    def seeds(self) -> list[Any]:
        return [r.body.get("seed") for r in self.requests]

    def _next(self, path: str, body: dict[str, Any]) -> Reply:
        with self._lock:
            index = len(self.requests)
            self.requests.append(Recorded(path, body))
            if not self.replies:
                return Reply("")
            return self.replies[min(index, len(self.replies) - 1)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {"unreadable": True}
                reply = server._next(self.path, body)
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return
                if reply.raw is not None:
                    data = reply.raw
                elif reply.status != 200:
                    data = json.dumps({"error": {"message": "scripted failure"}}).encode()
                elif self.path.endswith("/chat/completions"):
                    data = json.dumps({"object": "chat.completion", "choices": [{
                        "index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": reply.text}}]}).encode()
                elif self.path.endswith("/completions"):
                    data = json.dumps({"object": "text_completion", "choices": [{
                        "index": 0, "finish_reason": "stop", "text": reply.text}]}).encode()
                else:
                    reply, data = Reply(status=404), b'{"error": "not found"}'
                with contextlib.suppress(OSError):  # the client may have given up
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

        return Handler
