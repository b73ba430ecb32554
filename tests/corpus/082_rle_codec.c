/* Run-length encoding / decoding and PackBits-style literals. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

size_t rle_bytes_in, rle_bytes_out;
static const uint8_t rle_escape = 0xff;

size_t rle_encode(uint8_t *out, const uint8_t *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = in[i];
        size_t run = 1;
        while (i + run < n && in[i + run] == c && run < 255)
            run++;
        if (run >= 3 || c == rle_escape) {
            out[o++] = rle_escape;
            out[o++] = (uint8_t)run;
            out[o++] = c;
        } else {
            for (size_t k = 0; k < run; k++)
                out[o++] = c;
        }
        i += run;
    }
    rle_bytes_in += n;
    rle_bytes_out += o;
    return o;
}

long rle_decode(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (in[i] == rle_escape) {
            if (i + 2 >= n)
                return -1;
            size_t run = in[i + 1];
            if (o + run > cap)
                return -2;
            memset(out + o, in[i + 2], run);
            o += run;
            i += 3;
        } else {
            if (o >= cap)
                return -2;
            out[o++] = in[i++];
        }
    }
    return (long)o;
}

size_t packbits_encode(int8_t *out, const uint8_t *in, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 128 && in[i + run] == in[i])
            run++;
        if (run > 1) {
            out[o++] = (int8_t)(1 - (int)run);
            out[o++] = (int8_t)in[i];
            i += run;
        } else {
            size_t lit = 1;
            while (i + lit < n && lit < 128 && (i + lit + 1 >= n || in[i + lit] != in[i + lit + 1]))
                lit++;
            out[o++] = (int8_t)(lit - 1);
            memcpy(out + o, in + i, lit);
            o += lit;
            i += lit;
        }
    }
    return o;
}

double rle_ratio(void)
{
    return rle_bytes_in ? (double)rle_bytes_out / (double)rle_bytes_in : 1.0;
}

static size_t longest_run(const uint8_t *in, size_t n)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        cur = (i && in[i] == in[i - 1]) ? cur + 1 : 1;
        best = cur > best ? cur : best;
    }
    return best;
}

int rle_worthwhile(const uint8_t *in, size_t n)
{
    return longest_run(in, n) >= 4;
}
