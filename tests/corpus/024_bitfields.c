/* Bit fields: packed headers, masks, shifts, sign-extension. */
#include <stdint.h>

struct ip_hdr {
    unsigned ihl : 4;
    unsigned version : 4;
    unsigned tos : 8;
    unsigned total_len : 16;
    unsigned id : 16;
    unsigned frag_off : 13;
    unsigned flags : 3;
};

struct flags {
    unsigned ready : 1;
    unsigned error : 1;
    unsigned mode : 3;
    signed delta : 5;
    unsigned long long big : 40;
};

struct ip_hdr default_hdr = { 5, 4, 0, 20, 1, 0, 2 };
static struct flags gflags;

int hdr_len(const struct ip_hdr *h)
{
    return h->ihl * 4;
}

void hdr_set(struct ip_hdr *h, unsigned len, unsigned id)
{
    h->total_len = len;
    h->id = id;
    h->flags = 2;
    h->frag_off = 0;
}

uint32_t hdr_word0(const struct ip_hdr *h)
{
    return (uint32_t)h->version << 28 | (uint32_t)h->ihl << 24 |
           (uint32_t)h->tos << 16 | h->total_len;
}

int flags_delta(void)
{
    return gflags.delta;
}

void flags_update(int ready, int mode, int delta, unsigned long long big)
{
    gflags.ready = ready != 0;
    gflags.mode = (unsigned)mode;
    gflags.delta = delta;
    gflags.big = big;
}

unsigned long long flags_big(void)
{
    return gflags.big + gflags.mode;
}

static int count_ready(const struct flags *f, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += f[i].ready && !f[i].error;
    return c;
}

int ready_total(const struct flags *f, int n)
{
    return count_ready(f, n) + gflags.ready;
}

struct rgb565 { uint16_t b : 5, g : 6, r : 5; };

uint32_t rgb565_to_888(struct rgb565 c)
{
    return (uint32_t)(c.r << 3) << 16 | (uint32_t)(c.g << 2) << 8 | (uint32_t)(c.b << 3);
}
