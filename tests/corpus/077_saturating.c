/* Saturating and branchless arithmetic: cmov, setcc, min/max, abs. */
#include <stdint.h>
#include <stddef.h>
#include <limits.h>

int32_t sat_totals[4];

int32_t sat_add32(int32_t a, int32_t b)
{
    int32_t r;
    if (__builtin_add_overflow(a, b, &r))
        return a < 0 ? INT32_MIN : INT32_MAX;
    return r;
}

uint32_t sat_sub_u32(uint32_t a, uint32_t b)
{
    return a > b ? a - b : 0;
}

int16_t sat_mul16(int16_t a, int16_t b)
{
    int32_t p = (int32_t)a * b;
    return p > INT16_MAX ? INT16_MAX : p < INT16_MIN ? INT16_MIN : (int16_t)p;
}

int abs_branchless(int x)
{
    int m = x >> 31;
    return (x ^ m) - m;
}

int64_t min3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a < b ? a : b;
    return m < c ? m : c;
}

int sign_of(long x)
{
    return (x > 0) - (x < 0);
}

void sat_add_arrays(int16_t *restrict d, const int16_t *restrict a,
                    const int16_t *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t s = a[i] + b[i];
        d[i] = (int16_t)(s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s);
    }
}

void abs_diff_u8(uint8_t *restrict d, const uint8_t *restrict a,
                 const uint8_t *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] > b[i] ? (uint8_t)(a[i] - b[i]) : (uint8_t)(b[i] - a[i]);
}

static int clamp_index(int i, int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

int32_t clamped_lookup(const int32_t *t, int n, int i)
{
    int32_t v = t[clamp_index(i, n)];
    sat_totals[i & 3] = sat_add32(sat_totals[i & 3], v);
    return v;
}

uint64_t select_mask(uint64_t a, uint64_t b, int cond)
{
    uint64_t m = 0 - (uint64_t)(cond != 0);
    return (a & m) | (b & ~m);
}

unsigned avg_round_up(unsigned a, unsigned b)
{
    return (a | b) - ((a ^ b) >> 1);
}
