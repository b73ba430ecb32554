/* dtoa-ish number printing: integers, fixed-point and shortest-ish doubles. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <math.h>

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
static const double pow10_tab[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
};
char dtoa_scratch[64];

size_t u64_to_str(char *out, uint64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + r * 2, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + v * 2, 2);
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(out, p, n);
    out[n] = 0;
    return n;
}

size_t i64_to_str(char *out, int64_t v)
{
    if (v < 0) {
        *out = '-';
        return 1 + u64_to_str(out + 1, 0 - (uint64_t)v);
    }
    return u64_to_str(out, (uint64_t)v);
}

size_t fixed_to_str(char *out, double d, int prec)
{
    char *o = out;
    if (isnan(d)) { memcpy(out, "nan", 4); return 3; }
    if (d < 0) { *o++ = '-'; d = -d; }
    if (isinf(d)) { memcpy(o, "inf", 4); return (size_t)(o - out) + 3; }
    if (prec > 17) prec = 17;
    if (prec < 0) prec = 0;
    double scaled = round(d * pow10_tab[prec]);
    if (scaled >= 1.8e19) { memcpy(o, "big", 4); return (size_t)(o - out) + 3; }
    uint64_t u = (uint64_t)scaled;
    uint64_t ip = u, fp = 0;
    if (prec) {
        uint64_t p10 = (uint64_t)pow10_tab[prec];
        ip = u / p10;
        fp = u % p10;
    }
    o += u64_to_str(o, ip);
    if (prec) {
        *o++ = '.';
        for (int i = prec - 1; i >= 0; i--) {
            o[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        o += prec;
    }
    *o = 0;
    return (size_t)(o - out);
}

static int decimal_exponent(double d)
{
    return d == 0 ? 0 : (int)floor(log10(fabs(d)));
}

size_t sci_to_str(char *out, double d)
{
    int e = decimal_exponent(d);
    double m = d / pow(10.0, e);
    size_t n = fixed_to_str(out, m, 6);
    out[n++] = 'e';
    n += i64_to_str(out + n, e);
    return n;
}

const char *dtoa_static(double d)
{
    if (fabs(d) >= 1e15 || (d != 0 && fabs(d) < 1e-4))
        sci_to_str(dtoa_scratch, d);
    else
        fixed_to_str(dtoa_scratch, d, 6);
    return dtoa_scratch;
}
