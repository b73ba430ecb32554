/* Inline asm: plain statements, operands, constraints, clobbers. */
#include <stdint.h>

uint64_t asm_last_tsc;

void asm_nop(void)
{
    __asm__ volatile("nop");
}

void asm_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

uint64_t asm_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    asm_last_tsc = ((uint64_t)hi << 32) | lo;
    return asm_last_tsc;
}

int asm_add(int a, int b)
{
    int r;
    __asm__("leal (%1,%2), %0" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

uint32_t asm_bswap(uint32_t x)
{
    __asm__("bswap %0" : "+r"(x));
    return x;
}

void asm_cpuid(uint32_t leaf, uint32_t out[4])
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid"
                     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                     : "a"(leaf), "c"(0));
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
}

static inline uint64_t asm_mul_hi(uint64_t a, uint64_t b)
{
    uint64_t hi, lo;
    __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
    (void)lo;
    return hi;
}

uint64_t asm_mulhi_sum(const uint64_t *v, int n)
{
    uint64_t s = 0;
    for (int i = 0; i + 1 < n; i++)
        s += asm_mul_hi(v[i], v[i + 1]);
    return s;
}

int asm_bsr(uint32_t x)
{
    int r;
    __asm__("bsrl %1, %0\n\t"
            "cmovzl %2, %0"
            : "=&r"(r) : "rm"(x), "r"(-1) : "cc");
    return r;
}

void asm_pause_n(int n)
{
    for (int i = 0; i < n; i++)
        __asm__ volatile("pause" ::: "memory");
}

double asm_sqrtsd(double x)
{
    double r;
    __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
    return r;
}

__asm__(".globl toplevel_asm_fn\n"
        ".type toplevel_asm_fn, @function\n"
        "toplevel_asm_fn:\n"
        "\tmovl $42, %eax\n"
        "\tret\n"
        ".size toplevel_asm_fn, .-toplevel_asm_fn\n");
