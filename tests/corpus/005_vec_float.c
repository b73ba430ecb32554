/* Float loops: vectorized arithmetic, fma candidates, conditionals. */
#include <stddef.h>
#include <math.h>

float vf_x[2048], vf_y[2048];
static const float vf_coeffs[8] = { 0.5f, 0.25f, 0.125f, 1.5f, -2.0f, 3.25f, 0.0f, 1e-3f };

void saxpy(size_t n, float a, const float *restrict x, float *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

float dot_f(const float *a, const float *b, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

void clamp_f(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        float t = v[i];
        t = t < lo ? lo : t;
        t = t > hi ? hi : t;
        v[i] = t;
    }
}

void poly_eval_global(void)
{
    for (int i = 0; i < 2048; i++) {
        float x = vf_x[i];
        vf_y[i] = ((vf_coeffs[0] * x + vf_coeffs[1]) * x + vf_coeffs[2]) * x + vf_coeffs[3];
    }
}

void sqrt_all(float *restrict d, const float *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = sqrtf(fabsf(s[i]));
}

static float lerp(float a, float b, float t)
{
    return a + (b - a) * t;
}

void blend(float *restrict d, const float *restrict a, const float *restrict b,
           float t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = lerp(a[i], b[i], t);
}

void int_to_float(float *restrict d, const int *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (float)s[i] * vf_coeffs[7];
}
