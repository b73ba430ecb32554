/* UTF-8 decoder/encoder and validation (DFA-free, branchy version). */
#include <stdint.h>
#include <stddef.h>

#define UTF8_REPLACEMENT 0xFFFDu

static const uint8_t utf8_len_table[32] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 4, 0,
};
const char utf8_sample[] = "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x8d\x95!";
unsigned long utf8_errors;

int utf8_seq_len(uint8_t lead)
{
    return utf8_len_table[lead >> 3];
}

size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    int len = utf8_seq_len(c);
    if (len == 0 || (size_t)len > n)
        goto bad;
    uint32_t v;
    switch (len) {
    case 1:
        *cp = c;
        return 1;
    case 2:
        if ((s[1] & 0xc0) != 0x80) goto bad;
        v = (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
        if (v < 0x80) goto bad;
        break;
    case 3:
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) goto bad;
        v = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
        if (v < 0x800 || (v >= 0xd800 && v <= 0xdfff)) goto bad;
        break;
    default:
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) goto bad;
        v = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
            (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
        if (v < 0x10000 || v > 0x10ffff) goto bad;
        break;
    }
    *cp = v;
    return (size_t)len;
bad:
    utf8_errors++;
    *cp = UTF8_REPLACEMENT;
    return 1;
}

size_t utf8_encode(uint8_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

size_t utf8_count(const uint8_t *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (s[i] & 0xc0) != 0x80;
    return count;
}

int utf8_valid(const uint8_t *s, size_t n)
{
    unsigned long before = utf8_errors;
    size_t i = 0;
    uint32_t cp;
    while (i < n)
        i += utf8_decode(s + i, n - i, &cp);
    return utf8_errors == before;
}

size_t utf8_to_utf32(uint32_t *out, const uint8_t *s, size_t n)
{
    size_t i = 0, k = 0;
    while (i < n)
        i += utf8_decode(s + i, n - i, &out[k++]);
    return k;
}

static int is_continuation(uint8_t b)
{
    return (b & 0xc0) == 0x80;
}

size_t utf8_prev_boundary(const uint8_t *s, size_t i)
{
    while (i > 0 && is_continuation(s[i]))
        i--;
    return i;
}
