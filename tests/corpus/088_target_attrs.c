/* Per-function target attributes, target_clones (ifunc resolvers),
   and optimize attributes. */
#include <stddef.h>
#include <stdint.h>

float tgt_buffer[1024];

__attribute__((target("avx2,fma")))
void tgt_scale_avx2(float *restrict d, const float *restrict s, float k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[i] * k + d[i];
}

__attribute__((target("avx512f")))
double tgt_sum_avx512(const double *a, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * a[i];
    return s;
}

__attribute__((target("sse4.2")))
int tgt_popcnt(uint64_t x)
{
    return __builtin_popcountll(x);
}

__attribute__((target_clones("avx2", "default")))
int32_t tgt_clone_sum(const int32_t *a, size_t n)
{
    int32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * 3;
    return s;
}

__attribute__((optimize("O1")))
int tgt_low_opt(int x)
{
    int r = 0;
    for (int i = 0; i < x; i++)
        r += i;
    return r;
}

__attribute__((optimize("unroll-loops")))
void tgt_unrolled(float *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = d[i] * 0.5f + 1.0f;
}

static int tgt_generic(int x)
{
    return x * 7;
}

int tgt_dispatch(int x)
{
    tgt_scale_avx2(tgt_buffer, tgt_buffer + 512, 2.0f, 512);
    return tgt_generic(x) + tgt_popcnt((uint64_t)x);
}
