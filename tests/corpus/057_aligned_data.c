/* Over-aligned data and stack objects: .align/.p2align, andq $-64,%rsp. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

float aligned_buf[256] __attribute__((aligned(64)));
static double aligned_static[32] __attribute__((aligned(64)));
_Alignas(32) int alignas_array[16] = { 1, 2, 3, 4 };
struct __attribute__((aligned(64))) cacheline { uint64_t counter; char pad[56]; };
struct cacheline per_cpu[4];
static const uint8_t aligned_lut[64] __attribute__((aligned(64))) = {
    0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
    1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5,
    1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5,
    2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6,
};

__attribute__((aligned(32))) int aligned_function(int x)
{
    return x * 3;
}

void bump_cpu(int cpu)
{
    per_cpu[cpu & 3].counter++;
}

float aligned_sum(void)
{
    float s = 0;
    for (int i = 0; i < 256; i++)
        s += aligned_buf[i];
    return s;
}

static void use_aligned_stack(double *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        aligned_static[i & 31] += p[i];
}

double stack_aligned(int seed)
{
    double local[16] __attribute__((aligned(64)));
    for (int i = 0; i < 16; i++)
        local[i] = seed * i * 0.5;
    use_aligned_stack(local, 16);
    return aligned_static[seed & 31];
}

int lut_bits(uint8_t x)
{
    return aligned_lut[x & 63] + (x >> 6 == 3 ? 2 : x >> 6 ? 1 : 0);
}

void *aligned_pointer(size_t i)
{
    return &per_cpu[i & 3];
}

uint64_t total_counters(void)
{
    uint64_t s = 0;
    for (int i = 0; i < 4; i++)
        s += per_cpu[i].counter;
    return s + (uint64_t)alignas_array[0];
}

void clear_aligned(void)
{
    memset(aligned_buf, 0, sizeof aligned_buf);
}
