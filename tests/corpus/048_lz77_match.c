/* zstd/lz4-like hash-chain LZ77 match finder and literal copy. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define HASH_LOG 12
#define HASH_SIZE (1u << HASH_LOG)
#define MIN_MATCH 4
#define MAX_CHAIN 16

struct lz_ctx {
    uint32_t head[HASH_SIZE];
    uint32_t chain[1 << 16];
    const uint8_t *base;
};

struct lz_match { uint32_t offset, length; };
struct lz_ctx lz_global_ctx;
static const uint32_t lz_prime = 2654435761u;

static inline uint32_t read32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint32_t lz_hash(uint32_t v)
{
    return (v * lz_prime) >> (32 - HASH_LOG);
}

static size_t count_common(const uint8_t *a, const uint8_t *b, const uint8_t *end)
{
    const uint8_t *start = a;
    while (a + 8 <= end) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        uint64_t diff = x ^ y;
        if (diff)
            return (size_t)(a - start) + ((unsigned)__builtin_ctzll(diff) >> 3);
        a += 8;
        b += 8;
    }
    while (a < end && *a == *b) {
        a++;
        b++;
    }
    return (size_t)(a - start);
}

void lz_reset(struct lz_ctx *c, const uint8_t *base)
{
    memset(c->head, 0xff, sizeof c->head);
    c->base = base;
}

void lz_insert(struct lz_ctx *c, uint32_t pos)
{
    uint32_t h = lz_hash(read32(c->base + pos));
    c->chain[pos & 0xffff] = c->head[h];
    c->head[h] = pos;
}

struct lz_match lz_find(struct lz_ctx *c, uint32_t pos, const uint8_t *end)
{
    struct lz_match best = { 0, 0 };
    const uint8_t *ip = c->base + pos;
    uint32_t cand = c->head[lz_hash(read32(ip))];
    for (int n = 0; n < MAX_CHAIN && cand != 0xffffffffu && cand < pos; n++) {
        if (pos - cand > 0xffff)
            break;
        const uint8_t *mp = c->base + cand;
        if (read32(mp) == read32(ip)) {
            size_t len = count_common(ip, mp, end);
            if (len > best.length) {
                best.length = (uint32_t)len;
                best.offset = pos - cand;
            }
        }
        cand = c->chain[cand & 0xffff];
    }
    if (best.length < MIN_MATCH)
        best.length = 0;
    return best;
}

void lz_wildcopy(uint8_t *d, const uint8_t *s, size_t n)
{
    uint8_t *e = d + n;
    do {
        memcpy(d, s, 8);
        d += 8;
        s += 8;
    } while (d < e);
}

size_t lz_count_matches(const uint8_t *src, size_t n)
{
    size_t found = 0;
    if (n < 8)
        return 0;
    lz_reset(&lz_global_ctx, src);
    for (uint32_t i = 0; i + 8 <= n; i++) {
        struct lz_match m = lz_find(&lz_global_ctx, i, src + n);
        lz_insert(&lz_global_ctx, i);
        found += m.length != 0;
    }
    return found;
}
