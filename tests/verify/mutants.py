"""Mutation-test material for the verifier: a small C corpus, wrong and correct candidates.

* ``corpus_functions()`` lists (C source, function name) pairs; ``compile_tu`` turns a source
  into gcc assembly, cached on disk.
* ``wrong_candidates(asm, name)`` turns the parsed -O3 assembly of one function into
  candidates that must be rejected: ``EDIT_KINDS`` change gcc's instructions so the function
  computes something else on some input; ``INSERT_KINDS`` add code that hangs, breaks the
  ABI, or uses what a candidate may not (kernel entry, clocks, ISA beyond the baseline,
  stack outside its frame, a string past its NUL, a system call hidden inside another
  instruction's bytes). ``error_candidates`` gives text that does not parse, assemble or
  link. ``select_mutants`` takes a seeded sample spread over kinds.
* ``correct_candidates(source, name)`` compiles the function under other gcc options.
* ``probe_outputs`` runs function variants on fixed inputs (a C probe per function), which
  shows an edit mutant wrong (its output differs) and a correct candidate not; some edits
  are equivalent to the original, so ``confirmed_wrong`` keeps only the shown ones.
* ``build_cases`` gathers all of it per function (``FunctionCase``) for verifier tests.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from llmcc.asm import parse_module, parse_statements, rename_symbols
from llmcc.asm.rename import defined_labels
from llmcc.asm.syntax import (
    Directive,
    Expr,
    Immediate,
    Instruction,
    Memory,
    Register,
    Statement,
    operand_symbols,
)

# -- the C corpus ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusUnit:
    """One C translation unit of the corpus: declarations, definitions, and a probe per function.

    A probe is the body of a C function that calls the function under test through ``FN``
    (a pointer of the function's type) on inputs free of undefined behaviour and prints what
    it returns and writes; ``probe_outputs`` uses it to show that a mutant is wrong.
    """

    name: str
    header: str
    body: str
    probes: dict[str, str]

    @property
    def source(self) -> str:
        return f"#include <string.h>\n{self.header}\n{self.body}"

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(self.probes)


_ARITH_HEADER = """\
int mul_add(int a, int b, int c);
unsigned gcd(unsigned a, unsigned b);
int clamp(int x, int lo, int hi);
long sum_clamped(const int *a, long n, int lo, int hi);
int sign3(long x);
unsigned collatz_steps(unsigned long n);
int div_mix(int x);
unsigned pow_u32(unsigned base, unsigned e);
long abs_diff_sum(long a, long b, long c);
int digit_sum(unsigned x);
int digital_root(unsigned x);
"""

_ARITH_BODY = """\
int mul_add(int a, int b, int c) { return a * b + c; }

unsigned gcd(unsigned a, unsigned b)
{
    while (b != 0) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int clamp(int x, int lo, int hi) { return x < lo ? lo : x > hi ? hi : x; }

long sum_clamped(const int *a, long n, int lo, int hi)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s += clamp(a[i], lo, hi);
    return s;
}

int sign3(long x) { return (x > 0) - (x < 0); }

unsigned collatz_steps(unsigned long n)
{
    unsigned steps = 0;
    while (n > 1 && steps < 100) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

int div_mix(int x) { return x / 7 + x % 10 - x / 16; }

unsigned pow_u32(unsigned base, unsigned e)
{
    unsigned r = 1;
    while (e) {
        if (e & 1)
            r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}

long abs_diff_sum(long a, long b, long c) { return (a > b ? a - b : b - a) + (c < 0 ? -c : c); }

__attribute__((noinline)) int digit_sum(unsigned x)
{
    int s = 0;
    for (; x; x /= 10)
        s += (int)(x % 10);
    return s;
}

int digital_root(unsigned x)
{
    int r = digit_sum(x);
    while (r >= 10)
        r = digit_sum((unsigned)r);
    return r;
}
"""

_ARITH_PROBES = {
    "mul_add": """
    for (int i = 0; i < 80; i++)
        out_i(FN((int)rnd_in(-3000, 3000), (int)rnd_in(-3000, 3000),
                 (int)rnd_in(-100000, 100000)));
    out_i(FN(0, 0, 0)); out_i(FN(1, 1, 1)); out_i(FN(-1, 46340, 7));
""",
    "gcd": """
    static const unsigned edge[] = {0, 1, 2, 3, 12, 18, 4294967295u, 65536, 97};
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 9; j++)
            out_u(FN(edge[i], edge[j]));
    for (int i = 0; i < 60; i++)
        out_u(FN((unsigned)rnd_in(0, 5000) * 6, (unsigned)rnd_in(0, 5000) * 4));
""",
    "clamp": """
    for (int i = 0; i < 100; i++) {
        int lo = (int)rnd_in(-100, 50);
        out_i(FN((int)rnd_in(-200, 200), lo, lo + (int)rnd_in(0, 100)));
    }
    out_i(FN(5, 5, 5)); out_i(FN(-2147483647 - 1, 0, 10)); out_i(FN(2147483647, 0, 10));
""",
    "sum_clamped": """
    int a[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        fill_ints(a, n + 8, -1000, 1000);
        int lo = (int)rnd_in(-500, 0);
        out_i(FN(a, n, lo, lo + (int)rnd_in(0, 900)));
    }
""",
    "sign3": """
    static const long edge[] = {0, 1, -1, 2, -2, 9223372036854775807L, -9223372036854775807L - 1};
    for (int i = 0; i < 7; i++)
        out_i(FN(edge[i]));
    for (int i = 0; i < 40; i++)
        out_i(FN((long)rnd()));
""",
    "collatz_steps": """
    for (unsigned long n = 0; n < 80; n++)
        out_u(FN(n));
    out_u(FN(27)); out_u(FN(837799)); out_u(FN(1UL << 40));
""",
    "div_mix": """
    static const int edge[] = {0, 1, -1, 6, 7, -7, 9, 10, -10, 15, 16, -16, 17,
                               2147483647, -2147483647 - 1};
    for (int i = 0; i < 15; i++)
        out_i(FN(edge[i]));
    for (int x = -40; x < 40; x++)
        out_i(FN(x));
    for (int i = 0; i < 60; i++)
        out_i(FN((int)rnd()));
""",
    "pow_u32": """
    for (unsigned b = 0; b < 6; b++)
        for (unsigned e = 0; e < 12; e++)
            out_u(FN(b, e));
    for (int i = 0; i < 40; i++)
        out_u(FN((unsigned)rnd(), (unsigned)rnd_in(0, 70)));
""",
    "abs_diff_sum": """
    for (int i = 0; i < 60; i++)
        out_i(FN(rnd_in(-1000000000000L, 1000000000000L), rnd_in(-1000000000000L, 1000000000000L),
                 rnd_in(-1000000000000L, 1000000000000L)));
    out_i(FN(0, 0, 0)); out_i(FN(5, 5, -5)); out_i(FN(-3, 4, 0));
""",
    "digit_sum": """
    for (unsigned x = 0; x < 120; x++)
        out_i(FN(x));
    out_i(FN(4294967295u)); out_i(FN(1000000000u));
    for (int i = 0; i < 40; i++)
        out_i(FN((unsigned)rnd()));
""",
    "digital_root": """
    for (unsigned x = 0; x < 120; x++)
        out_i(FN(x));
    out_i(FN(4294967295u)); out_i(FN(999999999u));
    for (int i = 0; i < 40; i++)
        out_i(FN((unsigned)rnd()));
""",
}

_ARRAYS_HEADER = """\
long sum_array(const int *a, long n);
void scale_into(float *out, const float *in, long n, float k);
int max_index(const int *a, int n);
void prefix_sum(long *out, const long *in, long n);
long dot_product(const short *a, const short *b, int n);
long count_equal(const int *a, const int *b, long n);
void reverse_bytes(unsigned char *buf, long n);
void saxpy(float *y, const float *x, float a, int n);
int is_sorted(const int *a, long n);
void histogram16(unsigned *hist, const unsigned char *data, long n);
"""

_ARRAYS_BODY = """\
long sum_array(const int *a, long n)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s += a[i];
    return s;
}

void scale_into(float *out, const float *in, long n, float k)
{
    for (long i = 0; i < n; i++)
        out[i] = in[i] * k;
}

int max_index(const int *a, int n)
{
    if (n <= 0)
        return -1;
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[i] > a[best])
            best = i;
    return best;
}

void prefix_sum(long *out, const long *in, long n)
{
    long acc = 0;
    for (long i = 0; i < n; i++) {
        acc += in[i];
        out[i] = acc;
    }
}

