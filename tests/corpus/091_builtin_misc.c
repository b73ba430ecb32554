/* Miscellaneous builtins: prefetch, assume_aligned, constant_p, trap,
   frame/return address, expect_with_probability, object_size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *last_return_address;
static unsigned long trap_guard;

void prefetch_sum(const int *a, size_t n, long *out)
{
    long s = 0;
    for (size_t i = 0; i < n; i++) {
        __builtin_prefetch(&a[i + 16], 0, 3);
        s += a[i];
    }
    *out = s;
}

float aligned_sum32(const float *p)
{
    const float *q = __builtin_assume_aligned(p, 32);
    float s = 0;
    for (int i = 0; i < 64; i++)
        s += q[i];
    return s;
}

#define CONST_OR_CALL(x) (__builtin_constant_p(x) ? (x) * 2 : runtime_double(x))
static __attribute__((noinline)) int runtime_double(int x)
{
    return x + x;
}

int const_folded(int y)
{
    return CONST_OR_CALL(21) + CONST_OR_CALL(y);
}

int must_be_positive(int x)
{
    if (x < 0) {
        trap_guard++;
        __builtin_trap();
    }
    return x * 2;
}

__attribute__((noinline)) void *who_called(void)
{
    last_return_address = __builtin_return_address(0);
    return __builtin_frame_address(0);
}

int probable(int x)
{
    if (__builtin_expect_with_probability(x > 100, 1, 0.9))
        return x - 100;
    return x + 100;
}

size_t object_size_test(void)
{
    char buf[37];
    memset(buf, 0, sizeof buf);
    return __builtin_object_size(buf, 0) + (size_t)buf[3];
}

int classify_type(double d)
{
    return __builtin_isnan(d) ? 0 : __builtin_isinf(d) ? 1 : __builtin_signbit(d) ? 2 : 3;
}

uint64_t speculation_safe(const uint64_t *a, size_t i, size_t n)
{
    if (i < n)
        return a[__builtin_speculation_safe_value(i)];
    return 0;
}

unsigned long trap_count(void) { return trap_guard; }
