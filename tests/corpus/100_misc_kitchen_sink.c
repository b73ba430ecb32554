/* Kitchen sink: a bit of everything in one translation unit so that
   cross-feature interactions (TLS + cold + jump tables + constants +
   strings + aliases + ctors) appear in the same assembly file. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static __thread unsigned ks_tls_calls;
static const char *const ks_names[] = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight" };
static int ks_initialized;
double ks_scale = 1.25;
int ks_hidden __attribute__((visibility("hidden"))) = 9;

__attribute__((constructor)) static void ks_init(void)
{
    ks_initialized = 1;
}

__attribute__((cold, noinline)) static void ks_complain(const char *what)
{
    fprintf(stderr, "kitchen sink: \"%s\" failed\\n\n", what);
}

const char *ks_name(unsigned i)
{
    ks_tls_calls++;
    if (__builtin_expect(i >= sizeof ks_names / sizeof *ks_names, 0)) {
        ks_complain("ks_name");
        return "many";
    }
    return ks_names[i];
}

double ks_eval(int op, double a, double b)
{
    switch (op) {
    case 0: return a + b * ks_scale;
    case 1: return a - b * 0.75;
    case 2: return a * b + 3.5;
    case 3: return b != 0 ? a / b : -1.0;
    case 4: return a > b ? a : b;
    case 5: return a < b ? a : b;
    case 6: return (a + b) * 0.5;
    case 7: return a * a - b * b;
    default: ks_complain("ks_eval"); return 0.0;
    }
}

int ks_eval_int(int op, int a, int b) __attribute__((alias("ks_eval_int_impl")));
int ks_eval_int_impl(int op, int a, int b)
{
    return (int)ks_eval(op, (double)a, (double)b);
}

unsigned ks_calls(void)
{
    return ks_tls_calls + (unsigned)ks_initialized + (unsigned)ks_hidden;
}

uint64_t ks_mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    return __builtin_bswap64(x) + (uint64_t)__builtin_popcountll(x);
}

int ks_asm_max(int a, int b)
{
    __asm__("cmpl %1, %0\n\t"
            "jge .Lks_skip%=\n\t"
            "movl %1, %0\n"
            ".Lks_skip%=:"
            : "+r"(a) : "r"(b) : "cc");
    return a;
}

int ks_return_zero(void)
{
    return 0;
}

void ks_nothing(void)
{
}
