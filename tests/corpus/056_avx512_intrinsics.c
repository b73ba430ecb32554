/* AVX-512 intrinsics (zmm registers, mask registers) under __AVX512F__,
   with AVX2 and scalar fallbacks. */
#include <stdint.h>
#include <stddef.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

double avx512_scratch[8] __attribute__((aligned(64)));
static const float ramp16[16] __attribute__((aligned(64))) = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

float sum16_ps(const float *p, size_t n)
{
    size_t i = 0;
    float s = 0;
#if defined(__AVX512F__)
    __m512 acc = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16)
        acc = _mm512_add_ps(acc, _mm512_loadu_ps(p + i));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, p + i));
        i = n;
    }
    s = _mm512_reduce_add_ps(acc);
#elif defined(__AVX2__)
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8)
        acc = _mm256_add_ps(acc, _mm256_loadu_ps(p + i));
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    lo = _mm_hadd_ps(lo, lo);
    lo = _mm_hadd_ps(lo, lo);
    s = _mm_cvtss_f32(lo);
#endif
    for (; i < n; i++)
        s += p[i];
    return s;
}

int count_greater16(const int32_t *p, size_t n, int32_t thr)
{
    int c = 0;
    size_t i = 0;
#if defined(__AVX512F__)
    __m512i t = _mm512_set1_epi32(thr);
    for (; i + 16 <= n; i += 16) {
        __mmask16 k = _mm512_cmpgt_epi32_mask(_mm512_loadu_si512(p + i), t);
        c += __builtin_popcount(k);
    }
#endif
    for (; i < n; i++)
        c += p[i] > thr;
    return c;
}

void scale_pd8(double *p, double k)
{
#if defined(__AVX512F__)
    __m512d v = _mm512_loadu_pd(p);
    _mm512_store_pd(avx512_scratch, _mm512_mul_pd(v, _mm512_set1_pd(k)));
#else
    for (int i = 0; i < 8; i++)
        avx512_scratch[i] = p[i] * k;
#endif
    for (int i = 0; i < 8; i++)
        p[i] = avx512_scratch[i];
}

void add_ramp(float *p)
{
#if defined(__AVX512F__)
    _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), _mm512_load_ps(ramp16)));
#else
    for (int i = 0; i < 16; i++)
        p[i] += ramp16[i];
#endif
}

void auto_vec_long(int64_t *restrict d, const int64_t *restrict a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] * 7 + (a[i] >> 3);
}

int has_avx512(void)
{
#if defined(__AVX512F__)
    return 1;
#else
    return 0;
#endif
}
