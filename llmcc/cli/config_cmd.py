"""`llmcc config`: the effective settings and where each came from."""

from __future__ import annotations

import argparse
import json

from llmcc.config import load


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc config", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    opts = parser.parse_args(args)
    config = load()
    rows = [(s.key, v.value, v.source, s.env, s.help) for s, v in config.items()]
    if opts.json:
        print(json.dumps({
            "file": str(config.file) if config.file else None,
            "settings": {k: {"value": list(v) if isinstance(v, tuple) else v, "source": src,
                             "env": env} for k, v, src, env, _ in rows},
        }, indent=2))
        return 0
    print(f"config file: {config.file or '(none found; defaults and environment only)'}")
    width = max(len(k) for k, *_ in rows)
    for key, value, source, env, text in rows:
        shown = ",".join(value) if isinstance(value, tuple) else repr(value)
        print(f"{key:<{width}}  {shown:<24}  from {source:<16}  ({env}: {text})")
    return 0