long dot_product(const short *a, const short *b, int n)
{
    long s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

long count_equal(const int *a, const int *b, long n)
{
    long c = 0;
    for (long i = 0; i < n; i++)
        c += a[i] == b[i];
    return c;
}

void reverse_bytes(unsigned char *buf, long n)
{
    for (long i = 0, j = n - 1; i < j; i++, j--) {
        unsigned char t = buf[i];
        buf[i] = buf[j];
        buf[j] = t;
    }
}

void saxpy(float *y, const float *x, float a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

int is_sorted(const int *a, long n)
{
    for (long i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

void histogram16(unsigned *hist, const unsigned char *data, long n)
{
    for (long i = 0; i < n; i++)
        hist[data[i] & 15]++;
}
"""

_ARRAYS_PROBES = {
    "sum_array": """
    int a[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        fill_ints(a, SIZES[k % NSIZES] + 8, -100000, 100000);
        out_i(FN(a, SIZES[k % NSIZES]));
    }
""",
    "scale_into": """
    float in[SIZE_MAX_PROBE + 8], out[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        fill_floats(in, n + 8);
        fill_floats(out, n + 8);
        FN(out, in, n, (float)rnd_in(-9, 9) / 4);
        out_floats(out, n + 8);
    }
    for (int d = -5; d <= 5; d++) {
        fill_floats(in, 40);
        FN(in + 5 + d, in + 5, 30, 1.5f);
        out_floats(in, 40);
    }
""",
    "max_index": """
    int a[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        fill_ints(a, SIZES[k % NSIZES] + 8, -50, 50);
        out_i(FN(a, (int)SIZES[k % NSIZES]));
    }
    out_i(FN(a, -3));
""",
    "prefix_sum": """
    long in[SIZE_MAX_PROBE + 8], out[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        fill_longs(in, n + 8, -1000000, 1000000);
        fill_longs(out, n + 8, -5, 5);
        FN(out, in, n);
        out_longs(out, n + 8);
    }
    for (int d = -5; d <= 5; d++) {
        fill_longs(in, 40, -9, 9);
        FN(in + 5 + d, in + 5, 30);
        out_longs(in, 40);
    }
""",
    "dot_product": """
    short a[SIZE_MAX_PROBE + 8], b[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        for (long i = 0; i < SIZES[k % NSIZES] + 8; i++) {
            a[i] = (short)rnd_in(-32768, 32767);
            b[i] = (short)rnd_in(-32768, 32767);
        }
        out_i(FN(a, b, (int)SIZES[k % NSIZES]));
    }
""",
    "count_equal": """
    int a[SIZE_MAX_PROBE + 8], b[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        fill_ints(a, n + 8, 0, 3);
        fill_ints(b, n + 8, 0, 3);
        out_i(FN(a, b, n));
        memcpy(b, a, sizeof a);
        out_i(FN(a, b, n));
        fill_ints(a, n + 8, -100000, 100000);
        for (long i = 0; i < n + 8; i++)
            b[i] = (i * 7 + n) % 3 ? a[i] : a[i] ^ 0x10000000;
        out_i(FN(a, b, n));
    }
""",
    "reverse_bytes": """
    unsigned char buf[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        fill_bytes(buf, SIZES[k % NSIZES] + 8);
        FN(buf, SIZES[k % NSIZES]);
        out_bytes(buf, SIZES[k % NSIZES] + 8);
    }
""",
    "saxpy": """
    float x[SIZE_MAX_PROBE + 8], y[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        fill_floats(x, n + 8);
        fill_floats(y, n + 8);
        FN(y, x, (float)rnd_in(-9, 9) / 8, (int)n);
        out_floats(y, n + 8);
    }
    for (int d = -5; d <= 5; d++) {
        fill_floats(x, 40);
        FN(x + 5 + d, x + 5, 0.5f, 30);
        out_floats(x, 40);
    }
""",
    "is_sorted": """
    int a[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        long n = SIZES[k % NSIZES];
        for (long i = 0; i < n + 8; i++)
            a[i] = (int)(i * 3 - 40);
        out_i(FN(a, n));
        if (n > 1) {
            a[rnd_in(0, n - 2)] += 5;
            out_i(FN(a, n));
        }
        fill_ints(a, n + 8, 0, 3);
        out_i(FN(a, n));
    }
""",
    "histogram16": """
    unsigned hist[24];
    unsigned char data[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        for (int i = 0; i < 24; i++)
            hist[i] = (unsigned)i;
        fill_bytes(data, SIZES[k % NSIZES] + 8);
        FN(hist + 4, data, SIZES[k % NSIZES]);
        for (int i = 0; i < 24; i++)
            out_u(hist[i]);
    }
""",
}

_STRINGS_HEADER = """\
unsigned long my_strlen(const char *s);
int count_char(const char *s, char c);
int my_strcmp(const char *a, const char *b);
void to_upper(char *dst, const char *src);
unsigned parse_uint(const char *s);
int is_palindrome(const char *s);
void copy_block(char *dst, const char *src, unsigned long n);
unsigned hash_fnv1a(const char *s);
"""

_STRINGS_BODY = """\
unsigned long my_strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (unsigned long)(p - s);
}

int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

int my_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

void to_upper(char *dst, const char *src)
{
    while (*src) {
        char c = *src++;
        *dst++ = (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    *dst = 0;
}

unsigned parse_uint(const char *s)
{
    unsigned v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned)(*s++ - '0');
    return v;
}

int is_palindrome(const char *s)
{
    unsigned long n = strlen(s);
    for (unsigned long i = 0; i < n / 2; i++)
        if (s[i] != s[n - 1 - i])
            return 0;
    return 1;
}

void copy_block(char *dst, const char *src, unsigned long n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
}

unsigned hash_fnv1a(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}
"""

_STRINGS_PROBES = {
    "my_strlen": """
    for (int i = 0; i < NWORDS; i++)
        out_u(FN(WORDS[i]));
""",
    "count_char": """
    for (int i = 0; i < NWORDS; i++) {
        out_i(FN(WORDS[i], 'a'));
        out_i(FN(WORDS[i], 'Z'));
        out_i(FN(WORDS[i], WORDS[i][0]));
    }
""",
    "my_strcmp": """
    for (int i = 0; i < NWORDS; i++)
        for (int j = 0; j < NWORDS; j++)
            out_i(FN(WORDS[i], WORDS[j]));
""",
    "to_upper": """
    char dst[80];
    for (int i = 0; i < NWORDS; i++) {
        memset(dst, '#', sizeof dst);
        FN(dst, WORDS[i]);
        out_bytes((const unsigned char *)dst, sizeof dst);
    }
""",
    "parse_uint": """
    for (int i = 0; i < NWORDS; i++)
        out_u(FN(WORDS[i]));
""",
    "is_palindrome": """
    for (int i = 0; i < NWORDS; i++)
        out_i(FN(WORDS[i]));
""",
    "copy_block": """
    char dst[80];
    for (int i = 0; i < NWORDS; i++) {
        memset(dst, '#', sizeof dst);
        FN(dst, WORDS[i], strlen(WORDS[i]) / 2 + 1);
        out_bytes((const unsigned char *)dst, sizeof dst);
    }
""",
    "hash_fnv1a": """
    for (int i = 0; i < NWORDS; i++)
        out_u(FN(WORDS[i]));
""",
}

_BITS_HEADER = """\
int popcount32(unsigned x);
unsigned reverse_bits(unsigned x);
int parity64(unsigned long x);
unsigned long rotl_mix(unsigned long x, unsigned r);
int leading_zeros(unsigned x);
unsigned char crc8(const unsigned char *p, long n);
unsigned interleave16(unsigned short x, unsigned short y);
int ilog2(unsigned long x);
"""

_BITS_BODY = """\
int popcount32(unsigned x)
{
    int n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

unsigned reverse_bits(unsigned x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}

int parity64(unsigned long x)
{
    x ^= x >> 32;
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    return (0x6996 >> (x & 15)) & 1;
}

unsigned long rotl_mix(unsigned long x, unsigned r)
{
    r &= 63;
    unsigned long y = (x << r) | (x >> ((64 - r) & 63));
    return y ^ (x >> 7) ^ 0x9e3779b97f4a7c15UL;
}

int leading_zeros(unsigned x) { return x ? __builtin_clz(x) : 32; }

unsigned char crc8(const unsigned char *p, long n)
{
    unsigned char crc = 0xff;
    for (long i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x80) ? (unsigned char)((crc << 1) ^ 0x31) : (unsigned char)(crc << 1);
    }
    return crc;
}

unsigned interleave16(unsigned short x, unsigned short y)
{
    unsigned r = 0;
    for (int i = 0; i < 16; i++)
        r |= ((x >> i) & 1u) << (2 * i) | ((y >> i) & 1u) << (2 * i + 1);
    return r;
}

int ilog2(unsigned long x)
{
    int r = -1;
    while (x) {
        x >>= 1;
        r++;
    }
    return r;
}
"""

_BITS_PROBES = {
    "popcount32": """
    static const unsigned edge[] = {0, 1, 2, 3, 0x80000000u, 0xffffffffu, 0x55555555u};
    for (int i = 0; i < 7; i++)
        out_i(FN(edge[i]));
    for (int i = 0; i < 60; i++)
        out_i(FN((unsigned)rnd()));
""",
    "reverse_bits": """
    for (int i = 0; i < 32; i++)
        out_u(FN(1u << i));
    for (int i = 0; i < 60; i++)
        out_u(FN((unsigned)rnd()));
""",
    "parity64": """
    for (int i = 0; i < 64; i++)
        out_i(FN(1UL << i | 6));
    for (int i = 0; i < 60; i++)
        out_i(FN(rnd()));
""",
    "rotl_mix": """
    for (unsigned r = 0; r < 70; r++)
        out_u(FN(0x0123456789abcdefUL + r, r));
    for (int i = 0; i < 40; i++)
        out_u(FN(rnd(), (unsigned)rnd()));
""",
    "leading_zeros": """
    out_i(FN(0));
    for (int i = 0; i < 32; i++)
        out_i(FN((1u << i) | (unsigned)rnd_in(0, 1)));
    for (int i = 0; i < 40; i++)
        out_i(FN((unsigned)rnd() >> rnd_in(0, 31)));
""",
    "crc8": """
    unsigned char data[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        fill_bytes(data, SIZES[k % NSIZES] + 8);
        out_u(FN(data, SIZES[k % NSIZES]));
    }
""",
    "interleave16": """
    for (int i = 0; i < 16; i++)
        out_u(FN((unsigned short)(1u << i), (unsigned short)(0x8000u >> i)));
    for (int i = 0; i < 60; i++)
        out_u(FN((unsigned short)rnd(), (unsigned short)rnd()));
""",
    "ilog2": """
    for (int i = 0; i < 64; i++)
        out_i(FN((1UL << i) + (unsigned long)rnd_in(0, 1)));
    out_i(FN(0));
    for (int i = 0; i < 40; i++)
        out_i(FN(rnd() >> rnd_in(0, 63)));
""",
}

_RECORDS_HEADER = """\
struct point { double x, y; };
struct account { long balance; int deposits; int flags; };
extern int counter;
extern long total;
extern int last_id;
double dist2(const struct point *p, const struct point *q);
void point_scale(struct point *p, double k);
long account_deposit(struct account *acc, long amount);
void record(long v);
long average_recorded(void);
int next_id(void);
int op_apply(int op, int a, int b);
int day_kind(int d);
double poly_eval(const double *c, int n, double x);
double mean(const double *a, long n);
float lerp(float a, float b, float t);
void rgb_to_gray(unsigned char *out, const unsigned char *rgb, int n);
long to_fixed(double x);
"""

_RECORDS_BODY = """\
int counter;
long total;
int last_id = 100;

double dist2(const struct point *p, const struct point *q)
{
    double dx = p->x - q->x, dy = p->y - q->y;
    return dx * dx + dy * dy;
}

void point_scale(struct point *p, double k)
{
    p->x *= k;
    p->y *= k;
}

long account_deposit(struct account *acc, long amount)
{
    if (amount <= 0 || (acc->flags & 1))
        return -1;
    acc->balance += amount;
    acc->deposits++;
    if (acc->balance > 1000000)
        acc->flags |= 2;
    return acc->balance;
}

void record(long v)
{
    counter++;
    total += v;
}

long average_recorded(void) { return counter ? total / counter : 0; }

int next_id(void)
{
    last_id += 3;
    return last_id;
}

int op_apply(int op, int a, int b)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a & b;
    case 4: return a | b;
    case 5: return a ^ b;
    case 6: return (int)((unsigned)a << (b & 15));
    case 7: return a > b ? a : b;
    default: return -1;
    }
}

int day_kind(int d)
{
    switch (d) {
    case 0: case 6: return 2;
    case 1: case 2: case 3: case 4: return 1;
    case 5: return 3;
    default: return 0;
    }
}

double poly_eval(const double *c, int n, double x)
{
    double r = 0.0;
    for (int i = n - 1; i >= 0; i--)
        r = r * x + c[i];
    return r;
}

double mean(const double *a, long n)
{
    if (n <= 0)
        return 0.0;
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += a[i];
    return s / (double)n;
}

float lerp(float a, float b, float t) { return a + (b - a) * t; }

void rgb_to_gray(unsigned char *out, const unsigned char *rgb, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (unsigned char)((77 * rgb[3 * i] + 150 * rgb[3 * i + 1]
                                  + 29 * rgb[3 * i + 2]) >> 8);
}

long to_fixed(double x) { return (long)(x * 65536.0); }
"""

_RECORDS_PROBES = {
    "dist2": """
    for (int i = 0; i < 40; i++) {
        struct point p = {rnd_double(), rnd_double()}, q = {rnd_double(), rnd_double()};
        out_d(FN(&p, &q));
    }
""",
    "point_scale": """
    struct point pts[6];
    for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 6; j++)
            pts[j] = (struct point){rnd_double(), rnd_double()};
        FN(&pts[2], rnd_double());
        for (int j = 0; j < 6; j++) {
            out_d(pts[j].x);
            out_d(pts[j].y);
        }
    }
