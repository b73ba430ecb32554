/* Large const lookup tables with binary search (like unicode category data). */
#include <stdint.h>
#include <stddef.h>

struct range { uint32_t lo, hi; uint8_t cat; };

static const struct range cat_ranges[] = {
    { 0x0041, 0x005a, 1 }, { 0x0061, 0x007a, 2 }, { 0x00aa, 0x00aa, 3 },
    { 0x00b5, 0x00b5, 2 }, { 0x00ba, 0x00ba, 3 }, { 0x00c0, 0x00d6, 1 },
    { 0x00d8, 0x00de, 1 }, { 0x00df, 0x00f6, 2 }, { 0x00f8, 0x00ff, 2 },
    { 0x0370, 0x0373, 1 }, { 0x0391, 0x03a1, 1 }, { 0x03a3, 0x03ab, 1 },
    { 0x03ac, 0x03ce, 2 }, { 0x0400, 0x042f, 1 }, { 0x0430, 0x045f, 2 },
    { 0x05d0, 0x05ea, 3 }, { 0x0620, 0x063f, 3 }, { 0x0660, 0x0669, 4 },
    { 0x0966, 0x096f, 4 }, { 0x3041, 0x3096, 3 }, { 0x30a1, 0x30fa, 3 },
    { 0x4e00, 0x9fff, 3 }, { 0xac00, 0xd7a3, 3 }, { 0xff10, 0xff19, 4 },
    { 0x1f600, 0x1f64f, 5 }, { 0x1f900, 0x1f9ff, 5 },
};
const char *const category_names[] = { "Cn", "Lu", "Ll", "Lo", "Nd", "So" };
const uint16_t cp1252_high[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};
unsigned long lookups_done;

int unicode_category(uint32_t cp)
{
    size_t lo = 0, hi = sizeof cat_ranges / sizeof cat_ranges[0];
    lookups_done++;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < cat_ranges[mid].lo)
            hi = mid;
        else if (cp > cat_ranges[mid].hi)
            lo = mid + 1;
        else
            return cat_ranges[mid].cat;
    }
    return 0;
}

const char *category_name(uint32_t cp)
{
    return category_names[unicode_category(cp)];
}

uint32_t cp1252_to_unicode(uint8_t b)
{
    return (b >= 0x80 && b < 0xa0) ? cp1252_high[b - 0x80] : b;
}

static int is_letter(uint32_t cp)
{
    int c = unicode_category(cp);
    return c >= 1 && c <= 3;
}

size_t count_letters(const uint32_t *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)is_letter(s[i]);
    return c;
}

uint32_t simple_upper(uint32_t cp)
{
    if ((cp >= 'a' && cp <= 'z') || (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7))
        return cp - 32;
    if (cp >= 0x3b1 && cp <= 0x3c9 && cp != 0x3c2)
        return cp - 32;
    if (cp >= 0x430 && cp <= 0x44f)
        return cp - 32;
    return cp;
}
