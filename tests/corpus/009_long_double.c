/* long double: x87 stack code, fld/fstp, 16-byte .rodata constants. */
#include <math.h>
#include <stddef.h>

long double ld_accum = 1.0L;
static const long double ld_table[6] = {
    1.0L, 0.5L, 0.333333333333333333333L, 0.25L, 0.2L, 3.14159265358979323846264338L
};

long double ld_sum(const long double *a, size_t n)
{
    long double s = 0.0L;
    for (size_t i = 0; i < n; i++)
        s += a[i];
    return s;
}

long double ld_harmonic(int n)
{
    long double s = 0.0L;
    for (int i = 1; i <= n; i++)
        s += 1.0L / (long double)i;
    return s;
}

long double ld_poly(long double x)
{
    long double r = 0.0L;
    for (int i = 5; i >= 0; i--)
        r = r * x + ld_table[i];
    return r;
}

double ld_to_double(long double x)
{
    return (double)(x * 2.0L);
}

long double ld_sqrt_mix(long double a, double b, float c)
{
    return sqrtl(a) + (long double)b * (long double)c;
}

static long double ld_fact(int n)
{
    return n <= 1 ? 1.0L : (long double)n * ld_fact(n - 1);
}

void ld_update(int n)
{
    ld_accum = ld_accum * ld_fact(n) + ld_table[n % 6];
}

int ld_compare(long double a, long double b)
{
    return (a > b) - (a < b);
}

long long ld_trunc(long double x)
{
    return (long long)x;
}
