/* Base64 encoder/decoder with lookup tables. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const char b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static int8_t b64_rev[256];
static int b64_rev_ready;
const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t b64_encode(char *out, const uint8_t *in, size_t n)
{
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = b64_alphabet[(v >> 6) & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = 0;
    return (size_t)(o - out);
}

static void b64_build_rev(void)
{
    memset(b64_rev, -1, sizeof b64_rev);
    for (int i = 0; i < 64; i++)
        b64_rev[(unsigned char)b64_alphabet[i]] = (int8_t)i;
    b64_rev_ready = 1;
}

long b64_decode(uint8_t *out, const char *in, size_t n)
{
    if (!b64_rev_ready)
        b64_build_rev();
    if (n % 4)
        return -1;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i += 4) {
        int a = b64_rev[(unsigned char)in[i]], b = b64_rev[(unsigned char)in[i + 1]];
        int c = in[i + 2] == '=' ? 0 : b64_rev[(unsigned char)in[i + 2]];
        int d = in[i + 3] == '=' ? 0 : b64_rev[(unsigned char)in[i + 3]];
        if ((a | b | c | d) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        *o++ = (uint8_t)(v >> 16);
        if (in[i + 2] != '=')
            *o++ = (uint8_t)(v >> 8);
        if (in[i + 3] != '=')
            *o++ = (uint8_t)v;
    }
    return o - out;
}

int b64_is_valid_char(int c)
{
    if (!b64_rev_ready)
        b64_build_rev();
    return c == '=' || b64_rev[c & 255] >= 0;
}
