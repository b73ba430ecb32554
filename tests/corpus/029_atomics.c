/* Atomics: __atomic builtins, _Atomic, fences, cmpxchg loops. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>

_Atomic int atomic_counter;
_Atomic(uint64_t) atomic_bytes;
static _Atomic(void *) atomic_head;
static int plain_flag;
atomic_flag spin = ATOMIC_FLAG_INIT;

int atomic_inc(void)
{
    return atomic_fetch_add(&atomic_counter, 1) + 1;
}

void atomic_add_bytes(uint64_t n)
{
    atomic_fetch_add_explicit(&atomic_bytes, n, memory_order_relaxed);
}

int builtin_cas(int *p, int expected, int desired)
{
    return __atomic_compare_exchange_n(p, &expected, desired, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int load_acquire(const int *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void store_release(int *p, int v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int exchange_flag(int v)
{
    return __atomic_exchange_n(&plain_flag, v, __ATOMIC_SEQ_CST);
}

struct node { struct node *next; int v; };

void push_node(struct node *n)
{
    void *old = atomic_load_explicit(&atomic_head, memory_order_relaxed);
    do {
        n->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&atomic_head, &old, n,
                                                    memory_order_release,
                                                    memory_order_relaxed));
}

void spin_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&spin, memory_order_acquire))
        __builtin_ia32_pause();
}

void spin_unlock(void)
{
    atomic_flag_clear_explicit(&spin, memory_order_release);
}

void full_fence(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

uint64_t atomic_or_bits(uint64_t *p, uint64_t bits)
{
    return __atomic_or_fetch(p, bits, __ATOMIC_RELAXED);
}

static int atomic_max_update(_Atomic int *p, int v)
{
    int cur = atomic_load(p);
    while (cur < v && !atomic_compare_exchange_weak(p, &cur, v))
        ;
    return cur;
}

int counter_max(int v)
{
    return atomic_max_update(&atomic_counter, v);
}

__int128 atomic_load128(__int128 *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

int asm_xadd(int *p, int v)
{
    __asm__ volatile("lock; xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory", "cc");
    return v;
}