""",
    "account_deposit": """
    struct account acc[3];
    for (int i = 0; i < 40; i++) {
        for (int j = 0; j < 3; j++)
            acc[j] = (struct account){rnd_in(998000, 1000100), (int)rnd_in(0, 9),
                                      (int)rnd_in(0, 3)};
        if (i < 8)
            acc[1] = (struct account){999997 + (i & 3), i, 0};
        out_i(FN(&acc[1], i < 8 ? 2 : rnd_in(-5, 3000)));
        for (int j = 0; j < 3; j++) {
            out_i(acc[j].balance);
            out_i(acc[j].deposits);
            out_i(acc[j].flags);
        }
    }
""",
    "record": """
    counter = 0;
    total = 0;
    for (int i = 0; i < 30; i++) {
        FN(rnd_in(-1000, 1000));
        out_i(counter);
        out_i(total);
    }
""",
    "average_recorded": """
    for (int i = 0; i < 40; i++) {
        counter = (int)rnd_in(0, 50);
        total = rnd_in(-100000, 100000);
        out_i(FN());
    }
""",
    "next_id": """
    last_id = 7;
    for (int i = 0; i < 10; i++) {
        out_i(FN());
        out_i(last_id);
    }
""",
    "op_apply": """
    for (int op = -2; op < 10; op++)
        for (int i = 0; i < 12; i++)
            out_i(FN(op, (int)rnd_in(-5000, 5000), (int)rnd_in(-5000, 5000)));
""",
    "day_kind": """
    for (int d = -3; d < 12; d++)
        out_i(FN(d));
    out_i(FN(2147483647)); out_i(FN(-2147483647 - 1));
""",
    "poly_eval": """
    double c[24];
    for (int n = -1; n < 20; n++) {
        for (int i = 0; i < 24; i++)
            c[i] = rnd_double();
        out_d(FN(c, n, rnd_double()));
    }
""",
    "mean": """
    double a[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        for (long i = 0; i < SIZES[k % NSIZES] + 8; i++)
            a[i] = rnd_double();
        out_d(FN(a, SIZES[k % NSIZES]));
    }
    out_d(FN(a, -4));
""",
    "lerp": """
    for (int i = 0; i < 60; i++)
        out_d(FN((float)rnd_double(), (float)rnd_double(), (float)rnd_in(-8, 24) / 16));
""",
    "rgb_to_gray": """
    unsigned char rgb[3 * SIZE_MAX_PROBE + 24], out[SIZE_MAX_PROBE + 8];
    for (int k = 0; k < TRIALS * NSIZES; k++) {
        fill_bytes(rgb, 3 * SIZES[k % NSIZES] + 24);
        fill_bytes(out, SIZES[k % NSIZES] + 8);
        FN(out, rgb, (int)SIZES[k % NSIZES]);
        out_bytes(out, SIZES[k % NSIZES] + 8);
    }
""",
    "to_fixed": """
    for (int i = 0; i < 60; i++)
        out_i(FN(rnd_double() * 1000));
    out_i(FN(0.0)); out_i(FN(-0.5)); out_i(FN(1.0 / 65536)); out_i(FN(-1.0 / 131072));
