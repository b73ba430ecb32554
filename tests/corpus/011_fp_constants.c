/* Floating constants placed in .rodata.cst4/.cst8/.cst16 (.LC labels). */
#include <math.h>
#include <stdint.h>

double fp_last;
static const double fp_weights[5] = { 0.1, 0.2, 0.3, 0.15, 0.25 };

double celsius_to_f(double c)
{
    return c * 1.8 + 32.0;
}

float deg_to_rad(float d)
{
    return d * 0.017453292519943295f;
}

double negate_abs(double x)
{
    return -fabs(x);
}

float copysign_f(float a, float b)
{
    return copysignf(a, b);
}

double weighted(const double v[5])
{
    double s = 0;
    for (int i = 0; i < 5; i++)
        s += v[i] * fp_weights[i];
    fp_last = s;
    return s;
}

static double horner(double x)
{
    return ((((1.0 / 120.0) * x + 1.0 / 24.0) * x + 1.0 / 6.0) * x + 0.5) * x * x + x + 1.0;
}

double approx_exp(double x)
{
    if (x > 709.0)
        return INFINITY;
    if (x < -745.0)
        return 0.0;
    if (isnan(x))
        return NAN;
    return horner(x);
}

uint64_t double_bits(double d)
{
    union { double d; uint64_t u; } u = { d };
    return u.u ^ 0x8000000000000000ULL;
}

float float_round_trip(double d)
{
    return (float)d + 1e-7f - 3.4028234e38f * 0.0f;
}

int classify(double x)
{
    if (x == 0.0) return 0;
    if (x < 1e-300) return 1;
    if (x > 1e300) return 2;
    return 3;
}
