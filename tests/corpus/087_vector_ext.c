/* GCC vector extensions: vector_size types, element-wise ops, shuffles.
   Wide (32/64-byte) vectors are passed by pointer to keep the psABI stable. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef float v4sf __attribute__((vector_size(16)));
typedef float v8sf __attribute__((vector_size(32)));
typedef double v8df __attribute__((vector_size(64)));
typedef int32_t v8si __attribute__((vector_size(32)));
typedef uint8_t v16qu __attribute__((vector_size(16)));

v4sf vext_global = { 1.0f, 2.0f, 3.0f, 4.0f };
v8sf vext_wide_global;
static const v8si vext_perm = { 7, 6, 5, 4, 3, 2, 1, 0 };

v4sf v4_madd(v4sf a, v4sf b, v4sf c)
{
    return a * b + c;
}

void v8_scale(v8sf *d, const v8sf *a, float k)
{
    *d = *a * k;
}

void v8d_add(v8df *d, const v8df *a, const v8df *b)
{
    *d = *a + *b;
}

void v8_reverse(v8si *d, const v8si *a)
{
    *d = __builtin_shuffle(*a, vext_perm);
}

void v8_select_max(v8si *d, const v8si *a, const v8si *b)
{
    v8si m = *a > *b;
    *d = (*a & m) | (*b & ~m);
}

v16qu v16_xor(v16qu a, v16qu b)
{
    return a ^ b;
}

float v4_hsum(v4sf a)
{
    return a[0] + a[1] + a[2] + a[3];
}

void v8_add_arrays(float *d, const float *a, const float *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8sf x, y;
        memcpy(&x, a + i, sizeof x);
        memcpy(&y, b + i, sizeof y);
        x += y;
        memcpy(d + i, &x, sizeof x);
    }
    for (; i < n; i++)
        d[i] = a[i] + b[i];
}

double v8d_dot(const double *a, const double *b)
{
    v8df x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    v8df p = x * y;
    double s = 0;
    for (int i = 0; i < 8; i++)
        s += p[i];
    return s;
}

v4sf v4_global_scaled(float k)
{
    vext_wide_global = vext_wide_global * k + 1.0f;
    return vext_global * k;
}

static v4sf v4_abs(v4sf a)
{
    typedef int32_t v4si __attribute__((vector_size(16)));
    v4si m = { 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff };
    return (v4sf)((v4si)a & m);
}

float v4_l1(v4sf a)
{
    return v4_hsum(v4_abs(a));
}