""",
}

UNITS: tuple[CorpusUnit, ...] = (
    CorpusUnit("arith", _ARITH_HEADER, _ARITH_BODY, _ARITH_PROBES),
    CorpusUnit("arrays", _ARRAYS_HEADER, _ARRAYS_BODY, _ARRAYS_PROBES),
    CorpusUnit("strings", _STRINGS_HEADER, _STRINGS_BODY, _STRINGS_PROBES),
    CorpusUnit("bits", _BITS_HEADER, _BITS_BODY, _BITS_PROBES),
    CorpusUnit("records", _RECORDS_HEADER, _RECORDS_BODY, _RECORDS_PROBES),
)

# Helpers every probe may use: a fixed pseudo-random sequence, buffer fillers and printers.
_PROBE_PRELUDE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long rng_state = 0x9E3779B97F4A7C15UL;
static unsigned long rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static long rnd_in(long lo, long hi) { return lo + (long)(rnd() % (unsigned long)(hi - lo + 1)); }
static double rnd_double(void) { return (double)rnd_in(-1000000, 1000000) / 1024.0; }
static long lines_out;
static void guard(void) { if (++lines_out > 100000) exit(3); }
static void out_i(long v) { guard(); printf("%ld\n", v); }
static void out_u(unsigned long v) { guard(); printf("%lu\n", v); }
static void out_d(double v) { guard(); printf("%a\n", v); }
static void fill_ints(int *a, long n, int lo, int hi)
{ for (long i = 0; i < n; i++) a[i] = (int)rnd_in(lo, hi); }
static void fill_longs(long *a, long n, long lo, long hi)
{ for (long i = 0; i < n; i++) a[i] = rnd_in(lo, hi); }
static void fill_floats(float *a, long n)
{ for (long i = 0; i < n; i++) a[i] = (float)rnd_in(-4096, 4096) / 64; }
static void fill_bytes(unsigned char *a, long n)
{ for (long i = 0; i < n; i++) a[i] = (unsigned char)rnd(); }
static void out_floats(const float *a, long n)
{ guard(); for (long i = 0; i < n; i++) printf("%a ", (double)a[i]); printf("\n"); }
static void out_longs(const long *a, long n)
{ guard(); for (long i = 0; i < n; i++) printf("%ld ", a[i]); printf("\n"); }
static void out_bytes(const unsigned char *a, long n)
{ guard(); for (long i = 0; i < n; i++) printf("%02x", a[i]); printf("\n"); }

#define SIZE_MAX_PROBE 300
static const long SIZES[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16, 17, 31, 32, 33, 47, 64,
                             65, 99, 100, 259, 300};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))
#define TRIALS 3
static const char *const WORDS[] = {
    "", "a", "Z", "ab", "aa", "abc", "abba", "racecar", "Hello, World!", "0", "42", "0042x",
    "4294967295", "123456789", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "The quick brown fox",
    "aZaZaZaZaZaZaZaZaZaZ", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "never odd or even",
    "x\x7f\x80\xff y", "9", "99:", ":9", "/0", "7x", ",5", ".6", "`az{", "@AZ[", "{|}~",
};
#define NWORDS ((int)(sizeof WORDS / sizeof WORDS[0]))
"""


def corpus_units() -> tuple[CorpusUnit, ...]:
    return UNITS


def corpus_functions() -> list[tuple[str, str]]:
    """(C source of its translation unit, function name) for every corpus function."""
    return [(unit.source, name) for unit in UNITS for name in unit.functions]


def unit_of(function: str) -> CorpusUnit:
    """The corpus unit that defines ``function``."""
    for unit in UNITS:
        if function in unit.probes:
            return unit
    raise KeyError(function)


# -- compiling and assembling ---------------------------------------------------------------

BASELINE_FLAGS: tuple[str, ...] = ("-O3",)


def compile_tu(source: str, cache_dir: Path, flags: Sequence[str] = BASELINE_FLAGS) -> str:
    """gcc's assembly (``gcc FLAGS -S``) for C ``source``, cached in ``cache_dir`` by content."""
    key = hashlib.sha256("\0".join([source, *flags]).encode()).hexdigest()[:24]
    asm = Path(cache_dir) / f"{key}.s"
    if not asm.exists():
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            c_file, out = Path(tmp) / "tu.c", Path(tmp) / "tu.s"
            c_file.write_text(source)
            proc = subprocess.run(["gcc", *flags, "-S", str(c_file), "-o", str(out)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"gcc {' '.join(flags)} failed:\n{proc.stderr}")
            os.replace(out, asm)
    return asm.read_text()


def compile_many(jobs: Iterable[tuple[str, Sequence[str]]], cache_dir: Path) -> list[str]:
    """``compile_tu`` for each (source, flags) job, in parallel, results in job order."""
    jobs = list(jobs)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda job: compile_tu(job[0], cache_dir, job[1]), jobs))


def assemble(text: str, workdir: Path) -> subprocess.CompletedProcess:
    """``gcc -c -x assembler`` on ``text`` (in a scratch file under ``workdir``)."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        src = Path(tmp) / "candidate.s"
        src.write_text(text)
        return subprocess.run(["gcc", "-c", "-x", "assembler", str(src), "-o",
                               str(Path(tmp) / "candidate.o")], capture_output=True, text=True)


# -- mutants --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A candidate text for one function and how it was made."""

    kind: str
    description: str
    text: str


# Edits of gcc's own instructions: wrong on some input (probe_outputs shows which).
EDIT_KINDS = ("flip_branch", "flip_condition", "const", "bound", "swap_operands", "drop",
              "displacement")
# Insertions wrong by construction: a hang, an ABI break, or an instruction a candidate may
# not use (kernel entry, processor identity and clocks, ISA beyond the baseline).
INSERT_KINDS = ("infinite_loop", "clobber_callee_saved", "syscall", "cpuid", "rdtsc", "isa",
                "red_zone", "frame_write", "direction_flag", "mxcsr")
# Insertions only functions that take a string have (wrong_candidates' ``strings``): a read
# one byte past the string's NUL, which faults only where the NUL is the last readable byte.
STRING_KINDS = ("string_overread",)
INSERT_KINDS += STRING_KINDS
# Insertions that reach outside the process through a system call no mnemonic shows (a call
# into the middle of ``movl $0xc3050f``, whose bytes hold ``syscall; ret``): a signal to
# another process, and forged result lines on the harness's stdout. Only the sandbox stops
# them.
SANDBOX_KINDS = ("tgkill", "forged_output")
INSERT_KINDS += SANDBOX_KINDS
# Insertions that put code or data where a function's text may not (code the loader runs
# before main: .init, .fini, .init_array, .preinit_array, .ctors; writable data; a note) or
# make the assembler read a file (.include, .incbin). The static checks refuse each before
# gas runs (forbidden_directive); they are sampled apart from the others.
SECTION_KINDS = ("init", "fini", "init_array", "preinit_array", "ctors", "data_section",
                 "note", "include", "incbin")
INSERT_KINDS += SECTION_KINDS
WRONG_KINDS = EDIT_KINDS + INSERT_KINDS
# Text that is not a candidate at all: it does not parse, assemble, or link.
ERROR_KINDS = ("parse_error", "assemble_error", "undefined_label")

CALLEE_SAVED = ("rbx", "rbp", "r12", "r13", "r14", "r15")

_CONDITION_PAIRS = (("o", "no"), ("b", "ae"), ("c", "nc"), ("nae", "nb"), ("e", "ne"),
                    ("z", "nz"), ("be", "a"), ("na", "nbe"), ("s", "ns"), ("p", "np"),
                    ("pe", "po"), ("l", "ge"), ("nge", "nl"), ("le", "g"), ("ng", "nle"))
INVERSE_CONDITION = {a: b for pair in _CONDITION_PAIRS for a, b in (pair, pair[::-1])}

_GPR_NAMES = {
    64: "rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15",
    32: "eax ebx ecx edx esi edi ebp esp r8d r9d r10d r11d r12d r13d r14d r15d",
    16: "ax bx cx dx si di bp sp r8w r9w r10w r11w r12w r13w r14w r15w",
    8: "al bl cl dl sil dil bpl spl r8b r9b r10b r11b r12b r13b r14b r15b",
}
GPR_WIDTH = {name: width for width, names in _GPR_NAMES.items() for name in names.split()}
STACK_POINTERS = frozenset({"rsp", "esp", "sp", "spl"})

_SUFFIX_RANGE = {"b": (-(2**7), 2**8 - 1), "w": (-(2**15), 2**16 - 1),
                 "l": (-(2**31), 2**32 - 1), "q": (-(2**31), 2**31 - 1)}
_SHIFT_RE = re.compile(r"(sal|shl|sar|shr|rol|ror|rcl|rcr|bt|btc|btr|bts)[bwlq]?")
_GPR_ARITH_RE = re.compile(
    r"(add|sub|adc|sbb|inc|dec|neg|not|imul|sal|shl|sar|shr|rol|ror|and|or|xor|lea)[bwlq]?")
_SSE_ARITH_RE = re.compile(
    r"(add|sub|mul|div|min|max|sqrt|and|andn|or|xor)[sp][sd]"
    r"|p(add|sub|mul|sll|srl|sra|and|andn|or|xor|max|min|avg|madd|unpck|shuf)\w*"
    r"|unpck\w*|shufp[sd]")
