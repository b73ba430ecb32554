/* Weak symbols, aliases, weak references. */
#include <stddef.h>

int real_impl(int x)
{
    return x * 2 + 1;
}

int alias_impl(int x) __attribute__((alias("real_impl")));
int weak_alias_impl(int x) __attribute__((weak, alias("real_impl")));

__attribute__((weak)) int weak_default(int x)
{
    return x - 1;
}

__attribute__((weak)) int weak_data = 5;
int strong_data = 6;
extern int alias_data __attribute__((alias("strong_data")));

extern void optional_hook(int) __attribute__((weak));

static int internal_impl(const char *s)
{
    int n = 0;
    while (s[n])
        n++;
    return n;
}

int public_strlen(const char *s) __attribute__((alias("internal_impl")));

void maybe_call_hook(int v)
{
    if (optional_hook)
        optional_hook(v);
}

int use_all(int v)
{
    return alias_impl(v) + weak_alias_impl(v) + weak_default(v) + weak_data + alias_data;
}

__attribute__((weak)) void weak_empty(void)
{
}
