/* Variadic functions with stdarg: va_list spills, %al for SSE count. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>

int varargs_calls;

int sum_ints(int count, ...)
{
    va_list ap;
    int s = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        s += va_arg(ap, int);
    va_end(ap);
    varargs_calls++;
    return s;
}

double sum_doubles(int count, ...)
{
    va_list ap;
    double s = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        s += va_arg(ap, double);
    va_end(ap);
    return s;
}

static int vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    return vsnprintf(buf, n, fmt, ap);
}

int format_msg(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vformat(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

size_t concat_strings(char *dst, size_t cap, ...)
{
    va_list ap;
    size_t len = 0;
    const char *s;
    va_start(ap, cap);
    while ((s = va_arg(ap, const char *)) != NULL) {
        size_t k = strlen(s);
        if (len + k + 1 > cap)
            break;
        memcpy(dst + len, s, k);
        len += k;
    }
    va_end(ap);
    if (cap)
        dst[len] = 0;
    return len;
}

long mixed_args(const char *types, ...)
{
    va_list ap, copy;
    long total = 0;
    va_start(ap, types);
    va_copy(copy, ap);
    for (const char *t = types; *t; t++) {
        switch (*t) {
        case 'i': total += va_arg(ap, int); break;
        case 'l': total += va_arg(ap, long); break;
        case 'd': total += (long)va_arg(ap, double); break;
        case 'p': total += va_arg(ap, void *) != NULL; break;
        default: break;
        }
    }
    if (*types == 'i')
        total += va_arg(copy, int);
    va_end(copy);
    va_end(ap);
    return total;
}

int log_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fprintf(f, "[log] ");
    r += vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

int call_varargs(void)
{
    return sum_ints(5, 1, 2, 3, 4, 5) + (int)sum_doubles(3, 1.5, 2.5, 3.0);
}
