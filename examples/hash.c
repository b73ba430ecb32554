/* hash.c - small non-cryptographic hashes. */
#include "toolkit.h"

uint32_t tk_fnv1a32(const uint8_t *data, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    return h;
}

void tk_hash_u64(uint64_t *out, const uint64_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t z = keys[i] + 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = z ^ (z >> 31);
    }
}
