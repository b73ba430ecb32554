/* Hash functions: FNV, djb2, murmur3 finalizer, xxhash-like mixing. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

static const uint64_t PRIME64_1 = 0x9E3779B185EBCA87ULL;
static const uint64_t PRIME64_2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t PRIME64_3 = 0x165667B19E3779F9ULL;
uint32_t hash_seed = 0x12345678u;

uint32_t djb2(const char *s)
{
    uint32_t h = 5381;
    int c;
    while ((c = (unsigned char)*s++))
        h = h * 33 + (uint32_t)c;
    return h;
}

uint64_t fnv1a64(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint32_t murmur_fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t xx_round(uint64_t acc, uint64_t input)
{
    acc += input * PRIME64_2;
    acc = rotl64(acc, 31);
    return acc * PRIME64_1;
}

uint64_t xxish64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t v1 = seed + PRIME64_1 + PRIME64_2, v2 = seed + PRIME64_2;
    uint64_t v3 = seed, v4 = seed - PRIME64_1;
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        v1 = xx_round(v1, w[0]);
        v2 = xx_round(v2, w[1]);
        v3 = xx_round(v3, w[2]);
        v4 = xx_round(v4, w[3]);
    }
    uint64_t h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    for (; i < len; i++)
        h = rotl64(h ^ (p[i] * PRIME64_3), 11) * PRIME64_1;
    h ^= h >> 33;
    h *= PRIME64_2;
    h ^= h >> 29;
    return h + len;
}

uint32_t murmur3_32(const uint8_t *key, size_t len)
{
    uint32_t h = hash_seed;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t k;
        memcpy(&k, key + i * 4, 4);
        k *= 0xcc9e2d51;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593;
        h ^= k;
        h = (h << 13) | (h >> 19);
        h = h * 5 + 0xe6546b64;
    }
    uint32_t k = 0;
    const uint8_t *tail = key + nblocks * 4;
    switch (len & 3) {
    case 3: k ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: k ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1: k ^= tail[0];
        k *= 0xcc9e2d51;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593;
        h ^= k;
    }
    return murmur_fmix32(h ^ (uint32_t)len);
}

uint64_t hash_combine(uint64_t a, uint64_t b)
{
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}
