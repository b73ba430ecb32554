/* Wide and unicode string literals: L"", u"", U"", u8"". */
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>
#include <uchar.h>

const wchar_t wide_greeting[] = L"Hello, w\u00f6rld \u4e16\u754c";
const char16_t utf16_text[] = u"UTF-16 \u00e9\u00e8 \U0001F600";
const char32_t utf32_text[] = U"UTF-32 \u2603 \U0001F680";
const char utf8_text[] = u8"UTF-8 \u00df\u00e4 \u20ac";
static const wchar_t *const wide_table[] = { L"alpha", L"beta", L"gamma\tdelta", L"" };

size_t wide_len(const wchar_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t u16_len(const char16_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

uint32_t u32_sum(const char32_t *s)
{
    uint32_t t = 0;
    for (; *s; s++)
        t += *s;
    return t;
}

const wchar_t *wide_entry(unsigned i)
{
    return wide_table[i % 4];
}

size_t count_surrogates(const char16_t *s)
{
    size_t c = 0;
    for (; *s; s++)
        c += (*s & 0xfc00) == 0xd800;
    return c;
}

size_t utf16_to_utf32(char32_t *out, const char16_t *in)
{
    size_t n = 0;
    while (*in) {
        char32_t c = *in++;
        if ((c & 0xfc00) == 0xd800 && (*in & 0xfc00) == 0xdc00)
            c = 0x10000 + ((c - 0xd800) << 10) + (char32_t)(*in++ - 0xdc00);
        out[n++] = c;
    }
    out[n] = 0;
    return n;
}

int wide_compare(void)
{
    return wcscmp(wide_greeting, L"Hello") + (int)sizeof utf8_text + (int)u16_len(utf16_text) +
           (int)(u32_sum(utf32_text) & 0xff);
}

static int is_ascii32(char32_t c)
{
    return c < 0x80;
}

size_t ascii_count32(const char32_t *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += (size_t)is_ascii32(*s);
    return n;
}
