/* bits.c - bit counting, written the straightforward way. */
#include "toolkit.h"

uint32_t tk_popcount_loop(const uint32_t *words, size_t n)
{
    uint32_t total = 0;

    for (size_t i = 0; i < n; i++) {
        uint32_t x = words[i];
        while (x) {
            total += x & 1u;
            x >>= 1;
        }
    }
    return total;
}

uint32_t tk_hamming_distance(const uint32_t *a, const uint32_t *b, size_t n)
{
    uint32_t total = 0;

    for (size_t i = 0; i < n; i++) {
        uint32_t x = a[i] ^ b[i];
        while (x) {
            total += x & 1u;
            x >>= 1;
        }
    }
    return total;
}
