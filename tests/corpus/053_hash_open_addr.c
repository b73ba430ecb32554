/* Open-addressing hash table (linear probing, tombstones, resize). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

struct ht_slot { uint64_t key; int64_t value; uint8_t state; };
struct htable { struct ht_slot *slots; size_t cap, used, tomb; };

enum { EMPTY = 0, FULL = 1, TOMB = 2 };
struct htable ht_default;
static const double ht_max_load = 0.7;

static inline uint64_t ht_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ (k >> 33);
}

static int ht_resize(struct htable *t, size_t ncap)
{
    struct ht_slot *old = t->slots;
    size_t ocap = t->cap;
    t->slots = calloc(ncap, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return -1;
    }
    t->cap = ncap;
    t->used = t->tomb = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].state != FULL)
            continue;
        size_t j = ht_hash(old[i].key) & (ncap - 1);
        while (t->slots[j].state == FULL)
            j = (j + 1) & (ncap - 1);
        t->slots[j] = old[i];
        t->used++;
    }
    free(old);
    return 0;
}

int ht_put(struct htable *t, uint64_t key, int64_t value)
{
    if (t->cap == 0 || (double)(t->used + t->tomb + 1) > ht_max_load * (double)t->cap)
        if (ht_resize(t, t->cap ? t->cap * 2 : 16))
            return -1;
    size_t mask = t->cap - 1, i = ht_hash(key) & mask;
    struct ht_slot *tomb = NULL;
    for (;;) {
        struct ht_slot *s = &t->slots[i];
        if (s->state == EMPTY) {
            if (tomb) { s = tomb; t->tomb--; }
            s->key = key; s->value = value; s->state = FULL;
            t->used++;
            return 1;
        }
        if (s->state == TOMB) {
            if (!tomb) tomb = s;
        } else if (s->key == key) {
            s->value = value;
            return 0;
        }
        i = (i + 1) & mask;
    }
}

int64_t *ht_get(struct htable *t, uint64_t key)
{
    if (!t->cap)
        return NULL;
    size_t mask = t->cap - 1, i = ht_hash(key) & mask;
    while (t->slots[i].state != EMPTY) {
        if (t->slots[i].state == FULL && t->slots[i].key == key)
            return &t->slots[i].value;
        i = (i + 1) & mask;
    }
    return NULL;
}

int ht_del(struct htable *t, uint64_t key)
{
    int64_t *v = ht_get(t, key);
    if (!v)
        return 0;
    struct ht_slot *s = (struct ht_slot *)((char *)v - offsetof(struct ht_slot, value));
    s->state = TOMB;
    t->used--;
    t->tomb++;
    return 1;
}

void ht_free(struct htable *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
