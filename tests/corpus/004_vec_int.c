/* Integer loops that vectorize with SSE2/AVX2/AVX-512. */
#include <stdint.h>
#include <stddef.h>

int32_t vi_a[1024], vi_b[1024], vi_c[1024];
static uint8_t pixels[4096];

void vec_add_i32(int32_t *restrict d, const int32_t *restrict a,
                 const int32_t *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] + b[i];
}

int64_t vec_sum_i32(const int32_t *a, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i];
    return s;
}

int32_t vec_max_i32(const int32_t *a, size_t n)
{
    int32_t m = INT32_MIN;
    for (size_t i = 0; i < n; i++)
        m = a[i] > m ? a[i] : m;
    return m;
}

void global_mul(void)
{
    for (int i = 0; i < 1024; i++)
        vi_c[i] = vi_a[i] * vi_b[i] + (vi_a[i] >> 2);
}

static inline uint8_t sat_add_u8(uint8_t a, uint8_t b)
{
    unsigned s = (unsigned)a + b;
    return s > 255 ? 255 : (uint8_t)s;
}

void brighten(uint8_t delta)
{
    for (int i = 0; i < 4096; i++)
        pixels[i] = sat_add_u8(pixels[i], delta);
}

uint32_t pixel_checksum(void)
{
    uint32_t s = 0;
    for (int i = 0; i < 4096; i++)
        s += pixels[i];
    return s;
}

void widen_u16(uint32_t *restrict d, const uint16_t *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (uint32_t)s[i] * 3u;
}

size_t count_equal(const int16_t *a, int16_t key, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += a[i] == key;
    return c;
}
