/* __attribute__((cleanup)) scoped resources and nested blocks with
   early returns (cleanup code duplicated on several exits). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int cleanup_calls;

static void free_ptr(void *pp)
{
    void **p = pp;
    free(*p);
    cleanup_calls++;
}

static void close_file(FILE **f)
{
    if (*f)
        fclose(*f);
    cleanup_calls++;
}

#define AUTOFREE __attribute__((cleanup(free_ptr)))
#define AUTOCLOSE __attribute__((cleanup(close_file)))

int count_lines(const char *path)
{
    AUTOCLOSE FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    AUTOFREE char *buf = malloc(1024);
    if (!buf)
        return -2;
    int lines = 0;
    while (fgets(buf, 1024, f))
        lines++;
    return lines;
}

size_t join_words(char *out, size_t cap, const char **words, int n)
{
    AUTOFREE char *tmp = malloc(cap);
    if (!tmp)
        return 0;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(words[i]);
        if (len + k + 2 > cap)
            return 0;
        memcpy(tmp + len, words[i], k);
        len += k;
        tmp[len++] = i + 1 < n ? ' ' : 0;
    }
    if (!n)
        tmp[len++] = 0;
    memcpy(out, tmp, len);
    return len - 1;
}

int nested_scopes(int n)
{
    int total = 0;
    for (int i = 0; i < n; i++) {
        AUTOFREE int *a = malloc(sizeof(int) * 4);
        if (!a)
            break;
        a[0] = i;
        {
            AUTOFREE int *b = malloc(sizeof(int));
            if (!b)
                return total;
            *b = a[0] * 2;
            total += *b;
        }
    }
    return total;
}

int cleanup_count(void) { return cleanup_calls; }
