#!/usr/bin/env bash
# The main job: build examples/ with `make CC=llmcc` and show what llmcc did.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e .
export PATH="$PWD/.venv/bin:$PATH"
# a log of this run only, kept beside the examples (not the user's own log)
export LLMCC_LOG="$PWD/examples/llmcc-demo.log"
rm -f "$LLMCC_LOG"
make -C examples clean >/dev/null
echo "== make -C examples CC=llmcc all test"
make -C examples CC=llmcc all test
echo
echo "== what llmcc did (llmcc log --summary)"
llmcc log --summary
echo
echo "== each compiler invocation"
grep ' compile ' "$LLMCC_LOG" | sed -E 's/^[^ ]+ pid=[0-9]+ compile //; s/ cwd=[^ ]+//'
echo
echo "== the objects against plain gcc -O3"
same=0; differ=0
ref=$(mktemp -d)
for src in examples/*.c; do
  name=$(basename "${src%.c}")
  [ -f "examples/$name.o" ] || continue
  (cd examples && gcc -O3 -g -Wall -c "$name.c" -o "$ref/$name.o")
  if cmp -s "examples/$name.o" "$ref/$name.o"; then same=$((same+1)); else differ=$((differ+1)); echo "  differs: $name.o"; fi
done
rm -rf "$ref"
echo "  $same objects byte-identical to gcc -O3, $differ rewritten"
echo
echo "== benchmark (examples/tkbench)"
make -C examples CC=llmcc bench
