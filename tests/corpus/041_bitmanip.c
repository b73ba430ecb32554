/* Bit manipulation tricks: masks, morton codes, bit reversal, gray codes. */
#include <stdint.h>
#include <stddef.h>

static const uint8_t rev_nibble[16] = {
    0x0, 0x8, 0x4, 0xc, 0x2, 0xa, 0x6, 0xe,
    0x1, 0x9, 0x5, 0xd, 0x3, 0xb, 0x7, 0xf,
};
uint64_t bm_mask_cache[64];

uint8_t reverse8(uint8_t b)
{
    return (uint8_t)(rev_nibble[b & 15] << 4 | rev_nibble[b >> 4]);
}

uint32_t reverse32(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    return __builtin_bswap32(x);
}

static uint64_t spread_bits(uint32_t v)
{
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
    x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
    x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

uint64_t morton2(uint32_t x, uint32_t y)
{
    return spread_bits(x) | (spread_bits(y) << 1);
}

uint32_t gray_encode(uint32_t x) { return x ^ (x >> 1); }

uint32_t gray_decode(uint32_t g)
{
    for (uint32_t s = 1; s < 32; s <<= 1)
        g ^= g >> s;
    return g;
}

uint64_t lowest_set(uint64_t x) { return x & (0 - x); }
uint64_t clear_lowest(uint64_t x) { return x & (x - 1); }
int is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

void build_masks(void)
{
    for (int i = 0; i < 64; i++)
        bm_mask_cache[i] = i == 0 ? 0 : (~0ULL >> (64 - i));
}

uint64_t extract_bits(uint64_t v, unsigned lo, unsigned len)
{
    if (len >= 64)
        return v >> lo;
    return (v >> lo) & ((1ULL << len) - 1);
}

uint32_t next_same_popcount(uint32_t v)
{
    uint32_t t = v | (v - 1);
    return (t + 1) | (((~t & -~t) - 1) >> (__builtin_ctz(v) + 1));
}

int bit_scan_all(uint64_t v, int *out)
{
    int n = 0;
    while (v) {
        out[n++] = __builtin_ctzll(v);
        v &= v - 1;
    }
    return n;
}

uint32_t sign_extend(uint32_t v, unsigned bits)
{
    uint32_t m = 1u << (bits - 1);
    v &= (1u << bits) - 1;
    return (v ^ m) - m;
}