_LOGICAL_RE = re.compile(r"(and|or|xor|test)[bwlq]?")
_MOVE_RE = re.compile(r"mov[bwlq]?|movs[sd]|mov[au]p[sd]|movdq[au]|mov[dq]")
_GPR_SWAP_RE = re.compile(r"(mov|add|sub|and|or|xor|adc|sbb|imul)[bwlq]")
_SSE_SWAP_RE = re.compile(
    r"(add|sub|mul|div|min|max|and|andn|or|xor)[sp][sd]|mov(ap[sd]|up[sd]|s[sd]|dq[au])"
    r"|p(add|sub|and|andn|or|xor|cmpgt|cmpeq|unpck|mul|max|min)\w*|unpck\w*")
_VECTOR_REG_RE = re.compile(r"[xyz]mm\d+|mm\d")
_DATA_DIRECTIVES = frozenset({".byte", ".value", ".word", ".short", ".long", ".int", ".quad",
                              ".2byte", ".4byte", ".8byte", ".dc.a"})


def _is_nop_like(ins: Instruction) -> bool:
    m = ins.mnemonic
    return not m or m.startswith(("nop", "prefetch", "endbr"))


def _condition(mnemonic: str, prefix: str) -> str | None:
    """The condition code of ``prefix``+cc (``jle`` -> ``le``), if ``mnemonic`` is one."""
    if mnemonic.startswith(prefix) and mnemonic[len(prefix):] in INVERSE_CONDITION:
        return mnemonic[len(prefix):]
    return None


def _int_value(expr) -> int | None:
    try:
        return int(expr.render(), 0)
    except ValueError:
        return None


def _immediate_expr(op) -> Expr | None:
    """The expression of an immediate operand.

    The grammar lexes ``$2`` as a SYMBOL (``$`` may start a symbol name), so plain ``$N``
    immediates arrive as bare memory operands whose displacement is ``$N``; only forms such
    as ``$-4`` arrive as Immediate.
    """
    if isinstance(op, Immediate):
        return op.value
    if (isinstance(op, Memory) and not op.based and op.segment is None and op.disp is not None
            and op.disp.render().startswith("$")):
        return Expr((op.disp.render()[1:],))
    return None


def _vector_reg(op) -> bool:
    return isinstance(op, Register) and bool(_VECTOR_REG_RE.fullmatch(op.name))


def _imm_range(ins: Instruction) -> tuple[int, int] | None:
    """Values an immediate of ``ins`` may take without gas truncating or rejecting it."""
    m = ins.mnemonic
    if any(_vector_reg(op) for op in ins.operands) or _SHIFT_RE.fullmatch(m):
        return (0, 255)
    if m == "movabsq":
        return (-(2**63), 2**64 - 1)
    return _SUFFIX_RANGE.get(m[-1:])


def _flip_bit(value: int) -> int:
    """``value`` with its highest set bit (positive) or lowest set bit (negative) flipped."""
    if value > 0:
        return value ^ (1 << (value.bit_length() - 1))
    return value ^ (value & -value) if value < 0 else 1


def _touches_stack_pointer(ins: Instruction) -> bool:
    return any(isinstance(op, Register) and op.name in STACK_POINTERS for op in ins.operands)


def _same_register_file(a: Register, b: Register) -> bool:
    if a.name in GPR_WIDTH and b.name in GPR_WIDTH:
        return GPR_WIDTH[a.name] == GPR_WIDTH[b.name]
    return a.name[:3] == b.name[:3] and _vector_reg(a) and _vector_reg(b)


def _is_store(ins: Instruction) -> bool:
    return (bool(_MOVE_RE.fullmatch(ins.mnemonic)) and len(ins.operands) == 2
            and isinstance(ins.operands[1], Memory))


def _is_vector_zeroing(ins: Instruction) -> bool:
    ops = ins.operands
    return (len(ops) == 2 and ops[0] == ops[1] and _vector_reg(ops[0])
            and ins.mnemonic.lstrip("v") in ("pxor", "xorps", "xorpd"))


def _droppable(ins: Instruction) -> bool:
    """Stores and arithmetic, never a vector zeroing (gcc's dependency breaker before cvt)."""
    m = ins.mnemonic
    if _is_nop_like(ins) or _is_vector_zeroing(ins):
        return False
    return bool(_is_store(ins) or _GPR_ARITH_RE.fullmatch(m) or _SSE_ARITH_RE.fullmatch(m))


def _plain_memory(op) -> bool:
    """A memory operand with no segment and no reference to a local (.L) constant."""
    return (isinstance(op, Memory) and op.segment is None and _immediate_expr(op) is None
            and not any(s.startswith(".L") for s in (op.disp.symbols() if op.disp else ())))


def _swappable(ins: Instruction) -> bool:
    """Two operands whose exchange assembles and changes what is read or written."""
    if len(ins.operands) != 2 or _touches_stack_pointer(ins):
        return False
    a, b = ins.operands
    m = ins.mnemonic
    if isinstance(a, Register) and isinstance(b, Register):
        if a == b or not _same_register_file(a, b):
            return False
        return bool(_GPR_SWAP_RE.fullmatch(m) if a.name in GPR_WIDTH else _SSE_SWAP_RE.fullmatch(m))
    mem_reg = (isinstance(a, Register) and _plain_memory(b)) or (
        isinstance(b, Register) and _plain_memory(a))
    return mem_reg and bool(_MOVE_RE.fullmatch(m))


class FunctionText:
    """One function's text parsed into statements, rendered line by line for cheap edits."""

    def __init__(self, asm_text: str, name: str) -> None:
        self.name = name
        self.statements = parse_statements(parse_module(asm_text).function_text(name))
        self.rendered = [st.render() for st in self.statements]
        self.text = self.join(self.rendered)
        self.entry = self._entry_index()
        self.rets = [i for i, ins in self.instructions() if ins.mnemonic in ("ret", "retq")]
        self.calls = [i for i, ins in self.instructions() if ins.mnemonic.startswith("call")]

    @staticmethod
    def join(lines: Iterable[str]) -> str:
        return "\n".join(line for line in lines if line) + "\n"

    def _entry_index(self) -> int:
        """The statement before which code runs once on entry: after the label and CFI."""
        sts = self.statements
        i = next(k for k, st in enumerate(sts) if self.name in st.labels) + 1
        while i < len(sts) and not isinstance(sts[i].body, Instruction) and all(
                label.startswith(".LFB") for label in sts[i].labels):
            i += 1
        return i

    def instructions(self) -> Iterable[tuple[int, Instruction]]:
        for i, st in enumerate(self.statements):
            if isinstance(st.body, Instruction):
                yield i, st.body

    def line(self, i: int) -> str:
        return " ".join(self.rendered[i].split())

    def with_body(self, i: int, body: Instruction | None) -> str:
        """The text with statement ``i``'s instruction replaced (None: dropped, labels kept)."""
        lines = list(self.rendered)
        lines[i] = replace(self.statements[i], body=body).render() if (
            body is not None or self.statements[i].labels) else ""
        return self.join(lines)

    def with_inserted(self, where: Sequence[int],
                      code: Sequence[str] | Callable[[int], Sequence[str]], *,
                      take_labels: bool) -> str:
        """``code`` (or ``code(n)`` at the n-th place) inserted before each statement in
        ``where``; with ``take_labels`` the statement's labels move onto the inserted code,
        so jumps to the statement run the code too."""
        lines = list(self.rendered)
        for n, i in enumerate(sorted(set(where), reverse=True)):
            st = self.statements[i]
            block = [*(code(n) if callable(code) else code)]
            if take_labels and st.labels:
                block = [*(f"{label}:" for label in st.labels), *block]
                lines[i] = replace(st, labels=()).render()
            lines[i:i] = block
        return self.join(lines)


def _snippet(*lines: str) -> list[str]:
    """Instruction lines rendered through the grammar, so every insertion parses."""
    return [st.render() for st in parse_statements("\n".join(lines) + "\n")]


def _flip_mutants(fx: FunctionText) -> Iterable[Mutant]:
    for i, ins in fx.instructions():
        for prefix, kind in (("j", "flip_branch"), ("set", "flip_condition"),
                             ("cmov", "flip_condition")):
            cc = _condition(ins.mnemonic, prefix)
            if cc is not None:
                new = replace(ins, mnemonic=prefix + INVERSE_CONDITION[cc])
                yield Mutant(kind, f"{fx.line(i)} -> {new.mnemonic}", fx.with_body(i, new))
                break


def _new_constants(mnemonic: str, value: int) -> tuple[int, ...]:
    """Replacements for an immediate: off by one for comparisons and arithmetic, zero and a
    flipped bit for masks (where +-1 often touches a bit that is known to be zero)."""
    if mnemonic.startswith("cmp"):
        return (value + 1, value - 1)
    if _LOGICAL_RE.fullmatch(mnemonic):
        return (0, _flip_bit(value))
    return (value + 1, value - 1, 0, _flip_bit(value))


