/* Growable string builder with formatted append and escaping. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct strbuf { char *ptr; size_t len, cap; };

static char sb_empty[1];
size_t sb_reallocs;

static int sb_reserve(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return 0;
    size_t nc = sb->cap ? sb->cap : 32;
    while (nc < need)
        nc *= 2;
    char *p = realloc(sb->cap ? sb->ptr : NULL, nc);
    if (!p)
        return -1;
    sb->ptr = p;
    sb->cap = nc;
    sb_reallocs++;
    return 0;
}

void sb_init(struct strbuf *sb)
{
    sb->ptr = sb_empty;
    sb->len = sb->cap = 0;
}

int sb_append(struct strbuf *sb, const char *s, size_t n)
{
    if (sb_reserve(sb, n))
        return -1;
    memcpy(sb->ptr + sb->len, s, n);
    sb->len += n;
    sb->ptr[sb->len] = 0;
    return 0;
}

int sb_puts(struct strbuf *sb, const char *s)
{
    return sb_append(sb, s, strlen(s));
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(sb, (size_t)n))
        return -1;
    va_start(ap, fmt);
    vsnprintf(sb->ptr + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return n;
}

int sb_append_json_string(struct strbuf *sb, const char *s)
{
    int r = sb_append(sb, "\"", 1);
    for (; *s && r == 0; s++) {
        switch (*s) {
        case '"': r = sb_append(sb, "\\\"", 2); break;
        case '\\': r = sb_append(sb, "\\\\", 2); break;
        case '\n': r = sb_append(sb, "\\n", 2); break;
        case '\t': r = sb_append(sb, "\\t", 2); break;
        case '\r': r = sb_append(sb, "\\r", 2); break;
        default:
            if ((unsigned char)*s < 0x20)
                r = sb_printf(sb, "\\u%04x", (unsigned char)*s) < 0;
            else
                r = sb_append(sb, s, 1);
        }
    }
    return r ? r : sb_append(sb, "\"", 1);
}

void sb_free(struct strbuf *sb)
{
    if (sb->cap)
        free(sb->ptr);
    sb_init(sb);
}
