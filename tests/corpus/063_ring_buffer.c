/* Lock-free single-producer/single-consumer ring buffer. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define RING_SIZE 1024u

struct ring {
    _Alignas(64) uint32_t head;
    _Alignas(64) uint32_t tail;
    _Alignas(64) uint8_t data[RING_SIZE];
};

struct ring default_ring;
static uint64_t ring_drops;

size_t ring_used(const struct ring *r)
{
    uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return h - t;
}

size_t ring_write(struct ring *r, const void *src, size_t n)
{
    uint32_t h = r->head;
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    size_t space = RING_SIZE - (h - t);
    if (n > space) {
        ring_drops += n - space;
        n = space;
    }
    size_t off = h & (RING_SIZE - 1);
    size_t first = n < RING_SIZE - off ? n : RING_SIZE - off;
    memcpy(r->data + off, src, first);
    memcpy(r->data, (const uint8_t *)src + first, n - first);
    __atomic_store_n(&r->head, h + (uint32_t)n, __ATOMIC_RELEASE);
    return n;
}

size_t ring_read(struct ring *r, void *dst, size_t n)
{
    uint32_t t = r->tail;
    uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    size_t avail = h - t;
    if (n > avail)
        n = avail;
    size_t off = t & (RING_SIZE - 1);
    size_t first = n < RING_SIZE - off ? n : RING_SIZE - off;
    memcpy(dst, r->data + off, first);
    memcpy((uint8_t *)dst + first, r->data, n - first);
    __atomic_store_n(&r->tail, t + (uint32_t)n, __ATOMIC_RELEASE);
    return n;
}

int ring_peek(const struct ring *r)
{
    if (ring_used(r) == 0)
        return -1;
    return r->data[r->tail & (RING_SIZE - 1)];
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

void ring_wait_data(const struct ring *r)
{
    while (ring_used(r) == 0)
        cpu_relax();
}

void ring_reset(struct ring *r)
{
    r->head = r->tail = 0;
    __asm__ volatile("mfence" ::: "memory");
}

uint64_t ring_drop_count(void) { return ring_drops; }
