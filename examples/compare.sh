#!/bin/sh
# compare.sh - is one source file faster with other flags than with -O3?
#
# Builds tkbench twice in a temporary directory, through this Makefile:
#   base: every file with  $BASE_CFLAGS            (default "-O3 -g -Wall")
#   alt:  FILE.c with      ALT_FLAGS, the rest with $BASE_CFLAGS
# then runs the two benches alternately RUNS times, timing FUNCTION, and
# prints every run, the median of each side and the fastest run of each
# side (on a shared or noisy machine the fastest run is the steadier one).
#
# usage: ./compare.sh [FILE.c] [ALT_FLAGS] [FUNCTION] [RUNS]
#   defaults: rows.c "-O2 -g -Wall" tk_row_sums_u8 9
# example: ./compare.sh rows.c "-O3 -g -Wall -fno-tree-vectorize"
set -eu

file=${1:-rows.c}
alt=${2:-"-O2 -g -Wall"}
func=${3:-tk_row_sums_u8}
runs=${4:-9}
base=${BASE_CFLAGS:-"-O3 -g -Wall"}
cc=${CC:-gcc}

src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for side in base alt; do
    mkdir "$tmp/$side"
    cp "$src"/*.c "$src"/*.h "$src/Makefile" "$tmp/$side/"
done
obj=${file%.c}.o
make -s -C "$tmp/base" CC="$cc" CFLAGS="$base" tkbench
make -s -C "$tmp/alt" CC="$cc" CFLAGS="$alt" "$obj"
make -s -C "$tmp/alt" CC="$cc" CFLAGS="$base" tkbench  # $obj is up to date

# Run one bench, print FUNCTION's ns per call.
one() { "$tmp/$1/tkbench" "$func" | awk -v f="$func" '$1 == f { print $2 }'; }

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
minimum() { sort -g | head -n 1; }

echo "$func: base = all '$base'; alt = $file '$alt'"
: > "$tmp/base.txt"
: > "$tmp/alt.txt"
i=1
while [ "$i" -le "$runs" ]; do
    b=$(one base)
    a=$(one alt)
    echo "$b" >> "$tmp/base.txt"
    echo "$a" >> "$tmp/alt.txt"
    printf 'run %2d  base %10s ns   alt %10s ns\n' "$i" "$b" "$a"
    i=$((i + 1))
done
mb=$(median < "$tmp/base.txt")
ma=$(median < "$tmp/alt.txt")
nb=$(minimum < "$tmp/base.txt")
na=$(minimum < "$tmp/alt.txt")
awk -v b="$mb" -v a="$ma" -v nb="$nb" -v na="$na" 'BEGIN {
    printf "median  base %10.1f ns   alt %10.1f ns   base/alt = %.2f\n", b, a, b / a
    printf "fastest base %10.1f ns   alt %10.1f ns   base/alt = %.2f\n", nb, na, nb / na }'
