#!/usr/bin/env bash
# Install what the tests need into .venv (idempotent) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test]'
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -ra "$@"
