/* Table-based popcount and Hamming distance loops (no builtin), plus
   SWAR variants that gcc may recognise. */
#include <stdint.h>
#include <stddef.h>

static uint8_t pop8_table[256];
static int pop_table_ready;
const uint8_t nibble_pop[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };

static void build_pop_table(void)
{
    for (int i = 0; i < 256; i++)
        pop8_table[i] = (uint8_t)(nibble_pop[i & 15] + nibble_pop[i >> 4]);
    pop_table_ready = 1;
}

int pop_table32(uint32_t x)
{
    if (!pop_table_ready)
        build_pop_table();
    return pop8_table[x & 255] + pop8_table[(x >> 8) & 255] +
           pop8_table[(x >> 16) & 255] + pop8_table[x >> 24];
}

int pop_swar64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

int pop_kernighan(uint64_t x)
{
    int c = 0;
    while (x) {
        x &= x - 1;
        c++;
    }
    return c;
}

size_t hamming_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (!pop_table_ready)
        build_pop_table();
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += pop8_table[a[i] ^ b[i]];
    return d;
}

size_t hamming_words(const uint64_t *a, const uint64_t *b, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += (size_t)__builtin_popcountll(a[i] ^ b[i]);
    return d;
}

int nearest_code(const uint64_t *codes, int n, uint64_t q)
{
    int best = -1, bestd = 65;
    for (int i = 0; i < n; i++) {
        int d = pop_swar64(codes[i] ^ q);
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}
