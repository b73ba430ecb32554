/* tktest.c - deterministic tests for every toolkit function.
 * Exits 0 when all checks pass, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit.h"

static int failures, checks;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

/* xorshift32: deterministic pseudo-random numbers. */
static uint32_t rng_state = 2463534242u;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static const uint8_t *str(const char *s) { return (const uint8_t *)s; }

/* Naive references --------------------------------------------------- */

static uint32_t ref_adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static uint32_t ref_popcount(uint32_t x)
{
    uint32_t c = 0;
    for (int i = 0; i < 32; i++)
        c += (x >> i) & 1u;
    return c;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Tests ------------------------------------------------------------- */

static void test_checksums(void)
{
    /* Published check values. */
    CHECK(tk_crc32(0, str("123456789"), 9) == 0xcbf43926u);
    CHECK(tk_crc32(0, str(""), 0) == 0);
    CHECK(tk_crc32(0, str("The quick brown fox jumps over the lazy dog"), 43)
          == 0x414fa339u);
    CHECK(tk_adler32(str("Wikipedia"), 9) == 0x11e60398u);
    CHECK(tk_adler32(str(""), 0) == 1);

    /* Incremental CRC equals one-shot CRC. */
    static uint8_t buf[20000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rnd();
    uint32_t whole = tk_crc32(0, buf, sizeof buf);
    uint32_t part = tk_crc32(tk_crc32(0, buf, 777), buf + 777, sizeof buf - 777);
    CHECK(whole == part);

    /* Against bit-by-bit / modulo-every-step references, many lengths,
     * including lengths around Adler's 5552-byte chunk boundary and
     * all-0xff input (worst case for the deferred modulo). */
    size_t lens[] = { 1, 2, 3, 15, 16, 17, 255, 1000, 5551, 5552, 5553, 11104,
                      11105, 20000 };
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        size_t n = lens[t];
        CHECK(tk_crc32(0, buf, n) == ref_crc32(buf, n));
        CHECK(tk_adler32(buf, n) == ref_adler32(buf, n));
    }
    static uint8_t ff[20000];
    memset(ff, 0xff, sizeof ff);
    CHECK(tk_adler32(ff, sizeof ff) == ref_adler32(ff, sizeof ff));
    CHECK(tk_crc32(0, ff, sizeof ff) == ref_crc32(ff, sizeof ff));
}

static void test_bits(void)
{
    static const uint32_t fixed[] = { 0, 1, 0x80000000u, 0xffffffffu,
                                      0x55555555u, 0x0f0f0f0fu, 12345678u };
    CHECK(tk_popcount_loop(fixed, 0) == 0);
    CHECK(tk_popcount_loop(fixed, 1) == 0);
    CHECK(tk_popcount_loop(fixed + 3, 1) == 32);
    CHECK(tk_popcount_loop(fixed, 7) == 0 + 1 + 1 + 32 + 16 + 16 + 12);

    static uint32_t a[1000], b[1000];
    for (size_t i = 0; i < 1000; i++) {
        a[i] = rnd();
        b[i] = (i % 3) ? rnd() : a[i];
    }
    for (size_t n = 0; n <= 1000; n += 37) {
        uint32_t pc = 0, hd = 0;
        for (size_t i = 0; i < n; i++) {
            pc += ref_popcount(a[i]);
            hd += ref_popcount(a[i] ^ b[i]);
        }
        CHECK(tk_popcount_loop(a, n) == pc);
        CHECK(tk_hamming_distance(a, b, n) == hd);
    }
    CHECK(tk_hamming_distance(a, a, 1000) == 0);
    CHECK(tk_hamming_distance(fixed, fixed + 3, 1) == 32);
}

static void test_vec(void)
{
    enum { N = 1031 };
    static uint32_t a[N], b[N], acc[N], want[N];
    for (size_t n = 0; n <= N; n += (n < 20 ? 1 : 101)) {
        for (size_t i = 0; i < N; i++) {
            a[i] = rnd();
            b[i] = rnd();
            acc[i] = rnd();
        }
        /* madd first (a unchanged), then mul. */
        for (size_t i = 0; i < N; i++)
            want[i] = i < n ? acc[i] + a[i] * b[i] : acc[i];
        tk_vec_madd_u32(acc, a, b, n);
        CHECK(memcmp(acc, want, sizeof acc) == 0);

        for (size_t i = 0; i < N; i++)
            want[i] = i < n ? a[i] * b[i] : a[i];
        tk_vec_mul_u32(a, b, n);
        CHECK(memcmp(a, want, sizeof a) == 0);
    }
    uint32_t x[3] = { 0xffffffffu, 65536u, 7u }, y[3] = { 0xffffffffu, 65536u, 6u };
    tk_vec_mul_u32(x, y, 3);
    CHECK(x[0] == 1u && x[1] == 0u && x[2] == 42u);
}

static void test_hash(void)
{
    CHECK(tk_fnv1a32(str(""), 0) == 0x811c9dc5u);
    CHECK(tk_fnv1a32(str("a"), 1) == 0xe40c292cu);
    CHECK(tk_fnv1a32(str("foobar"), 6) == 0xbf9cf968u);

    /* splitmix64 reference values for seed 0 (outputs 1..3 of the
     * generator: state advances by the golden gamma each step). */
    uint64_t keys[4] = { 0, 0x9e3779b97f4a7c15ull, 0x3c6ef372fe94f82aull, 0 };
    uint64_t out[4] = { 0, 0, 0, 0xdeadull };
    tk_hash_u64(out, keys, 3);
    CHECK(out[0] == 0xe220a8397b1dcdafull);
    CHECK(out[1] == 0x6e789e6aa1b965f4ull);
    CHECK(out[2] == 0x06c45d188009454full);
    CHECK(out[3] == 0xdeadull); /* untouched */

    /* Distinct keys give distinct hashes (the finalizer is a bijection). */
    enum { N = 512 };
    static uint64_t k[N], h[N];
    for (size_t i = 0; i < N; i++)
        k[i] = i * 0x10001ull;
    tk_hash_u64(h, k, N);
    int dup = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            dup |= h[i] == h[j];
    CHECK(!dup);
}

static void test_sort(void)
{
    enum { N = 5000 };
    static uint32_t a[N], want[N];
    size_t sizes[] = { 0, 1, 2, 3, 16, 17, 100, 1000, N };
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t n = sizes[t];
        for (int kind = 0; kind < 5; kind++) {
            for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case 0: a[i] = rnd(); break;               /* random */
                case 1: a[i] = rnd() % 4; break;           /* many dups */
                case 2: a[i] = (uint32_t)i; break;         /* sorted */
                case 3: a[i] = (uint32_t)(n - i); break;   /* reversed */
                default: a[i] = 0xffffffffu; break;        /* all equal */
                }
            }
            memcpy(want, a, n * sizeof a[0]);
            qsort(want, n, sizeof want[0], cmp_u32);
            tk_sort_u32(a, n);
            CHECK(memcmp(a, want, n * sizeof a[0]) == 0);
        }
    }
}

