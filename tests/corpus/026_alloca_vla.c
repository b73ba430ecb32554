/* alloca and variable-length arrays: dynamic stack adjustments. */
#include <string.h>
#include <stddef.h>
#include <stdio.h>

int vla_max_seen;

int vla_sum(int n)
{
    int tmp[n];
    for (int i = 0; i < n; i++)
        tmp[i] = i * i;
    int s = 0;
    for (int i = n - 1; i >= 0; i--)
        s += tmp[i];
    return s;
}

size_t alloca_reverse(char *out, const char *in)
{
    size_t n = strlen(in);
    char *buf = __builtin_alloca(n + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = in[n - 1 - i];
    buf[n] = 0;
    memcpy(out, buf, n + 1);
    return n;
}

double vla_matrix_trace(int n, double m[n][n])
{
    double t = 0;
    for (int i = 0; i < n; i++)
        t += m[i][i];
    return t;
}

static void fill2d(int r, int c, int a[r][c])
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++)
            a[i][j] = i * c + j;
}

long vla_2d(int r, int c)
{
    int a[r][c];
    fill2d(r, c, a);
    long s = 0;
    for (int i = 0; i < r; i++)
        s += a[i][c - 1];
    if (r * c > vla_max_seen)
        vla_max_seen = r * c;
    return s;
}

int alloca_format(int v, char *out, size_t cap)
{
    char *tmp = __builtin_alloca(64);
    int n = snprintf(tmp, 64, "value=%d", v);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    memcpy(out, tmp, (size_t)n + 1);
    return n;
}

int vla_in_loop(int n)
{
    int total = 0;
    for (int k = 1; k <= n; k++) {
        char buf[k];
        memset(buf, 1, (size_t)k);
        for (int i = 0; i < k; i++)
            total += buf[i];
    }
    return total;
}
