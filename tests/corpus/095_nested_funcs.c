/* GNU C nested functions (no trampolines: address never escapes),
   statement expressions, typeof and __auto_type. */
#include <stddef.h>
#include <stdint.h>

int nested_calls;

#define MAX(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define SWAP(x, y) do { __auto_type _t = (x); (x) = (y); (y) = _t; } while (0)

int sum_with_nested(const int *v, int n, int bias)
{
    int add(int x) { nested_calls++; return x + bias; }
    int s = 0;
    for (int i = 0; i < n; i++)
        s += add(v[i]);
    return s;
}

long max_of(const long *v, size_t n)
{
    long m = v[0];
    for (size_t i = 1; i < n; i++)
        m = MAX(m, v[i]);
    return m;
}

void reverse_pairs(double *v, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        SWAP(v[i], v[i + 1]);
}

int stmt_expr(int x)
{
    int y = ({
        int t = x * 3;
        if (t > 100)
            t = 100;
        t - 1;
    });
    return y + ({ int z = x & 7; z * z; });
}

uint32_t typeof_demo(uint32_t a)
{
    __typeof__(a) b = a ^ 0xa5a5a5a5u;
    __auto_type c = (uint64_t)b << 3;
    return (uint32_t)(c >> 2);
}

double nested_accumulate(const double *v, size_t n, double scale)
{
    double acc = 0;
    void step(double x) { acc += x * scale; }
    for (size_t i = 0; i < n; i++)
        step(v[i]);
    return acc;
}

static int clamp_int(int v, int lo, int hi)
{
    return MAX(lo, v < hi ? v : hi);
}

int clamp_sum_stmt(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += clamp_int(v[i], -10, 10);
    return s;
}
