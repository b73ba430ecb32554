/* Error paths split by gcc into foo.cold in .text.unlikely. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

int cold_error_count;

__attribute__((cold, noinline)) static void report_error(const char *what, long v)
{
    cold_error_count++;
    fprintf(stderr, "error: %s (%ld)\n", what, v);
}

__attribute__((cold, noreturn)) void fatal(const char *msg)
{
    fprintf(stderr, "fatal: %s\n", msg);
    abort();
}

long checked_sum(const long *v, int n)
{
    long s = 0;
    if (unlikely(v == NULL)) {
        report_error("null vector", n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (unlikely(v[i] < 0)) {
            report_error("negative element", v[i]);
            fatal("cannot continue");
        }
        s += v[i];
    }
    return s;
}

void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (unlikely(!p)) {
        fprintf(stderr, "out of memory allocating %zu bytes\n", n);
        abort();
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

int parse_digit(int c)
{
    if (likely(c >= '0' && c <= '9'))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    fprintf(stderr, "bad digit '%c'\n", c);
    exit(2);
}

unsigned parse_hex(const char *s)
{
    unsigned v = 0;
    while (*s) {
        if (unlikely(v > 0x0fffffffu))
            fatal("hex overflow");
        v = v * 16 + (unsigned)parse_digit(*s++);
    }
    return v;
}
