/* Image processing kernels: box blur, threshold, alpha blend, resize. */
#include <stdint.h>
#include <stddef.h>

#define W 128
#define H 96
uint8_t img_in[H][W], img_out[H][W];
static const uint8_t gamma_lut[16] = { 0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225 };

void box_blur3(void)
{
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) {
            unsigned s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    s += img_in[y + dy][x + dx];
            img_out[y][x] = (uint8_t)(s / 9);
        }
}

void threshold(uint8_t t)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img_out[y][x] = img_in[y][x] >= t ? 255 : 0;
}

void alpha_blend(uint32_t *restrict dst, const uint32_t *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t s = src[i], d = dst[i];
        uint32_t a = s >> 24, ia = 255 - a;
        uint32_t rb = (((s & 0xff00ff) * a + (d & 0xff00ff) * ia) >> 8) & 0xff00ff;
        uint32_t g = (((s & 0x00ff00) * a + (d & 0x00ff00) * ia) >> 8) & 0x00ff00;
        dst[i] = 0xff000000u | rb | g;
    }
}

void downsample2x(uint8_t *restrict out, const uint8_t *restrict in, int w, int h)
{
    for (int y = 0; y < h / 2; y++)
        for (int x = 0; x < w / 2; x++) {
            const uint8_t *p = in + (2 * y) * w + 2 * x;
            out[y * (w / 2) + x] = (uint8_t)((p[0] + p[1] + p[w] + p[w + 1] + 2) >> 2);
        }
}

void apply_gamma(void)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img_out[y][x] = gamma_lut[img_in[y][x] >> 4];
}

void invert_rgba(uint32_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= 0x00ffffffu;
}

unsigned long image_sum(void)
{
    unsigned long s = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            s += img_out[y][x];
    return s;
}

void sobel_x(int16_t *restrict out, const uint8_t *restrict in, int w, int h)
{
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            const uint8_t *p = in + y * w + x;
            out[y * w + x] = (int16_t)((p[-w + 1] + 2 * p[1] + p[w + 1]) -
                                       (p[-w - 1] + 2 * p[-1] + p[w - 1]));
        }
}

static uint8_t clamp_u8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void adjust_contrast(int num, int den)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img_out[y][x] = clamp_u8((img_in[y][x] - 128) * num / den + 128);
}
