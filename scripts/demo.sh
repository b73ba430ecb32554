#!/usr/bin/env bash
# The main job: build examples/ with `make CC=llmcc` (the variants proposer, and the model
# proposer too when LLMCC_MODEL_URL names a server), then show what llmcc tried, accepted
# and rejected, compare the objects with gcc -O3, and rebuild warm from the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e .
export PATH="$PWD/.venv/bin:$PATH"
# this run's log and cache live beside the examples (not the user's own)
export LLMCC_LOG="$PWD/examples/llmcc-demo.log"
export LLMCC_CACHE_DIR="$PWD/examples/.llmcc-cache"
proposers=variants
[ -n "${LLMCC_MODEL_URL:-}" ] && proposers=variants,model
export LLMCC_PROPOSERS="${LLMCC_PROPOSERS:-$proposers}"
# optimize during the build (the default, async, would queue the work for `llmcc optimize`)
export LLMCC_MODE="${LLMCC_MODE:-sync}"
rm -rf "$LLMCC_LOG" "$LLMCC_CACHE_DIR"
make -C examples clean >/dev/null
echo "== make -C examples CC=llmcc all test   (proposers: $LLMCC_PROPOSERS)"
start=$EPOCHREALTIME
make -C examples CC=llmcc all test
cold=$(awk "BEGIN { print $EPOCHREALTIME - $start }")
echo
echo "== what llmcc did (llmcc log --summary)"
llmcc log --summary
echo
echo "== every function offered: candidates, the chosen one, why the others were rejected"
grep ' function ' "$LLMCC_LOG" | sed -E 's/^[^ ]+ pid=[0-9]+ function //'
echo
echo "== what the cache knows (llmcc cache list; llmcc cache show NAME for the evidence)"
(cd examples && llmcc cache list)
first=$(cd examples && llmcc cache list --json | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["status"]=="rewritten"]; print(r[0]["function"] if r else "")')
if [ -n "$first" ]; then
  echo
  echo "== llmcc cache show $first"
  (cd examples && llmcc cache show "$first")
fi
echo
echo "== the objects against plain gcc -O3"
same=0; differ=0
ref=$(mktemp -d)
for src in examples/*.c; do
  name=$(basename "${src%.c}")
  [ -f "examples/$name.o" ] || continue
  (cd examples && gcc -O3 -g -Wall -c "$name.c" -o "$ref/$name.o")
  if cmp -s "examples/$name.o" "$ref/$name.o"; then same=$((same+1)); else differ=$((differ+1)); echo "  rewritten: $name.o"; fi
done
rm -rf "$ref"
echo "  $same objects byte-identical to gcc -O3, $differ with rewritten functions"
echo
echo "== warm rebuild: make clean, then the same build from the cache"
make -C examples clean >/dev/null
start=$EPOCHREALTIME
make -s -C examples CC=llmcc all
warm=$(awk "BEGIN { print $EPOCHREALTIME - $start }")
make -C examples clean >/dev/null
start=$EPOCHREALTIME
make -s -C examples CC=gcc all
plain=$(awk "BEGIN { print $EPOCHREALTIME - $start }")
printf '  cold llmcc build %.1f s (with tests), warm llmcc rebuild %.2f s, plain gcc build %.2f s\n' "$cold" "$warm" "$plain"
make -C examples clean >/dev/null
make -s -C examples CC=llmcc all
(cd examples && llmcc cache stats)
echo
echo "== benchmark (examples/tkbench)"
make -C examples CC=llmcc bench