static void test_rows(void)
{
    static const uint8_t m[] = { 1, 2, 3, 4, 5, 6, 255, 255, 255, 0, 0, 9 };
    uint32_t out[6];
    memset(out, 0xab, sizeof out);
    tk_row_sums_u8(out, m, 4, 3);
    CHECK(out[0] == 6 && out[1] == 15 && out[2] == 765 && out[3] == 9);
    CHECK(out[4] == 0xababababu); /* nothing written past the end */
    tk_row_sums_u8(out, m, 0, 3);
    CHECK(out[0] == 6);           /* rows == 0 writes nothing */
    tk_row_sums_u8(out, m, 2, 0);
    CHECK(out[0] == 0 && out[1] == 0);
    tk_row_sums_u8(out, m, 1, 12);
    CHECK(out[0] == 795);

    enum { N = 4000 };
    static uint8_t in[N];
    static uint32_t got[N + 1];
    for (size_t i = 0; i < N; i++)
        in[i] = (uint8_t)rnd();
    size_t widths[] = { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, N };
    for (size_t t = 0; t < sizeof widths / sizeof widths[0]; t++) {
        size_t cols = widths[t], rows = N / cols;
        got[rows] = 0x12345678u;
        tk_row_sums_u8(got, in, rows, cols);
        int ok = got[rows] == 0x12345678u;
        for (size_t r = 0; r < rows; r++) {
            uint32_t sum = 0;
            for (size_t c = 0; c < cols; c++)
                sum += in[r * cols + c];
            ok &= got[r] == sum;
        }
        CHECK(ok);
    }
}

static void test_filter(void)
{
    static const int16_t in[] = { 100, -200, 300, 32767, -32768, 0 };
    static const int16_t taps[] = { 1, 3, 3, 1 };
    int32_t out[8];
    memset(out, 0x55, sizeof out);
    CHECK(tk_fir_i16(out, in, 6, taps, 4) == 3);
    CHECK(out[0] == 100 - 600 + 900 + 32767);
    CHECK(out[1] == -200 + 900 + 3 * 32767 - 32768);
    CHECK(out[2] == 300 + 3 * 32767 - 3 * 32768 + 0);
    CHECK(out[3] == 0x55555555);
    CHECK(tk_fir_i16(out, in, 6, taps, 0) == 0);
    CHECK(tk_fir_i16(out, in, 3, taps, 4) == 0);

    enum { N = 600, T = 40 };
    static int16_t x[N], h[T];
    static int32_t got[N + 1];
    for (size_t i = 0; i < N; i++)
        x[i] = (int16_t)rnd();
    size_t ntaps[] = { 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, T };
    for (size_t t = 0; t < sizeof ntaps / sizeof ntaps[0]; t++) {
        size_t m = ntaps[t];
        /* Keep sum |h| <= 65535 so every sum fits in int32_t. */
        for (size_t k = 0; k < m; k++)
            h[k] = (int16_t)((int32_t)(rnd() % 3001) - 1500);
        got[N - m + 1] = 0x7654321;
        CHECK(tk_fir_i16(got, x, N, h, m) == N - m + 1);
        int ok = got[N - m + 1] == 0x7654321;
        for (size_t i = 0; i + m <= N; i++) {
            int64_t sum = 0;
            for (size_t k = 0; k < m; k++)
                sum += (int64_t)x[i + k] * h[k];
            ok &= got[i] == sum;
        }
        CHECK(ok);
    }
}

int main(void)
{
    test_checksums();
    test_bits();
    test_vec();
    test_hash();
    test_sort();
    test_rows();
    test_filter();
    if (failures) {
        fprintf(stderr, "tktest: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("tktest: all %d checks passed\n", checks);
    return 0;
}
