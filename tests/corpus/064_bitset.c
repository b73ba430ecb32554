/* Bitset operations over uint64_t words: vectorizable and/or/popcount. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define BS_WORDS 64
typedef struct { uint64_t w[BS_WORDS]; } bitset;

bitset bs_primes;
static bitset bs_scratch;

void bs_set(bitset *b, unsigned i) { b->w[(i >> 6) & (BS_WORDS - 1)] |= 1ULL << (i & 63); }
void bs_clear(bitset *b, unsigned i) { b->w[(i >> 6) & (BS_WORDS - 1)] &= ~(1ULL << (i & 63)); }
int bs_test(const bitset *b, unsigned i) { return (b->w[(i >> 6) & (BS_WORDS - 1)] >> (i & 63)) & 1; }

void bs_and(bitset *d, const bitset *a, const bitset *b)
{
    for (int i = 0; i < BS_WORDS; i++)
        d->w[i] = a->w[i] & b->w[i];
}

void bs_or(bitset *d, const bitset *a, const bitset *b)
{
    for (int i = 0; i < BS_WORDS; i++)
        d->w[i] = a->w[i] | b->w[i];
}

void bs_andnot(bitset *d, const bitset *a, const bitset *b)
{
    for (int i = 0; i < BS_WORDS; i++)
        d->w[i] = a->w[i] & ~b->w[i];
}

size_t bs_count(const bitset *b)
{
    size_t c = 0;
    for (int i = 0; i < BS_WORDS; i++)
        c += (size_t)__builtin_popcountll(b->w[i]);
    return c;
}

int bs_first(const bitset *b)
{
    for (int i = 0; i < BS_WORDS; i++)
        if (b->w[i])
            return i * 64 + __builtin_ctzll(b->w[i]);
    return -1;
}

int bs_equal(const bitset *a, const bitset *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

void sieve_primes(void)
{
    memset(&bs_primes, 0xff, sizeof bs_primes);
    bs_clear(&bs_primes, 0);
    bs_clear(&bs_primes, 1);
    for (unsigned i = 2; i * i < BS_WORDS * 64; i++)
        if (bs_test(&bs_primes, i))
            for (unsigned j = i * i; j < BS_WORDS * 64; j += i)
                bs_clear(&bs_primes, j);
}

size_t primes_in_mask(const bitset *mask)
{
    bs_and(&bs_scratch, &bs_primes, mask);
    return bs_count(&bs_scratch);
}

size_t bs_xor_count(const bitset *a, const bitset *b)
{
    size_t c = 0;
#if defined(__AVX512F__)
    for (int i = 0; i < BS_WORDS; i += 8) {
        __m512i x = _mm512_xor_si512(_mm512_loadu_si512(&a->w[i]), _mm512_loadu_si512(&b->w[i]));
        uint64_t tmp[8];
        _mm512_storeu_si512(tmp, x);
        for (int k = 0; k < 8; k++)
            c += (size_t)__builtin_popcountll(tmp[k]);
    }
#else
    for (int i = 0; i < BS_WORDS; i++)
        c += (size_t)__builtin_popcountll(a->w[i] ^ b->w[i]);
#endif
    return c;
}

static void bs_fill(bitset *b, uint64_t pattern)
{
    for (int i = 0; i < BS_WORDS; i++)
        b->w[i] = pattern;
}

size_t bs_pattern_primes(uint64_t pattern)
{
    bitset m;
    bs_fill(&m, pattern);
    return primes_in_mask(&m);
}
