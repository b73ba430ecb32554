/* Strided, interleaved and reversed accesses (permutes, gathers). */
#include <stddef.h>
#include <stdint.h>

struct rgb { uint8_t r, g, b; };
struct cplx { float re, im; };

float strided_buf[4096];

void deinterleave(float *restrict re, float *restrict im,
                  const struct cplx *restrict c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        re[i] = c[i].re;
        im[i] = c[i].im;
    }
}

void to_gray(uint8_t *restrict g, const struct rgb *restrict p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = (uint8_t)((p[i].r * 77u + p[i].g * 150u + p[i].b * 29u) >> 8);
}

void reverse_i32(int32_t *restrict d, const int32_t *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[n - 1 - i];
}

float sum_stride4(void)
{
    float s = 0;
    for (int i = 0; i < 4096; i += 4)
        s += strided_buf[i];
    return s;
}

void gather_idx(double *restrict d, const double *restrict s,
                const int *restrict idx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[idx[i]];
}

void column_sum(double *restrict out, const double *restrict m, int rows, int cols)
{
    for (int c = 0; c < cols; c++)
        out[c] = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            out[c] += m[(size_t)r * cols + c];
}

static int stride_of(int k)
{
    return (k & 3) + 1;
}

long strided_dynamic(const int *a, int n, int k)
{
    long s = 0;
    int st = stride_of(k);
    for (int i = 0; i < n; i += st)
        s += a[i];
    return s;
}
