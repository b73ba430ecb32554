/* Fixed-point arithmetic (Q16.16, Q1.15), saturating ops, lookup tables. */
#include <stdint.h>
#include <stddef.h>

typedef int32_t q16;
typedef int16_t q15;

#define Q16_ONE (1 << 16)

static const q16 sin_table_q16[17] = {
    0, 6393, 12540, 18205, 23170, 27246, 30274, 32138, 32768,
    32138, 30274, 27246, 23170, 18205, 12540, 6393, 0,
};
q16 q16_accum;

q16 q16_mul(q16 a, q16 b)
{
    return (q16)(((int64_t)a * b) >> 16);
}

q16 q16_div(q16 a, q16 b)
{
    if (b == 0)
        return a >= 0 ? INT32_MAX : INT32_MIN;
    return (q16)(((int64_t)a << 16) / b);
}

q16 q16_from_double(double d)
{
    return (q16)(d * Q16_ONE + (d >= 0 ? 0.5 : -0.5));
}

double q16_to_double(q16 q)
{
    return q / (double)Q16_ONE;
}

static inline q15 q15_sat(int32_t v)
{
    return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (q15)v;
}

void q15_mix(q15 *restrict out, const q15 *restrict a, const q15 *restrict b,
             q15 gain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = q15_sat(a[i] + ((b[i] * gain) >> 15));
}

q16 q16_sin_quarter(unsigned idx)
{
    unsigned i = idx & 15, frac = (idx >> 4) & 255;
    q16 a = sin_table_q16[i], b = sin_table_q16[i + 1];
    return a + (q16)(((int64_t)(b - a) * frac) >> 8) * 2;
}

q16 q16_sqrt(q16 x)
{
    if (x <= 0)
        return 0;
    uint64_t v = (uint64_t)x << 16, r = 0, bit = 1ULL << 46;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (q16)r;
}

void q16_accumulate(const q16 *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        q16_accum += q16_mul(v[i], v[i]);
}

int32_t dot_q15(const q15 *a, const q15 *b, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += (int32_t)a[i] * b[i];
    return (int32_t)(s >> 15);
}
