/* Bit builtins: popcount, clz, ctz, bswap, parity, ffs, rotate. */
#include <stdint.h>
#include <stddef.h>

unsigned builtin_hist[65];

int pop32(uint32_t x) { return __builtin_popcount(x); }
int pop64(uint64_t x) { return __builtin_popcountll(x); }
int clz32(uint32_t x) { return x ? __builtin_clz(x) : 32; }
int ctz64(uint64_t x) { return x ? __builtin_ctzll(x) : 64; }
uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }
uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
uint16_t bswap16(uint16_t x) { return __builtin_bswap16(x); }
int parity64(uint64_t x) { return __builtin_parityll(x); }
int ffs32(int x) { return __builtin_ffs(x); }

uint32_t rotl32(uint32_t x, unsigned r)
{
    return (x << (r & 31)) | (x >> (-r & 31));
}

uint64_t rotr64(uint64_t x, unsigned r)
{
    return (x >> (r & 63)) | (x << (-r & 63));
}

static inline unsigned ilog2(uint64_t x)
{
    return 63u - (unsigned)__builtin_clzll(x | 1);
}

uint64_t next_pow2(uint64_t x)
{
    if (x <= 1)
        return 1;
    return 1ULL << (ilog2(x - 1) + 1);
}

void popcount_hist(const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        builtin_hist[__builtin_popcountll(v[i])]++;
}

long total_popcount(const uint32_t *v, size_t n)
{
    long s = 0;
    for (size_t i = 0; i < n; i++)
        s += __builtin_popcount(v[i]);
    return s;
}

int overflow_add(int a, int b, int *out)
{
    return __builtin_add_overflow(a, b, out);
}

int overflow_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

int clrsb_test(int x) { return __builtin_clrsb(x); }
