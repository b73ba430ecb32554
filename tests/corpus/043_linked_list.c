/* Singly and doubly linked lists: insert, reverse, merge, free. */
#include <stdlib.h>
#include <stddef.h>

struct slist { struct slist *next; int value; };
struct dnode { struct dnode *prev, *next; long key; };

struct dnode dlist_head = { &dlist_head, &dlist_head, 0 };
static size_t list_allocs;

struct slist *slist_push(struct slist *head, int v)
{
    struct slist *n = malloc(sizeof *n);
    if (!n)
        return head;
    list_allocs++;
    n->value = v;
    n->next = head;
    return n;
}

struct slist *slist_reverse(struct slist *h)
{
    struct slist *prev = NULL;
    while (h) {
        struct slist *nx = h->next;
        h->next = prev;
        prev = h;
        h = nx;
    }
    return prev;
}

size_t slist_length(const struct slist *h)
{
    size_t n = 0;
    for (; h; h = h->next)
        n++;
    return n;
}

struct slist *slist_merge(struct slist *a, struct slist *b)
{
    struct slist dummy, *t = &dummy;
    while (a && b) {
        if (a->value <= b->value) { t->next = a; a = a->next; }
        else { t->next = b; b = b->next; }
        t = t->next;
    }
    t->next = a ? a : b;
    return dummy.next;
}

void slist_free(struct slist *h)
{
    while (h) {
        struct slist *n = h->next;
        free(h);
        list_allocs--;
        h = n;
    }
}

static void dlist_link(struct dnode *n, struct dnode *prev, struct dnode *next)
{
    next->prev = n;
    n->next = next;
    n->prev = prev;
    prev->next = n;
}

void dlist_push_back(struct dnode *n)
{
    dlist_link(n, dlist_head.prev, &dlist_head);
}

void dlist_remove(struct dnode *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}

long dlist_sum(void)
{
    long s = 0;
    for (struct dnode *n = dlist_head.next; n != &dlist_head; n = n->next)
        s += n->key;
    return s;
}

struct slist *slist_find(struct slist *h, int v)
{
    while (h && h->value != v)
        h = h->next;
    return h;
}

size_t live_allocations(void) { return list_allocs; }
