/* _Complex float/double/long double arithmetic. */
#include <complex.h>
#include <stddef.h>

double _Complex cz_global = 1.0 + 2.0 * I;
static float _Complex roots[4] = { 1.0f, 1.0f * I, -1.0f, -1.0f * I };

double _Complex cmul_d(double _Complex a, double _Complex b)
{
    return a * b;
}

float _Complex cmul_f(float _Complex a, float _Complex b)
{
    return a * b;
}

double _Complex cdiv_d(double _Complex a, double _Complex b)
{
    return a / b;
}

long double _Complex cadd_ld(long double _Complex a, long double _Complex b)
{
    return a + b;
}

double cabs_sum(const double _Complex *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += cabs(v[i]);
    return s;
}

void cmul_array(float _Complex *restrict d, const float _Complex *restrict a,
                const float _Complex *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] * b[i];
}

float _Complex root_of_unity(int k)
{
    return roots[k & 3];
}

double _Complex cexp_sum(int n)
{
    double _Complex s = 0;
    for (int k = 0; k < n; k++)
        s += cexp(I * (double)k * 0.1);
    cz_global = s;
    return s;
}

double creal_part(double _Complex z) { return creal(z) + cimag(z) * 0.5; }

static double _Complex conj_scale(double _Complex z, double k)
{
    return conj(z) * k;
}

double _Complex reflect_sum(const double _Complex *v, size_t n, double k)
{
    double _Complex s = 0;
    for (size_t i = 0; i < n; i++)
        s += conj_scale(v[i], k);
    return s;
}
