/* Numeric conversions: int<->float, unsigned<->double, truncation, rounding. */
#include <stdint.h>
#include <stddef.h>
#include <math.h>
#include <limits.h>

double conv_last;
static const float conv_scale = 1.0f / 255.0f;

double u64_to_double(uint64_t x) { return (double)x; }
uint64_t double_to_u64(double d) { return (uint64_t)d; }
float u32_to_float(uint32_t x) { return (float)x; }
int32_t float_to_i32(float f) { return (int32_t)f; }
int64_t double_to_i64_round(double d) { return llrint(d); }
float double_to_float(double d) { return (float)d; }
double float_to_double(float f) { return f; }
long double u64_to_ld(uint64_t x) { return (long double)x; }
uint64_t ld_to_u64(long double x) { return (uint64_t)x; }

int32_t saturating_f2i(double d)
{
    if (isnan(d))
        return 0;
    if (d >= (double)INT_MAX)
        return INT_MAX;
    if (d <= (double)INT_MIN)
        return INT_MIN;
    return (int32_t)d;
}

void bytes_to_unit(float *restrict out, const uint8_t *restrict in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * conv_scale;
}

void unit_to_bytes(uint8_t *restrict out, const float *restrict in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = in[i] * 255.0f + 0.5f;
        out[i] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
    }
}

void i64_to_double_arr(double *restrict d, const int64_t *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (double)s[i];
}

void double_to_i32_arr(int32_t *restrict d, const double *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (int32_t)s[i];
}

double round_half_even(double x)
{
    conv_last = nearbyint(x);
    return conv_last;
}

float trunc_floor_ceil(float x)
{
    return truncf(x) + floorf(x) * 2.0f + ceilf(x) * 4.0f;
}

int16_t half_bits(float f)
{
    union { float f; uint32_t u; } v = { f };
    uint32_t sign = (v.u >> 16) & 0x8000, exp = (v.u >> 23) & 0xff, mant = v.u & 0x7fffff;
    if (exp < 113)
        return (int16_t)sign;
    if (exp > 142)
        return (int16_t)(sign | 0x7c00);
    return (int16_t)(sign | ((exp - 112) << 10) | (mant >> 13));
}

static double frac_part(double x)
{
    return x - trunc(x);
}

double sum_fractions(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += frac_part(v[i]);
    return s;
}