def _constant_mutants(fx: FunctionText) -> Iterable[Mutant]:
    for i, ins in fx.instructions():
        if _is_nop_like(ins) or _touches_stack_pointer(ins) or ins.mnemonic.startswith("ret"):
            continue
        limits = _imm_range(ins)
        for k, op in enumerate(ins.operands):
            expr = _immediate_expr(op)
            value = _int_value(expr) if expr is not None else None
            if value is None or limits is None:
                continue
            kind = "bound" if ins.mnemonic.startswith("cmp") else "const"
            new_values = _new_constants(ins.mnemonic, value)
            for new in dict.fromkeys(new_values):
                if new == value or not limits[0] <= new <= limits[1]:
                    continue
                ops = list(ins.operands)
                ops[k] = Immediate(Expr((str(new),)))
                yield Mutant(kind, f"{fx.line(i)}: ${value} -> ${new}",
                             fx.with_body(i, replace(ins, operands=tuple(ops))))


def _swap_mutants(fx: FunctionText) -> Iterable[Mutant]:
    for i, ins in fx.instructions():
        if _swappable(ins):
            new = replace(ins, operands=ins.operands[::-1])
            yield Mutant("swap_operands", f"{fx.line(i)} -> operands swapped",
                         fx.with_body(i, new))


def _drop_mutants(fx: FunctionText) -> Iterable[Mutant]:
    for i, ins in fx.instructions():
        if _droppable(ins):
            yield Mutant("drop", f"{fx.line(i)} dropped", fx.with_body(i, None))


def _displacement_mutants(fx: FunctionText) -> Iterable[Mutant]:
    for i, ins in fx.instructions():
        if _is_nop_like(ins):
            continue
        for k, op in enumerate(ins.operands):
            if not (_plain_memory(op) and op.based and (op.base or op.index)):
                continue
            disp = 0 if op.disp is None else _int_value(op.disp)
            if disp is None:
                continue
            for delta in (1, -1, 4, -4):
                ops = list(ins.operands)
                ops[k] = replace(op, disp=Expr((str(disp + delta),)))
                yield Mutant("displacement", f"{fx.line(i)}: displacement {disp} -> "
                             f"{disp + delta}", fx.with_body(i, replace(ins, operands=tuple(ops))))


def _exits_or_entry(fx: FunctionText) -> tuple[list[int], bool]:
    """Where to put code that must run on the way out: before each ret (taking its labels),
    or, in a function with no ret, on entry."""
    return (fx.rets, True) if fx.rets else ([fx.entry], False)


def _spin(n: int) -> list[str]:
    return _snippet(f".Lmutant_spin{n}: jmp .Lmutant_spin{n}")


def _insert_mutants(fx: FunctionText) -> Iterable[Mutant]:
    exits, take = _exits_or_entry(fx)
    for reg in CALLEE_SAVED:
        yield Mutant("clobber_callee_saved", f"%{reg} overwritten without being saved",
                     fx.with_inserted(exits, _snippet(f"movq $0x1234, %{reg}"),
                                      take_labels=take))
    if fx.rets:
        yield Mutant("infinite_loop", "a jmp to itself before every ret",
                     fx.with_inserted(fx.rets, _spin, take_labels=True))
    yield Mutant("direction_flag", "std before returning (the ABI wants DF clear)",
                 fx.with_inserted(exits, _snippet("std"), take_labels=take))
    at_entry: list[tuple[str, str, tuple[str, ...]]] = [
        ("syscall", "getpid through syscall on entry", ("movl $39, %eax", "syscall")),
        ("syscall", "getpid through int $0x80 on entry", ("movl $20, %eax", "int $0x80")),
        ("cpuid", "cpuid on entry", ("xorl %eax, %eax", "cpuid")),
        ("rdtsc", "rdtsc on entry", ("rdtsc",)),
        ("isa", "AVX2 vpaddd on entry", ("vpaddd %ymm0, %ymm0, %ymm0",)),
        ("isa", "BMI tzcnt on entry", ("tzcntl %edi, %eax",)),
        ("isa", "POPCNT popcnt on entry", ("popcntl %edi, %eax",)),
        ("frame_write", "writes the caller's frame above the return address on entry",
         ("movq $0, 8(%rsp)",)),
        ("mxcsr", "sets MXCSR rounding to zero on entry and leaves it so",
         ("stmxcsr -4(%rsp)", "orl $0x6000, -4(%rsp)", "ldmxcsr -4(%rsp)")),
    ]
    for kind, description, code in at_entry:
        yield Mutant(kind, description, fx.with_inserted([fx.entry], _snippet(*code),
                                                        take_labels=False))
    where = fx.calls[0] + 1 if fx.calls else fx.entry
    yield Mutant("red_zone", "writes below the 128-byte red zone "
                 + ("after a call" if fx.calls else "on entry"),
                 fx.with_inserted([where], _snippet("movq $0, -136(%rsp)"), take_labels=False))


def _string_mutants(fx: FunctionText, strings: Sequence[str]) -> Iterable[Mutant]:
    """For each register holding a string on entry: find its NUL and load the byte after it
    (through %r11 and %r10, which carry no argument), then run gcc's code."""
    for reg in strings:
        yield Mutant("string_overread", f"reads one byte past the NUL of the string in %{reg} "
                     "on entry", fx.with_inserted([fx.entry], _snippet(
                         f"movq %{reg}, %r11", ".Lmutant_overread: cmpb $0, (%r11)",
                         "leaq 1(%r11), %r11", "jne .Lmutant_overread", "movzbl (%r11), %r10d"),
                         take_labels=False))


# what forged_output writes: the verifier's harness's last line, claiming no failure
FORGED_LINE = b"COUNTS run=9 valid=9 failed=0\n"


def _hidden_syscall(tag: str, setup: Sequence[str], teardown: Sequence[str] = ()) -> list[str]:
    """``setup`` (the system call's number and arguments), then the system call made through
    a gadget in a ``movl``'s immediate, ``teardown``; the argument registers kept."""
    saved = ("rdi", "rsi", "rdx", "rcx")
    gadget = f".Lmutant_{tag}_gadget"
    return _snippet(*(f"pushq %{r}" for r in saved), *setup, f"leaq {gadget}+1(%rip), %rcx",
                    "call *%rcx", *teardown, *(f"popq %{r}" for r in reversed(saved)),
                    f"jmp .Lmutant_{tag}_after", f"{gadget}: movl $0xc3050f, %eax",
                    f".Lmutant_{tag}_after:")


def _stack_stores(data: bytes) -> list[str]:
    """Instructions that put ``data`` at (%rsp), eight bytes at a time."""
    padded = data + bytes(-len(data) % 8)
    return [line for k in range(0, len(padded), 8)
            for line in (f"movabsq ${int.from_bytes(padded[k:k + 8], 'little')}, %rax",
                         f"movq %rax, {k}(%rsp)")]


def _sandbox_mutants(fx: FunctionText) -> Iterable[Mutant]:
    tgkill = _hidden_syscall("tgkill", ("movl $234, %eax", "movl $1, %edi", "movl $1, %esi",
                                        "xorl %edx, %edx"))
    yield Mutant("tgkill", "tgkill(1, 1, 0) on entry through a hidden syscall (signal 0 only "
                 "asks whether it could)", fx.with_inserted([fx.entry], tgkill,
                                                           take_labels=False))
    room = len(FORGED_LINE) + -len(FORGED_LINE) % 8
    forge = _hidden_syscall("forge", (f"subq ${room}, %rsp", *_stack_stores(FORGED_LINE),
                                      "movl $1, %eax", "movl $1, %edi", "movq %rsp, %rsi",
                                      f"movl ${len(FORGED_LINE)}, %edx"),
                            (f"addq ${room}, %rsp",))
    yield Mutant("forged_output", "writes a harness result line to stdout on entry through a "
                 "hidden syscall", fx.with_inserted([fx.entry], forge, take_labels=False))


def _section_mutants(fx: FunctionText) -> Iterable[Mutant]:
    """A foreign section (or a file read) on entry, in the function's own text; gcc's code
    goes on in its own section after ``.previous``."""
    syscall = ("movl $39, %eax", ".byte 0x0f, 0x05")  # getpid, as raw bytes
    table = (".align 8", f".quad {fx.name}")  # the function, called by the loader
    inserted = (
        ("init", "getpid through raw syscall bytes in .init (gas makes it code; it runs "
         "before main)", (".section .init", *syscall)),
        ("fini", "getpid through raw syscall bytes in .fini (run after main)",
         (".section .fini", *syscall)),
        ("init_array", "the function itself in .init_array (called before main)",
         (".section .init_array", *table)),
        ("preinit_array", "the function itself in .preinit_array (called before main)",
         (".section .preinit_array", *table)),
        ("ctors", "the function itself in .ctors (the linker moves it to .init_array)",
         ('.section .ctors,"aw",@progbits', *table)),
        ("data_section", "writable data in a .data.* section of its own",
         ('.section .data.mutant,"aw"', ".Lmutant_data:", ".long 7")),
        ("data_section", "writable data in .data", (".data", ".long 7")),
        ("note", "an allocated note", ('.section .note.mutant,"a"', ".long 4, 4, 1",
                                        '.string "GNU"')),
        ("include", "the assembler includes a file", ('.include "/dev/null"',)),
        ("incbin", "the assembler copies a file into read-only data",
         (".section .rodata", '.incbin "/etc/passwd"')),
    )
    for kind, description, code in inserted:
        yield Mutant(kind, description, fx.with_inserted(
            [fx.entry], _snippet(*code, ".previous"), take_labels=False))


