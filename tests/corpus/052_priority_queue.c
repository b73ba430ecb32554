/* Binary-heap priority queue with dynamic growth. */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

struct pq_item { double prio; void *data; };
struct pqueue { struct pq_item *items; size_t len, cap; };

struct pqueue global_pq;
static size_t pq_grow_count;

static int pq_grow(struct pqueue *q)
{
    size_t nc = q->cap ? q->cap * 2 : 16;
    struct pq_item *ni = realloc(q->items, nc * sizeof *ni);
    if (!ni)
        return -1;
    q->items = ni;
    q->cap = nc;
    pq_grow_count++;
    return 0;
}

static void pq_swap(struct pq_item *a, struct pq_item *b)
{
    struct pq_item t = *a;
    *a = *b;
    *b = t;
}

int pq_push(struct pqueue *q, double prio, void *data)
{
    if (q->len == q->cap && pq_grow(q))
        return -1;
    size_t i = q->len++;
    q->items[i].prio = prio;
    q->items[i].data = data;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (q->items[p].prio <= q->items[i].prio)
            break;
        pq_swap(&q->items[p], &q->items[i]);
        i = p;
    }
    return 0;
}

void *pq_pop(struct pqueue *q, double *prio)
{
    if (q->len == 0)
        return NULL;
    struct pq_item top = q->items[0];
    q->items[0] = q->items[--q->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && q->items[l].prio < q->items[m].prio) m = l;
        if (r < q->len && q->items[r].prio < q->items[m].prio) m = r;
        if (m == i)
            break;
        pq_swap(&q->items[i], &q->items[m]);
        i = m;
    }
    if (prio)
        *prio = top.prio;
    return top.data;
}

const struct pq_item *pq_peek(const struct pqueue *q)
{
    return q->len ? &q->items[0] : NULL;
}

void pq_clear(struct pqueue *q)
{
    free(q->items);
    memset(q, 0, sizeof *q);
}

size_t pq_size(const struct pqueue *q) { return q->len; }
size_t pq_grows(void) { return pq_grow_count; }
