/* Growable deque (circular array) and a fixed-size stack with bounds. */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

struct deque { long *buf; size_t head, len, cap; };

static long fixed_stack[128];
static int fixed_sp;
size_t deque_grow_events;

static int deque_grow(struct deque *d)
{
    size_t nc = d->cap ? d->cap * 2 : 8;
    long *nb = malloc(nc * sizeof *nb);
    if (!nb)
        return -1;
    for (size_t i = 0; i < d->len; i++)
        nb[i] = d->buf[(d->head + i) % d->cap];
    free(d->buf);
    d->buf = nb;
    d->head = 0;
    d->cap = nc;
    deque_grow_events++;
    return 0;
}

int deque_push_back(struct deque *d, long v)
{
    if (d->len == d->cap && deque_grow(d))
        return -1;
    d->buf[(d->head + d->len++) % d->cap] = v;
    return 0;
}

int deque_push_front(struct deque *d, long v)
{
    if (d->len == d->cap && deque_grow(d))
        return -1;
    d->head = (d->head + d->cap - 1) % d->cap;
    d->buf[d->head] = v;
    d->len++;
    return 0;
}

int deque_pop_front(struct deque *d, long *out)
{
    if (!d->len)
        return 0;
    *out = d->buf[d->head];
    d->head = (d->head + 1) % d->cap;
    d->len--;
    return 1;
}

int deque_pop_back(struct deque *d, long *out)
{
    if (!d->len)
        return 0;
    *out = d->buf[(d->head + --d->len) % d->cap];
    return 1;
}

void deque_free(struct deque *d)
{
    free(d->buf);
    memset(d, 0, sizeof *d);
}

int stack_push(long v)
{
    if (fixed_sp >= 128)
        return -1;
    fixed_stack[fixed_sp++] = v;
    return 0;
}

long stack_pop(void)
{
    return fixed_sp > 0 ? fixed_stack[--fixed_sp] : 0;
}

long stack_sum(void)
{
    long s = 0;
    for (int i = 0; i < fixed_sp; i++)
        s += fixed_stack[i];
    return s;
}
