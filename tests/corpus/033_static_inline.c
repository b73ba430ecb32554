/* static inline helpers, always_inline, noinline, flatten. */
#include <stdint.h>
#include <stddef.h>

static inline int min_i(int a, int b) { return a < b ? a : b; }
static inline int max_i(int a, int b) { return a > b ? a : b; }
static inline __attribute__((always_inline)) int clamp_i(int v, int lo, int hi)
{
    return min_i(max_i(v, lo), hi);
}

static __attribute__((noinline)) int heavy(int x)
{
    int r = 0;
    for (int i = 0; i < x; i++)
        r += i * i ^ x;
    return r;
}

static int inline_table[16] = { 5, 3, 9, 1, 0, 7, 2, 8, 4, 6, 11, 10, 13, 15, 12, 14 };

int clamp_sum(const int *v, size_t n, int lo, int hi)
{
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += clamp_i(v[i], lo, hi);
    return s;
}

__attribute__((flatten)) int flattened(int x)
{
    return heavy(x) + clamp_i(x, 0, 10);
}

int use_heavy(int x)
{
    return heavy(x + 1) - heavy(x);
}

static inline uint32_t hash_step(uint32_t h, uint8_t c)
{
    return (h ^ c) * 16777619u;
}

uint32_t fnv1a(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = hash_step(h, p[i]);
    return h;
}

int table_lookup(unsigned i)
{
    return inline_table[i & 15] + inline_table[(i >> 4) & 15];
}

extern inline int extern_inline_fn(int x);
inline int extern_inline_fn(int x) { return x + 3; }
int call_extern_inline(int x) { return extern_inline_fn(x) * 2; }

__attribute__((const)) int pure_square(int x) { return x * x; }
__attribute__((pure)) int table_pure(int i) { return inline_table[i & 15]; }
