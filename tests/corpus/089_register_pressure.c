/* High register pressure: many live values, spills, callee-saved registers. */
#include <stdint.h>
#include <stddef.h>

extern int64_t rp_external(int64_t);
int64_t rp_state[16];

int64_t many_live(const int64_t *v)
{
    int64_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
    int64_t i = v[8], j = v[9], k = v[10], l = v[11], m = v[12], n = v[13], o = v[14], p = v[15];
    for (int r = 0; r < 4; r++) {
        a += b * c; b ^= d + e; c -= f * g; d += h ^ i;
        e = e * 3 + j; f ^= k << 1; g += l - m; h = (h ^ n) + o;
        i += p; j -= a; k ^= b; l += c; m ^= d; n += e; o -= f; p ^= g;
    }
    return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p;
}

int64_t live_across_calls(int64_t x, int64_t y, int64_t z)
{
    int64_t a = rp_external(x);
    int64_t b = rp_external(y + a);
    int64_t c = rp_external(z + b);
    int64_t d = rp_external(a ^ c);
    return a * x + b * y + c * z + d;
}

double fp_pressure(const double *v)
{
    double a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
    double i = v[8], j = v[9], k = v[10], l = v[11], m = v[12], n = v[13], o = v[14], p = v[15];
    double q = v[16], r = v[17];
    for (int s = 0; s < 3; s++) {
        a = a * b + c; b = b * c + d; c = c * d + e; d = d * e + f;
        e = e * f + g; f = f * g + h; g = g * h + i; h = h * i + j;
        i = i * j + k; j = j * k + l; k = k * l + m; l = l * m + n;
        m = m * n + o; n = n * o + p; o = o * p + q; p = p * q + r; q = q * r + a; r = r * a + b;
    }
    return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q + r;
}

static int64_t mix(int64_t a, int64_t b)
{
    return (a << 7 | (int64_t)((uint64_t)a >> 57)) ^ b;
}

void update_state(const int64_t *in, size_t n)
{
    for (size_t t = 0; t < n; t++)
        for (int i = 0; i < 16; i++)
            rp_state[i] = mix(rp_state[i], in[t] + rp_state[(i + 1) & 15]);
}

int64_t eight_args(int64_t a, int64_t b, int64_t c, int64_t d,
                   int64_t e, int64_t f, int64_t g, int64_t h)
{
    return a - b + c - d + e - f + g - h;
}

int64_t call_eight(void)
{
    return eight_args(1, 2, 3, 4, 5, 6, 7, 8) + rp_external(eight_args(8, 7, 6, 5, 4, 3, 2, 1));
}

int64_t clobber_callee_saved(int64_t x, int64_t y)
{
    int64_t a = x * 3, b = y * 5;
    __asm__ volatile("xorl %%ebx, %%ebx\n\t"
                     "xorl %%r12d, %%r12d\n\t"
                     "xorl %%r13d, %%r13d"
                     : : : "rbx", "r12", "r13", "memory");
    return a + b + rp_state[0];
}
