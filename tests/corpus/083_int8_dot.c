/* Quantized int8/uint8 dot products and requantization (pmaddubsw/pmaddwd
   style auto-vectorization). */
#include <stdint.h>
#include <stddef.h>
#include <math.h>

int8_t q_weights[256];
static float q_scale = 0.02f;

int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n)
{
    int32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int32_t dot_u8_i8(const uint8_t *a, const int8_t *b, size_t n)
{
    int32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int64_t dot_i16(const int16_t *a, const int16_t *b, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += (int32_t)a[i] * b[i];
    return s;
}

void quantize(int8_t *restrict q, const float *restrict x, size_t n, float inv_scale)
{
    for (size_t i = 0; i < n; i++) {
        float v = nearbyintf(x[i] * inv_scale);
        v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
        q[i] = (int8_t)v;
    }
}

void dequantize(float *restrict x, const int8_t *restrict q, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = q[i] * q_scale;
}

void gemv_i8(int32_t *restrict y, const int8_t *restrict m, const int8_t *restrict x,
             int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        y[r] = dot_i8(m + (size_t)r * cols, x, (size_t)cols);
}

float weights_norm(void)
{
    int32_t s = 0;
    for (int i = 0; i < 256; i++)
        s += q_weights[i] * q_weights[i];
    return sqrtf((float)s) * q_scale;
}

void set_qscale(float s) { q_scale = s; }

__attribute__((target("avx512f,avx512bw,prefer-vector-width=512")))
int64_t dot_i16_wide(const int16_t *a, const int16_t *b, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += (int32_t)a[i] * b[i];
    return s;
}

static int8_t clamp_i8(int v)
{
    return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

void add_i8_sat(int8_t *restrict d, const int8_t *restrict a, const int8_t *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = clamp_i8(a[i] + b[i]);
}
