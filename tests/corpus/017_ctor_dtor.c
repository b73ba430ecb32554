/* Constructors/destructors (.init_array/.fini_array) with priorities. */
#include <stdio.h>
#include <stdlib.h>

static int init_order[8];
static int init_pos;
int ctor_ran;
static char *ctor_buffer;

__attribute__((constructor)) static void ctor_default(void)
{
    init_order[init_pos++ & 7] = 1;
    ctor_ran = 1;
}

__attribute__((constructor(101))) static void ctor_early(void)
{
    init_order[init_pos++ & 7] = 2;
    ctor_buffer = malloc(64);
}

__attribute__((constructor(200))) void ctor_public(void)
{
    init_order[init_pos++ & 7] = 3;
}

__attribute__((destructor)) static void dtor_default(void)
{
    free(ctor_buffer);
    ctor_buffer = NULL;
}

__attribute__((destructor(150))) void dtor_public(void)
{
    fflush(stdout);
}

int ctor_order(int i)
{
    return init_order[i & 7];
}

int ctor_count(void)
{
    return init_pos;
}

char *ctor_buf(void)
{
    return ctor_buffer;
}

static void at_exit_handler(void)
{
    init_pos = 0;
}

int register_exit(void)
{
    return atexit(at_exit_handler);
}
