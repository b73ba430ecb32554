/* More hot/cold splitting: assertion-style checks, noreturn abort paths,
   unlikely branches inside loops, and explicitly hot functions. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stddef.h>

unsigned long check_failures;
static const char assert_fmt[] = "%s:%d: check failed: %s\n";

__attribute__((noreturn, cold, noinline))
static void check_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, assert_fmt, file, line, expr);
    fflush(stderr);
    abort();
}

#define CHECK(e) ((__builtin_expect(!(e), 0)) ? check_fail(__FILE__, __LINE__, #e) : (void)0)

__attribute__((hot)) int64_t safe_index_sum(const int32_t *v, const uint32_t *idx,
                                            size_t n, size_t len)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(idx[i] < len);
        s += v[idx[i]];
    }
    return s;
}

int checked_div(int a, int b)
{
    CHECK(b != 0);
    CHECK(!(a == INT32_MIN && b == -1));
    return a / b;
}

void *checked_alloc(size_t n, size_t sz)
{
    size_t total;
    if (__builtin_expect(__builtin_mul_overflow(n, sz, &total), 0)) {
        check_failures++;
        fprintf(stderr, "allocation overflow: %zu * %zu\n", n, sz);
        return NULL;
    }
    void *p = malloc(total);
    if (__builtin_expect(p == NULL, 0)) {
        check_failures++;
        perror("malloc");
        exit(EXIT_FAILURE);
    }
    return p;
}

int parse_port(const char *s)
{
    long v = 0;
    for (; *s; s++) {
        if (__builtin_expect(*s < '0' || *s > '9', 0)) {
            fprintf(stderr, "invalid port character '%c'\n", *s);
            return -1;
        }
        v = v * 10 + (*s - '0');
        if (__builtin_expect(v > 65535, 0)) {
            fprintf(stderr, "port out of range\n");
            return -1;
        }
    }
    return (int)v;
}

__attribute__((cold)) void print_usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-v] [-o FILE] INPUT...\n", prog);
    fprintf(stderr, "  -v       verbose\n  -o FILE  output file\n");
}

int process_flags(int argc, char **argv)
{
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            continue;
        if (argv[i][1] == 'v')
            verbose++;
        else if (__builtin_expect(argv[i][1] == 'h', 0)) {
            print_usage(argv[0]);
            exit(0);
        }
    }
    return verbose;
}
