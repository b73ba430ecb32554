/* vec.c - elementwise 32-bit integer arithmetic. */
#include "toolkit.h"

void tk_vec_mul_u32(uint32_t *a, const uint32_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] *= b[i];
}

void tk_vec_madd_u32(uint32_t *acc, const uint32_t *a, const uint32_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += a[i] * b[i];
}
