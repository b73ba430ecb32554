/* Trivial functions: empty bodies, return 0, return constant, identity. */
#include <stddef.h>

int trivial_global;

void empty_function(void)
{
}

int return_zero(void)
{
    return 0;
}

int return_one(void) { return 1; }
long return_minus_one(void) { return -1; }
double return_pi(void) { return 3.141592653589793; }
float return_zero_f(void) { return 0.0f; }
void *return_null(void) { return NULL; }
int identity(int x) { return x; }
void ignore_args(int a, double b, const char *c) { (void)a; (void)b; (void)c; }
int *global_addr(void) { return &trivial_global; }
unsigned long long big_constant(void) { return 0xdeadbeefcafebabeULL; }
_Bool return_true(void) { return 1; }

static void static_empty(void)
{
}

void calls_empty(void)
{
    static_empty();
    empty_function();
}

int main_like(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

__attribute__((noinline)) void noinline_empty(void) { __asm__ volatile("nop"); }

void call_noinline_empty(void)
{
    noinline_empty();
    noinline_empty();
}

__attribute__((noreturn)) void spin_forever(void)
{
    for (;;)
        ;
}

void unreachable_after(int x)
{
    if (x)
        __builtin_unreachable();
}
