/* memcpy/memset/memmove patterns: inline expansion, rep movs/stos, calls. */
#include <string.h>
#include <stdint.h>
#include <stddef.h>

struct packet { uint8_t hdr[16]; uint8_t payload[240]; };
struct packet pkt_template;
static char big_src[8192], big_dst[8192];

void copy16(void *d, const void *s) { memcpy(d, s, 16); }
void copy7(void *d, const void *s) { memcpy(d, s, 7); }
void copy_dynamic(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void move_overlap(char *buf, size_t n) { memmove(buf + 1, buf, n); }
void zero64(void *p) { memset(p, 0, 64); }
void fill_byte(void *p, int c, size_t n) { memset(p, c, n); }

void clear_packet(struct packet *p)
{
    memset(p, 0, sizeof *p);
}

void init_packet(struct packet *p)
{
    *p = pkt_template;
}

void copy_big(void)
{
    memcpy(big_dst, big_src, sizeof big_dst);
}

void zero_big(void)
{
    memset(big_src, 0, sizeof big_src);
}

void manual_copy(uint8_t *restrict d, const uint8_t *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

void manual_zero(uint32_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 0;
}

uint32_t load_unaligned32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

void store_unaligned64(void *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

static void init_struct_array(struct packet *arr, int n)
{
    for (int i = 0; i < n; i++) {
        memset(arr[i].hdr, 0xff, sizeof arr[i].hdr);
        arr[i].payload[0] = (uint8_t)i;
    }
}

uint8_t make_packets(int n)
{
    struct packet tmp[4];
    init_struct_array(tmp, 4);
    return tmp[n & 3].payload[0];
}

int compare_blocks(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}
