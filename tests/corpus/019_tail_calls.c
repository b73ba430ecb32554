/* Tail calls (jmp to other functions), sibling calls. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

extern int external_consumer(int);
int tail_calls_made;

__attribute__((noinline)) int tc_leaf_a(int x) { return x * 7; }
__attribute__((noinline)) int tc_leaf_b(int x) { return x ^ 0x5a5a; }

int tc_select(int which, int x)
{
    tail_calls_made++;
    if (which)
        return tc_leaf_a(x);
    return tc_leaf_b(x);
}

int tc_external(int x)
{
    return external_consumer(x + 1);
}

size_t tc_strlen_wrapper(const char *s)
{
    return strlen(s);
}

void *tc_memcpy_wrapper(void *d, const void *s, size_t n)
{
    return memcpy(d, s, n);
}

int tc_puts(const char *s)
{
    return puts(s);
}

static int tc_loop_helper(int n, int acc)
{
    if (n == 0)
        return acc;
    return tc_loop_helper(n - 1, acc + n);
}

int tc_sum_to(int n)
{
    return tc_loop_helper(n, 0);
}

void tc_free(void *p)
{
    if (p)
        free(p);
}

typedef int (*tc_fn)(int);

int tc_indirect(tc_fn f, int x)
{
    return f(x + 2);
}
