#!/usr/bin/env bash
# A real project through llmcc with its own build and tests: Lua 5.4 (its makefile and a
# part of its official test suite), as shipped inside the lupa sdist on PyPI.
#
#     bash bench/real_lua.sh [WORKDIR]
#
# Prints gcc's build time, llmcc's cold (variants, sync) and warm build times, the test
# files' exit codes for both builds, how many objects equal gcc -O3's (llmcc's baseline),
# and llmcc's cache statistics (candidates and their outcomes).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LLMCC="$ROOT/.venv/bin/llmcc"
WORK="${1:-$(mktemp -d /tmp/llmcc-lua-XXXXXX)}"
TESTS=(strings.lua sort.lua math.lua nextvar.lua closure.lua bitwise.lua)
mkdir -p "$WORK" && cd "$WORK" || exit 1
if [ ! -d lua54 ]; then
    "$ROOT/.venv/bin/python" -m pip download --quiet --no-deps --no-binary :all: \
        --no-build-isolation lupa==2.8 -d . || exit 1
    tar xzf lupa-2.8.tar.gz
    cp -r lupa-2.8/third-party/lua54 lua54
fi
rm -rf gcc llmcc && cp -r lua54 gcc && cp -r lua54 llmcc
(cd gcc && /usr/bin/time -f "gcc build: %e s" make -s lua 2>&1 | tail -1)
export LLMCC_PROPOSERS=variants LLMCC_MODE=sync LLMCC_MAX_FUNCTIONS=4 \
    LLMCC_BUILD_BUDGET_S=900 LLMCC_CACHE_DIR="$WORK/cache"
(cd llmcc && /usr/bin/time -f "llmcc cold build: %e s" make -s CC="$LLMCC" lua 2>&1 | tail -1)
for build in gcc llmcc; do
    for t in "${TESTS[@]}"; do
        (cd "$build/testes" && timeout 300 ../lua -e"_port=true" "$t" >/dev/null 2>&1)
        echo "$build $t rc=$?"
    done
done
cd llmcc
same=0 total=0
flags=$(make -s -n -B CC=gcc lapi.o | sed -e 's/^gcc //' -e 's/ -c -o lapi.o lapi.c$//' -e 's/-O2/-O3/')
for obj in *.o; do
    total=$((total + 1))
    # shellcheck disable=SC2086
    gcc $flags -c "${obj%.o}.c" -o "$WORK/ref.o" 2>/dev/null && cmp -s "$WORK/ref.o" "$obj" \
        && same=$((same + 1))
done
echo "objects identical to gcc -O3: $same of $total"
rm -f ./*.o lua liblua.a
/usr/bin/time -f "llmcc warm build: %e s" make -s CC="$LLMCC" lua 2>&1 | tail -1
"$LLMCC" cache stats
