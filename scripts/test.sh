#!/usr/bin/env bash
# Install what the tests need into .venv (idempotent) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# torch first, as the CPU build on this machine's disk: a bare "torch" requirement would
# otherwise fetch a CUDA build of several GB
.venv/bin/python -c 'import torch' 2>/dev/null || "${PIP[@]}" torch==2.13.0
# the model extra builds llama.cpp from source: about 10 minutes the first time
"${PIP[@]}" --config-settings editable_mode=compat -e '.[test,model,train]'
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -ra "$@"
