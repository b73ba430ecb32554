/* Intrinsics guarded by target macros; SSE2 baseline always on x86-64. */
#include <stddef.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

float avx_scratch[64] __attribute__((aligned(32)));

float dot_intrin(const float *a, const float *b, size_t n)
{
    size_t i = 0;
    float s = 0.0f;
#if defined(__AVX2__) && defined(__FMA__)
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    _mm256_store_ps(avx_scratch, acc);
    for (int k = 0; k < 8; k++)
        s += avx_scratch[k];
#elif defined(__SSE2__)
    __m128 acc = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4)
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
    _mm_store_ps(avx_scratch, acc);
    for (int k = 0; k < 4; k++)
        s += avx_scratch[k];
#endif
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

void add_bytes_sat(uint8_t *d, const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i = 0;
#if defined(__AVX2__)
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(b + i));
        _mm256_storeu_si256((__m256i *)(d + i), _mm256_adds_epu8(x, y));
    }
#endif
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(a + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(b + i));
        _mm_storeu_si128((__m128i *)(d + i), _mm_adds_epu8(x, y));
    }
#endif
    for (; i < n; i++) {
        unsigned s = (unsigned)a[i] + b[i];
        d[i] = s > 255 ? 255 : (uint8_t)s;
    }
}

static int movemask_any(const uint8_t *p, uint8_t c)
{
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)c)));
#else
    int m = 0;
    for (int i = 0; i < 16; i++)
        m |= (p[i] == c) << i;
    return m;
#endif
}

long find_byte16(const uint8_t *p, size_t n, uint8_t c)
{
    for (size_t i = 0; i + 16 <= n; i += 16) {
        int m = movemask_any(p + i, c);
        if (m)
            return (long)(i + (size_t)__builtin_ctz((unsigned)m));
    }
    return -1;
}

#if defined(__AVX2__)
int has_avx2(void) { return 1; }
#else
int has_avx2(void) { return 0; }
#endif