GENERATORS: tuple[Callable[[FunctionText], Iterable[Mutant]], ...] = (
    _flip_mutants, _constant_mutants, _swap_mutants, _drop_mutants, _displacement_mutants,
    _insert_mutants, _sandbox_mutants, _section_mutants,
)


def _unique(baseline: str, mutants: Iterable[Mutant]) -> list[Mutant]:
    """Mutants in order, without ones identical to the baseline or to an earlier one."""
    seen = {baseline}
    out = []
    for mutant in mutants:
        if mutant.text not in seen:
            seen.add(mutant.text)
            out.append(mutant)
    return out


def baseline_text(asm_text: str, function: str) -> str:
    """The function's text as the mutants render it (gcc's, re-rendered by the grammar)."""
    return FunctionText(asm_text, function).text


def wrong_candidates(asm_text: str, function: str, strings: Sequence[str] = ()) -> list[Mutant]:
    """Every edit and insertion mutant of ``function`` (from a TU's or the function's text);
    ``strings``: the argument registers that hold a string (``string_registers``)."""
    fx = FunctionText(asm_text, function)
    return _unique(fx.text, (*(m for gen in GENERATORS for m in gen(fx)),
                             *_string_mutants(fx, strings)))


ARGUMENT_REGISTERS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")


def string_registers(unit: CorpusUnit, function: str) -> tuple[str, ...]:
    """The registers that carry ``function``'s ``const char *`` parameters (its prototype in
    the unit's header), up to the first one that is not an integer or a pointer (after it,
    parameters take other registers)."""
    m = re.search(rf"\b{function}\(([^)]*)\);", unit.header)
    out: list[str] = []
    for reg, param in zip(ARGUMENT_REGISTERS, m.group(1).split(",") if m else [], strict=False):
        if "*" not in param and re.search(r"\b(float|double|struct|union)\b", param):
            break
        if re.fullmatch(r"\s*const char \*\s*\w*\s*", param):
            out.append(reg)
    return tuple(out)


def error_candidates(asm_text: str, function: str) -> list[Mutant]:
    """Texts that fail before any behaviour is checked: they do not parse, assemble or link."""
    fx = FunctionText(asm_text, function)
    entry = [fx.entry]
    out = [
        Mutant("parse_error", "a line of garbage on entry",
               fx.with_inserted(entry, ["\t@@ this is not an instruction @@"], take_labels=False)),
        Mutant("parse_error", "text cut off inside an operand", _truncated(fx)),
        Mutant("assemble_error", "movl with a 64-bit destination",
               fx.with_inserted(entry, _snippet("movl %eax, %rbx"), take_labels=False)),
        Mutant("assemble_error", "pshufd with an immediate over 255",
               fx.with_inserted(entry, _snippet("pshufd $256, %xmm0, %xmm0"), take_labels=False)),
        Mutant("assemble_error", "the function's label defined twice",
               fx.text + f"{fx.name}:\n\tret\n"),
        Mutant("undefined_label", "a jump to a local label nothing defines (gas leaves it "
               "undefined; only linking fails)",
               fx.with_inserted(entry, _snippet("jmp .Lmutant_nowhere"), take_labels=False)),
    ]
    return _unique(fx.text, out)


def _truncated(fx: FunctionText) -> str:
    """The text up to the first instruction operand, cut just after its ``(`` or ``%``."""
    for cut in ("(", "%"):
        for i, _ in fx.instructions():
            line = fx.rendered[i]
            if cut in line:
                return fx.join(fx.rendered[:i]) + line[: line.index(cut) + 1] + "\n"
    raise ValueError(f"{fx.name} has no instruction operand to cut")


def select_mutants(mutants: Sequence[Mutant], n: int, seed: int = 0,
                   kinds: Iterable[str] | None = None) -> list[Mutant]:
    """``n`` mutants (fewer if there are fewer), spread over kinds round-robin; the order of
    kinds and the picks within each are seeded by ``seed`` and the mutants themselves."""
    wanted = set(kinds) if kinds is not None else None
    pools: dict[str, list[Mutant]] = {}
    for m in mutants:
        if wanted is None or m.kind in wanted:
            pools.setdefault(m.kind, []).append(m)
    digest = zlib.crc32("".join(m.text for m in mutants[:1]).encode())
    rng = random.Random(f"{seed}:{digest}")
    order = sorted(pools)
    rng.shuffle(order)
    for kind in order:
        rng.shuffle(pools[kind])
    out: list[Mutant] = []
    while len(out) < n and any(pools.values()):
        for kind in order:
            if pools[kind] and len(out) < n:
                out.append(pools[kind].pop())
    return out


# -- correct candidates ---------------------------------------------------------------------

CORRECT_FLAG_SETS: tuple[tuple[str, ...], ...] = (
    ("-O2",), ("-O1",), ("-Os",), ("-O3", "-fno-tree-vectorize"), ("-O3", "-funroll-loops"),
    ("-O2", "-fno-inline"), ("-O3", "-fno-unroll-loops", "-fno-peel-loops"), ("-Og",),
)
# Added to every flag set: code that calls a function of its own unit must not count on
# that callee's register use (-fipa-ra does), since the spliced module keeps gcc's -O3 callee.
CANDIDATE_EXTRA_FLAGS = ("-fno-ipa-ra",)

_LOCAL_LABEL_RE = re.compile(r"\.L[\w.$]+")


def canonical_text(text: str) -> str:
    """``text`` without CFI and line directives and with local labels numbered in order of
    appearance, so texts that differ only in those compare equal."""
    kept = [st.render() for st in parse_statements(text)
            if not (isinstance(st.body, Directive)
                    and (st.body.name.startswith(".cfi_") or st.body.name in (".loc", ".file")))]
    numbers: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return numbers.setdefault(m.group(0), f".Lc{len(numbers)}")

    return _LOCAL_LABEL_RE.sub(number, "\n".join(kept))


def referenced_symbols(statements: Sequence[Statement]) -> set[str]:
    """Names the instructions and data directives of ``statements`` refer to."""
    names: set[str] = set()
    for st in statements:
        if isinstance(st.body, Instruction):
            for op in st.body.operands:
                names.update(operand_symbols(op))
        elif isinstance(st.body, Directive) and st.body.name in _DATA_DIRECTIVES:
            names.update(re.findall(r"[A-Za-z_.$][\w.$]*", ",".join(st.body.args)))
    return _without_immediate_marks(names)


def _without_immediate_marks(names: Iterable[str]) -> set[str]:
    """Names with the ``$`` of an immediate taken off (see ``_immediate_expr``); numbers and
    ``.`` dropped."""
    out = {name[1:] if name.startswith("$") else name for name in names}
    return {name for name in out if name and name != "." and not name[0].isdigit()}


def module_reach(asm_text: str) -> set[str]:
    """Non-local names a translation unit's assembly defines or refers to."""
    module = parse_module(asm_text)
    names: set[str] = set()
    for line in module.lines:
        names.update(line.labels)
        if line.args and line.head:
            names.update(line.symbols())
    return {n for n in _without_immediate_marks(names) if not n.startswith(".L")}


def fits_baseline(text: str, reach: set[str]) -> bool:
    """The text defines every local label it uses and reaches only the baseline's names."""
    statements = parse_statements(text)
    defined = {label for st in statements for label in st.labels}
    return all(name in defined or (not name.startswith(".L") and name in reach)
               for name in referenced_symbols(statements))


def called_within(asm_text: str, function: str) -> bool:
    """Whether another function of the unit calls or jumps to ``function``."""
    module = parse_module(asm_text)
    for other in module.functions.values():
        if other.name == function:
            continue
        for j in other.body:
            line = module.lines[j]
            if line.head.startswith(("call", "j")) and function in line.symbols():
                return True
    return False


