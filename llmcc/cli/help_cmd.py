"""`llmcc help`: the usage text."""

from __future__ import annotations

import sys


def main(args: list[str]) -> int:
    from llmcc.cli.main import usage

    sys.stdout.write(usage())
    return 0
