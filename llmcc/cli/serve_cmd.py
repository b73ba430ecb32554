"""`llmcc serve [--model FILE.gguf] [--port N] [--foreground | --status | --stop]`: serve a GGUF
with llama-cpp-python's OpenAI-compatible server on loopback, the one builds use (model_path,
model_port); in the background by default, stopping after model_idle_s without requests."""

from __future__ import annotations

import argparse
import os
import sys
import time

from llmcc.config import load
from llmcc.propose.server import (
    ServerError,
    ServerInfo,
    ServeSettings,
    ensure,
    serve_foreground,
    status,
    stop,
)

DESCRIPTION = ("serve a GGUF on loopback with llama-cpp-python's OpenAI-compatible server: "
               "the one builds' model proposer uses")

# `--status` when no server answers (the LSB's "program is not running")
NOT_RUNNING = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmcc serve", description=DESCRIPTION)
    parser.add_argument("--model", metavar="FILE.gguf",
                        help="the GGUF to serve (default: setting model_path / LLMCC_MODEL)")
    parser.add_argument("--port", type=int, help="loopback port (default: model_port)")
    parser.add_argument("--idle-s", type=float, metavar="SECONDS",
                        help="stop after this long without requests, 0 = never "
                             "(default: model_idle_s)")
    parser.add_argument("--ctx", type=int, metavar="TOKENS",
                        help="context window (default: model_ctx)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--foreground", action="store_true",
                        help="serve in this process until Ctrl-C (or the idle time-out)")
    action.add_argument("--status", action="store_true",
                        help=f"say whether a server runs on the port (exit {NOT_RUNNING} if not)")
    action.add_argument("--stop", action="store_true", help="stop the server on the port")
    return parser


def main(args: list[str]) -> int:
    opts = _parser().parse_args(args)
    settings = _settings(opts)
    if opts.status:
        return _status(settings.port)
    if opts.stop:
        info = stop(settings.port)
        print(f"stopped the model server on port {settings.port} (pid {info.pid}, {info.model})"
              if info else f"no model server on port {settings.port}")
        return 0
    if opts.foreground:
        serve_foreground(settings, ready=lambda info: print(
            f"serving {info.model} at {info.url} (pid {info.pid}){_stops(info)}; Ctrl-C stops "
            "it", flush=True))
        return 0
    info, started = ensure(settings, retry_failed=True)
    print(f"{'serving' if started else 'already serving'} {info.model} at {info.url} "
          f"(pid {info.pid}){_stops(info)}")
    return 0


def _settings(opts: argparse.Namespace) -> ServeSettings:
    settings = ServeSettings.from_config(load())
    if opts.model is not None:
        settings = settings._replace(model=os.path.abspath(opts.model))
    if opts.port is not None:
        if not 1 <= opts.port <= 65535:
            raise ServerError(f"--port {opts.port}: expected a port number from 1 to 65535")
        settings = settings._replace(port=opts.port)
    if opts.idle_s is not None:
        settings = settings._replace(idle_s=max(opts.idle_s, 0.0))
    if opts.ctx is not None:
        if opts.ctx < 1:
            raise ServerError(f"--ctx {opts.ctx}: expected a number of tokens above 0")
        settings = settings._replace(ctx=opts.ctx)
    return settings


def _stops(info: ServerInfo) -> str:
    return f", stops after {info.idle_s:g} s without requests" if info.idle_s > 0 else ""


def _status(port: int) -> int:
    st = status(port)
    if st is None:
        print(f"no model server on port {port}")
        return NOT_RUNNING
    info = st.info
    rows = [("url", info.url), ("pid", str(info.pid)), ("model", info.model),
            ("up", f"{time.time() - info.started:.0f} s"), ("requests", str(st.requests)),
            ("in flight", str(st.in_flight)), ("idle", f"{st.idle_for:.0f} s"),
            ("stops after", f"{info.idle_s:g} s idle" if info.idle_s > 0 else "never")]
    for key, value in rows:
        sys.stdout.write(f"{key + ':':<13}{value}\n")
    return 0
