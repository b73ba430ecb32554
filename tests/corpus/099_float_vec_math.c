/* Vectorizable float math: division, sqrt, rsqrt-ish, min/max with NaN
   semantics, conditional stores, reductions with -O3 but no -ffast-math. */
#include <stddef.h>
#include <math.h>

float fvm_out[1024];
static const float fvm_eps = 1e-12f;

void normalize_pairs(float *restrict x, float *restrict y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float l = sqrtf(x[i] * x[i] + y[i] * y[i]) + fvm_eps;
        x[i] /= l;
        y[i] /= l;
    }
}

void safe_div(float *restrict d, const float *restrict a, const float *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = b[i] != 0.0f ? a[i] / b[i] : 0.0f;
}

float max_abs(const float *a, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) {
        float v = fabsf(a[i]);
        m = v > m ? v : m;
    }
    return m;
}

void relu(float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] > 0 ? a[i] : 0;
}

void leaky_relu_global(const float *in, float slope)
{
    for (int i = 0; i < 1024; i++)
        fvm_out[i] = in[i] > 0 ? in[i] : in[i] * slope;
}

double dot_mixed(const float *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

void rsqrt_newton(float *restrict d, const float *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = s[i], y = 1.0f / sqrtf(x);
        d[i] = y * (1.5f - 0.5f * x * y * y);
    }
}

void softmax_inplace(double *v, size_t n)
{
    double m = v[0], s = 0;
    for (size_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    for (size_t i = 0; i < n; i++) {
        v[i] = exp(v[i] - m);
        s += v[i];
    }
    for (size_t i = 0; i < n; i++)
        v[i] /= s;
}

#pragma GCC push_options
#pragma GCC target("avx512f,prefer-vector-width=512")
void scale_add_512(float *restrict d, const float *restrict s, float k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = d[i] * k + s[i];
}
#pragma GCC pop_options

static float sq(float x)
{
    return x * x;
}

float sum_squares(const float *a, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += sq(a[i]);
    return s;
}
