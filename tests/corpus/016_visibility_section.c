/* Visibility attributes and custom sections. */
#include <stdint.h>
#include <stddef.h>

__attribute__((visibility("hidden"))) int hidden_counter;
__attribute__((visibility("protected"))) int protected_value = 12;
__attribute__((visibility("default"))) int default_value = 13;

__attribute__((section(".mydata"))) int section_data[4] = { 1, 2, 3, 4 };
__attribute__((section(".myrodata"))) const char section_str[] = "in custom section";
__attribute__((section(".text.hot_path"))) int hot_path_fn(int x)
{
    return x * x + hidden_counter;
}

struct reg_entry {
    const char *name;
    int (*fn)(int);
};

__attribute__((visibility("hidden"))) int hidden_fn(int x)
{
    return x + 100;
}

static int local_fn(int x)
{
    return x - 100;
}

__attribute__((used, section(".registry")))
static const struct reg_entry reg_hidden = { "hidden", hidden_fn };
__attribute__((used, section(".registry")))
static const struct reg_entry reg_local = { "local", local_fn };

int call_hidden(int x)
{
    hidden_counter++;
    return hidden_fn(x) + protected_value + default_value;
}

__attribute__((noinline, section(".text.slow"))) int slow_path(int x)
{
    return section_data[x & 3] + (int)sizeof section_str;
}

int dispatch_vis(int which, int x)
{
    return which ? hot_path_fn(x) : slow_path(x);
}

__attribute__((section(".bss.custom"))) char custom_bss[128];

void *custom_bss_addr(void)
{
    return custom_bss;
}
