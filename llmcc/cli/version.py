"""`llmcc version`: llmcc's version and the compiler it would run."""

from __future__ import annotations

import argparse

from llmcc import __version__, subproc
from llmcc.config import load
from llmcc.driver.compiler import resolve


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc version", description=__doc__)
    parser.parse_args(args)
    config = load()
    print(f"llmcc {__version__}")
    compiler = resolve(config.compiler)
    first = subproc.run([compiler, "--version"], timeout=30).stdout.decode().splitlines()
    print(f"compiler: {compiler} ({first[0] if first else 'unknown version'})")
    return 0
