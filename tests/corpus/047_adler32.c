/* zlib-like adler32 and crc32 (byte-at-a-time, with NMAX blocking). */
#include <stdint.h>
#include <stddef.h>

#define BASE 65521u
#define NMAX 5552

static const uint32_t z_crc_poly = 0xedb88320u;
uint32_t z_crc_table[256];
static int z_table_built;

#define DO1(buf, i)  { adler += (buf)[i]; sum2 += adler; }
#define DO2(buf, i)  DO1(buf, i); DO1(buf, i + 1);
#define DO4(buf, i)  DO2(buf, i); DO2(buf, i + 2);
#define DO8(buf, i)  DO4(buf, i); DO4(buf, i + 4);
#define DO16(buf)    DO8(buf, 0); DO8(buf, 8);

uint32_t z_adler32(uint32_t adler, const unsigned char *buf, size_t len)
{
    uint32_t sum2 = (adler >> 16) & 0xffff;
    adler &= 0xffff;
    if (len == 1) {
        adler += buf[0];
        if (adler >= BASE) adler -= BASE;
        sum2 += adler;
        if (sum2 >= BASE) sum2 -= BASE;
        return adler | (sum2 << 16);
    }
    if (buf == NULL)
        return 1;
    while (len >= NMAX) {
        len -= NMAX;
        unsigned n = NMAX / 16;
        do {
            DO16(buf);
            buf += 16;
        } while (--n);
        adler %= BASE;
        sum2 %= BASE;
    }
    if (len) {
        while (len >= 16) {
            len -= 16;
            DO16(buf);
            buf += 16;
        }
        while (len--) {
            adler += *buf++;
            sum2 += adler;
        }
        adler %= BASE;
        sum2 %= BASE;
    }
    return adler | (sum2 << 16);
}

static void z_make_crc_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? z_crc_poly ^ (c >> 1) : c >> 1;
        z_crc_table[n] = c;
    }
    z_table_built = 1;
}

uint32_t z_crc32(uint32_t crc, const unsigned char *buf, size_t len)
{
    if (!z_table_built)
        z_make_crc_table();
    crc ^= 0xffffffffu;
    while (len >= 8) {
        for (int i = 0; i < 8; i++)
            crc = z_crc_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        buf += 8;
        len -= 8;
    }
    while (len--)
        crc = z_crc_table[(crc ^ *buf++) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}

uint32_t z_adler32_combine(uint32_t adler1, uint32_t adler2, size_t len2)
{
    uint32_t rem = (uint32_t)(len2 % BASE);
    uint32_t sum1 = adler1 & 0xffff;
    uint32_t sum2 = (rem * sum1) % BASE;
    sum1 += (adler2 & 0xffff) + BASE - 1;
    sum2 += ((adler1 >> 16) & 0xffff) + ((adler2 >> 16) & 0xffff) + BASE - rem;
    if (sum1 >= BASE) sum1 -= BASE;
    if (sum1 >= BASE) sum1 -= BASE;
    if (sum2 >= ((unsigned long)BASE << 1)) sum2 -= ((unsigned long)BASE << 1);
    if (sum2 >= BASE) sum2 -= BASE;
    return sum1 | (sum2 << 16);
}

const uint32_t *z_get_crc_table(void)
{
    if (!z_table_built)
        z_make_crc_table();
    return z_crc_table;
}
