/* Double-precision reductions, min/max, norms. */
#include <stddef.h>
#include <math.h>
#include <float.h>

double vd_data[512];
double vd_last_norm;

double sum_d(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i];
    return s;
}

double norm2(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * a[i];
    vd_last_norm = sqrt(s);
    return vd_last_norm;
}

double min_d(const double *a, size_t n)
{
    double m = DBL_MAX;
    for (size_t i = 0; i < n; i++)
        m = fmin(m, a[i]);
    return m;
}

static double mean(const double *a, size_t n)
{
    return n ? sum_d(a, n) / (double)n : 0.0;
}

double variance(const double *a, size_t n)
{
    double mu = mean(a, n), s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - mu;
        s += d * d;
    }
    return n > 1 ? s / (double)(n - 1) : 0.0;
}

void scale_global(double k)
{
    for (int i = 0; i < 512; i++)
        vd_data[i] = vd_data[i] * k + 1.0 / 3.0;
}

long count_above(const double *a, size_t n, double thr)
{
    long c = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] > thr)
            c++;
    return c;
}

void float_to_double(double *restrict d, const float *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (double)s[i] * 2.5;
}
