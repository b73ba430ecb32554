/* Unions, type punning, packed structs and unaligned member access. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

union value {
    int64_t i;
    double d;
    void *p;
    char s[8];
    struct { uint32_t lo, hi; } w;
};

struct __attribute__((packed)) wire_header {
    uint8_t version;
    uint32_t length;
    uint16_t flags;
    uint64_t stamp;
};

struct tagged { enum { V_INT, V_DBL, V_STR } tag; union value v; };

struct wire_header last_header;
static union value value_pool[16];

uint32_t float_bits(float f)
{
    union { float f; uint32_t u; } u = { .f = f };
    return u.u;
}

double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

uint32_t header_length(const struct wire_header *h)
{
    return h->length + h->flags;
}

void header_fill(struct wire_header *h, uint32_t len, uint64_t stamp)
{
    h->version = 3;
    h->length = len;
    h->flags = 0x8001;
    h->stamp = stamp;
    last_header = *h;
}

double tagged_as_double(const struct tagged *t)
{
    switch (t->tag) {
    case V_INT: return (double)t->v.i;
    case V_DBL: return t->v.d;
    case V_STR: return (double)t->v.s[0];
    }
    return 0;
}

uint32_t value_hi(int i)
{
    return value_pool[i & 15].w.hi;
}

void value_set(int i, double d)
{
    value_pool[i & 15].d = d;
}

size_t header_size(void)
{
    return sizeof(struct wire_header);
}

uint16_t read_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint64_t read_le64_bytes(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t double_to_bits(double d)
{
    union value v;
    v.d = d;
    return (uint64_t)v.i;
}

int same_bits(double a, double b)
{
    return double_to_bits(a) == double_to_bits(b);
}
