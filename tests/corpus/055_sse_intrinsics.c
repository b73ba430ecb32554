/* SSE2/SSSE3/SSE4.1 intrinsics with target guards; baseline SSE2. */
#include <stdint.h>
#include <stddef.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static const int32_t lane_ids[4] __attribute__((aligned(16))) = { 0, 1, 2, 3 };
int64_t sse_last_result;

#ifdef __SSE2__
int32_t sum_epi32(const int32_t *p, size_t n)
{
    __m128i acc = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        acc = _mm_add_epi32(acc, _mm_loadu_si128((const __m128i *)(p + i)));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
    int32_t s = _mm_cvtsi128_si32(acc);
    for (; i < n; i++)
        s += p[i];
    return s;
}

double hsum_pd(const double *p)
{
    __m128d v = _mm_loadu_pd(p);
    __m128d w = _mm_unpackhi_pd(v, v);
    return _mm_cvtsd_f64(_mm_add_sd(v, w));
}

void lane_index_add(int32_t *out, int32_t base)
{
    __m128i v = _mm_add_epi32(_mm_load_si128((const __m128i *)lane_ids), _mm_set1_epi32(base));
    _mm_storeu_si128((__m128i *)out, v);
}
#endif

#ifdef __SSSE3__
void byte_reverse16(uint8_t *p)
{
    const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    _mm_storeu_si128((__m128i *)p, _mm_shuffle_epi8(v, rev));
}
#else
void byte_reverse16(uint8_t *p)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = p[i];
        p[i] = p[15 - i];
        p[15 - i] = t;
    }
}
#endif

#ifdef __SSE4_1__
int32_t max_epi32(const int32_t *p, size_t n)
{
    __m128i m = _mm_set1_epi32(INT32_MIN);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        m = _mm_max_epi32(m, _mm_loadu_si128((const __m128i *)(p + i)));
    int32_t r = _mm_extract_epi32(m, 0);
    for (int k = 1; k < 4; k++) {
        int32_t v = k == 1 ? _mm_extract_epi32(m, 1) : k == 2 ? _mm_extract_epi32(m, 2) : _mm_extract_epi32(m, 3);
        r = v > r ? v : r;
    }
    for (; i < n; i++)
        r = p[i] > r ? p[i] : r;
    return r;
}
#else
int32_t max_epi32(const int32_t *p, size_t n)
{
    int32_t r = INT32_MIN;
    for (size_t i = 0; i < n; i++)
        r = p[i] > r ? p[i] : r;
    return r;
}
#endif

int64_t sse_record(int64_t v)
{
    sse_last_result = v;
    return v * 2;
}
