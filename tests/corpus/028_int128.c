/* __int128 arithmetic: mul/div via libgcc, multiword add/sub. */
#include <stdint.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

u128 u128_global = ((u128)0x0123456789abcdefULL << 64) | 0xfedcba9876543210ULL;
static const u128 u128_table[3] = { 1, (u128)1 << 64, ~(u128)0 };

u128 mul64x64(uint64_t a, uint64_t b)
{
    return (u128)a * b;
}

uint64_t mulhi64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((u128)a * b) >> 64);
}

u128 add128(u128 a, u128 b)
{
    return a + b;
}

i128 neg128(i128 a)
{
    return -a;
}

u128 div128(u128 a, u128 b)
{
    return b ? a / b : 0;
}

i128 mod128(i128 a, i128 b)
{
    return b ? a % b : 0;
}

int cmp128(i128 a, i128 b)
{
    return (a > b) - (a < b);
}

static u128 pow128(u128 b, unsigned e)
{
    u128 r = 1;
    while (e) {
        if (e & 1)
            r *= b;
        b *= b;
        e >>= 1;
    }
    return r;
}

uint64_t pow_low(uint64_t b, unsigned e)
{
    return (uint64_t)pow128(b, e);
}

u128 table_get(int i)
{
    return u128_table[i % 3] + u128_global;
}

uint64_t mulmod64(uint64_t a, uint64_t b, uint64_t m)
{
    return (uint64_t)(((u128)a * b) % m);
}

double u128_to_double(u128 x)
{
    return (double)x;
}

u128 shl128(u128 x, unsigned s)
{
    return x << (s & 127);
}
