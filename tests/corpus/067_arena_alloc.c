/* Bump/arena allocator with alignment math and chained blocks. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct arena_block { struct arena_block *prev; size_t size, used; _Alignas(16) unsigned char data[]; };
struct arena { struct arena_block *cur; size_t total; };

struct arena global_arena;
static size_t arena_default_block = 64 * 1024;

static inline size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static struct arena_block *arena_new_block(size_t min)
{
    size_t sz = min > arena_default_block ? min : arena_default_block;
    struct arena_block *b = malloc(sizeof *b + sz);
    if (!b)
        return NULL;
    b->prev = NULL;
    b->size = sz;
    b->used = 0;
    return b;
}

void *arena_alloc(struct arena *a, size_t n, size_t align)
{
    if (align == 0 || (align & (align - 1)))
        align = 16;
    struct arena_block *b = a->cur;
    if (b) {
        size_t off = align_up(b->used, align);
        if (off + n <= b->size) {
            b->used = off + n;
            a->total += n;
            return b->data + off;
        }
    }
    struct arena_block *nb = arena_new_block(n + align);
    if (!nb)
        return NULL;
    nb->prev = b;
    a->cur = nb;
    size_t off = align_up(0, align);
    nb->used = off + n;
    a->total += n;
    return nb->data + off;
}

char *arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n, 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return NULL;
    void *p = arena_alloc(a, n, 16);
    if (p)
        memset(p, 0, n);
    return p;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->cur;
    while (b) {
        struct arena_block *p = b->prev;
        free(b);
        b = p;
    }
    a->cur = NULL;
    a->total = 0;
}

size_t arena_total(const struct arena *a) { return a->total; }
void arena_set_block_size(size_t n) { arena_default_block = n < 4096 ? 4096 : n; }