def correct_candidates(c_source: str, function: str,
                       flags_sets: Sequence[Sequence[str]] = CORRECT_FLAG_SETS,
                       cache_dir: Path | None = None) -> list[Mutant]:
    """``function`` compiled under each flag set, kept when it differs from -O3 and from the
    others (``canonical_text``) and fits in the -O3 unit.

    A function that another function of the unit calls gets none: gcc's -O3 caller may count
    on the callee's register use (-fipa-ra), which a differently compiled callee breaks.
    """
    if cache_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            return correct_candidates(c_source, function, flags_sets, Path(tmp))
    flag_lists = [list(BASELINE_FLAGS), *([*f, *CANDIDATE_EXTRA_FLAGS] for f in flags_sets)]
    baseline, *others = compile_many([(c_source, f) for f in flag_lists], cache_dir)
    if called_within(baseline, function):
        return []
    binding = parse_module(baseline).function(function).binding
    reach = module_reach(baseline)
    seen = {canonical_text(parse_module(baseline).function_text(function))}
    out = []
    for flags, asm in zip(flags_sets, others, strict=True):
        module = parse_module(asm)
        fn = module.functions.get(function)
        if fn is None or fn.opaque or fn.binding != binding:
            continue
        text = module.function_text(function)
        key = canonical_text(text)
        if key in seen or not fits_baseline(text, reach):
            continue
        seen.add(key)
        out.append(Mutant("flags", " ".join(flags), text))
    return out


# -- probes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    """How a probe run ended: exit status (negative: signal, None: timed out) and output."""

    returncode: int | None
    output: str


# gcc's code runs any probe in milliseconds; a variant still running after this hangs
PROBE_TIMEOUT_S = 0.5
_OUTPUT_LIMIT = 1 << 20


# Called before every probed call: leaves garbage in scratch registers no argument uses,
# so a variant that reads one before writing it shows.
_PROBE_DIRTY = """\t.text
\t.globl\tprobe_dirty
probe_dirty:
\tmovabsq\t$0x5a5a5a5a5a5a5a5a, %r8
\tmovq\t%r8, %r9
\tmovq\t%r8, %r10
\tmovq\t%r8, %r11
\tret"""


def probe_program(unit: CorpusUnit) -> str:
    """C source that runs ``argv[1]``'s probe on ``probe_table[argv[2]]``."""
    parts = [_PROBE_PRELUDE, unit.header, "extern void *probe_table[];",
             "void probe_dirty(void);"]
    for name, body in unit.probes.items():
        parts.append(f"static void probe_{name}(void *fp)\n{{\n"
                     f"    __typeof__(&{name}) fn_ = (__typeof__(&{name}))fp;\n"
                     f"#define FN(...) (probe_dirty(), fn_(__VA_ARGS__))\n{body}#undef FN\n}}")
    dispatch = "\n".join(f'    if (!strcmp(argv[1], "{name}")) probe_{name}(fp);'
                         for name in unit.probes)
    parts.append("int main(int argc, char **argv)\n{\n    if (argc != 3) return 2;\n"
                 f"    void *fp = probe_table[atoi(argv[2])];\n{dispatch}\n    return 0;\n}}\n")
    return "\n".join(parts)


def _as_variant(text: str, k: int) -> str:
    """``text`` with every label it defines (the function's name included) given suffix _vK."""
    return rename_symbols(text, {label: f"{label}_v{k}" for label in defined_labels(text)})


def build_probe(unit: CorpusUnit, variants: Sequence[tuple[str, str]], workdir: Path) -> Path:
    """An executable holding the -O3 unit plus each (function, text) variant as entry k of
    ``probe_table``; ``run_probe`` runs one."""
    asm = compile_tu(unit.source, workdir)
    table = [f"\t.quad\t{name}_v{k}" for k, (name, _) in enumerate(variants)]
    batch = "\n".join([asm, *(_as_variant(text, k) for k, (_, text) in enumerate(variants)),
                       _PROBE_DIRTY, "\t.data", "\t.p2align 3", "\t.globl\tprobe_table",
                       "probe_table:", *table, ""])
    key = hashlib.sha256(("\0".join([batch, probe_program(unit)])).encode()).hexdigest()[:24]
    exe = Path(workdir) / f"probe-{unit.name}-{key}"
    if not exe.exists():
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            c_file, s_file, out = Path(tmp) / "probe.c", Path(tmp) / "batch.s", Path(tmp) / "x"
            c_file.write_text(probe_program(unit))
            s_file.write_text(batch)
            proc = subprocess.run(["gcc", "-O0", "-w", str(c_file), str(s_file), "-o", str(out)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"probe for {unit.name} does not build:\n{proc.stderr}")
            os.replace(out, exe)
    return exe


def run_probe(exe: Path, function: str, k: int, timeout: float = PROBE_TIMEOUT_S
              ) -> ProbeResult:
    """Run variant ``k``'s probe of ``function``."""
    try:
        proc = subprocess.run([str(exe), function, str(k)], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ProbeResult(None, "")
    return ProbeResult(proc.returncode, proc.stdout[:_OUTPUT_LIMIT].decode(errors="replace"))


def probe_outputs(unit: CorpusUnit, variants: Sequence[tuple[str, str]], workdir: Path,
                  timeout: float = PROBE_TIMEOUT_S) -> list[ProbeResult]:
    """The probe's result for each (function, text) variant, in order."""
    exe = build_probe(unit, variants, workdir)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda kv: run_probe(exe, kv[1][0], kv[0], timeout),
                             enumerate(variants)))


def differs_from_baseline(unit: CorpusUnit, items: Sequence[tuple[str, str]], workdir: Path
                          ) -> list[bool]:
    """For each (function, text): whether its probe result differs from gcc's -O3 code's."""
    if not items:
        return []
    asm = compile_tu(unit.source, workdir)
    names = list(dict.fromkeys(name for name, _ in items))
    results = probe_outputs(unit, [*((n, baseline_text(asm, n)) for n in names), *items],
                            workdir)
    reference = dict(zip(names, results, strict=False))
    for name, result in reference.items():
        if result.returncode != 0:
            raise RuntimeError(f"the probe of {name} fails on gcc's own code: {result}")
    return [result != reference[name]
            for (name, _), result in zip(items, results[len(names):], strict=True)]


# -- cases: everything a verifier test needs per function ----------------------------------

# wrong mutants sampled per function: edits (what differential testing must catch) outnumber
# insertions, which are much alike from one function to the next
EDITS_PER_FUNCTION = 8
INSERTS_PER_FUNCTION = 4
STRING_INSERTS_PER_FUNCTION = 1  # string_overread, besides those, where the function has one
# foreign sections, besides those: refused statically, so cheap; two per function give each
# of SECTION_KINDS about ten functions
SECTION_INSERTS_PER_FUNCTION = 2


@dataclass(frozen=True)
class FunctionCase:
    """A corpus function: its unit's -O3 assembly, its own text, and candidates of each sort
    (a seeded sample of the wrong ones)."""

    unit: CorpusUnit
    function: str
    asm: str
    baseline: str
    wrong: tuple[Mutant, ...]
    errors: tuple[Mutant, ...]
    correct: tuple[Mutant, ...]


def build_cases(cache_dir: Path, edits: int = EDITS_PER_FUNCTION,
                inserts: int = INSERTS_PER_FUNCTION, seed: int = 0) -> list[FunctionCase]:
    """A FunctionCase for every corpus function, with a seeded sample of ``edits`` edit and
    ``inserts`` insertion mutants (fewer where a function has fewer)."""
    units = corpus_units()
    asms = compile_many([(u.source, BASELINE_FLAGS) for u in units], cache_dir)
    compile_many([(u.source, [*f, *CANDIDATE_EXTRA_FLAGS])
                  for u in units for f in CORRECT_FLAG_SETS], cache_dir)
    cases = []
    for unit, asm in zip(units, asms, strict=True):
        for name in unit.functions:
            every = wrong_candidates(asm, name, string_registers(unit, name))
            wrong = [*select_mutants(every, edits, seed, EDIT_KINDS),
                     *select_mutants(every, inserts, seed,
                                     [k for k in INSERT_KINDS
                                      if k not in STRING_KINDS + SECTION_KINDS]),
                     # a function that takes a string always gets one: the other insertions
                     # are too many kinds for a sample of a few to be sure to pick it
                     *select_mutants(every, STRING_INSERTS_PER_FUNCTION, seed, STRING_KINDS),
                     *select_mutants(every, SECTION_INSERTS_PER_FUNCTION, seed, SECTION_KINDS)]
            cases.append(FunctionCase(
                unit, name, asm, baseline_text(asm, name), tuple(wrong),
                tuple(error_candidates(asm, name)),
                tuple(correct_candidates(unit.source, name, cache_dir=cache_dir))))
    return cases


def confirmed_wrong(cases: Sequence[FunctionCase], workdir: Path) -> list[FunctionCase]:
    """The cases keeping only wrong mutants known to be wrong: every insertion (wrong by
    construction) and each edit whose probe result differs from gcc's code's."""
    out = []
    for unit in corpus_units():
        mine = [case for case in cases if case.unit == unit]
        edits = [(case.function, m.text) for case in mine for m in case.wrong
                 if m.kind in EDIT_KINDS]
        shown = dict(zip(edits, differs_from_baseline(unit, edits, workdir), strict=True))
        out.extend(replace(case, wrong=tuple(
            m for m in case.wrong if m.kind not in EDIT_KINDS or shown[(case.function, m.text)]))
            for case in mine)
    return out
