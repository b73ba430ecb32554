/* Inline asm with %= unique labels, numeric local labels (1: / 1b / 1f),
   asm goto, and named operands. */
#include <stdint.h>
#include <stddef.h>

int asm_label_hits;

size_t asm_strlen(const char *s)
{
    const char *p = s;
    __asm__("1:\n\t"
            "cmpb $0, (%0)\n\t"
            "je 2f\n\t"
            "incq %0\n\t"
            "jmp 1b\n"
            "2:"
            : "+r"(p) : : "cc", "memory");
    return (size_t)(p - s);
}

uint64_t asm_count_down(uint64_t n)
{
    uint64_t steps = 0;
    __asm__("testq %[n], %[n]\n\t"
            "jz .Ldone%=\n"
            ".Lloop%=:\n\t"
            "incq %[steps]\n\t"
            "decq %[n]\n\t"
            "jnz .Lloop%=\n"
            ".Ldone%=:"
            : [n] "+r"(n), [steps] "+r"(steps) : : "cc");
    return steps;
}

static inline int asm_test_bit(const uint64_t *bits, long nr)
{
    unsigned char c;
    __asm__("btq %2, %1\n\tsetc %0" : "=qm"(c) : "m"(*bits), "Ir"(nr) : "cc");
    return c;
}

int any_bit_set(const uint64_t *words, int n, long bit)
{
    int r = 0;
    for (int i = 0; i < n; i++)
        r |= asm_test_bit(&words[i], bit & 63);
    return r;
}

int asm_goto_check(int x)
{
    __asm__ goto("testl %0, %0\n\t"
                 "jz %l1"
                 : : "r"(x) : "cc" : is_zero);
    asm_label_hits++;
    return x * 2;
is_zero:
    return -1;
}

void asm_memzero(void *p, size_t n)
{
    __asm__ volatile("rep stosb"
                     : "+D"(p), "+c"(n)
                     : "a"(0)
                     : "memory");
}

uint32_t asm_loop_sum(const uint32_t *v, size_t n)
{
    uint32_t s = 0;
    if (n == 0)
        return 0;
    __asm__("0:\n\t"
            "addl (%[v]), %[s]\n\t"
            "addq $4, %[v]\n\t"
            "decq %[n]\n\t"
            "jnz 0b"
            : [s] "+r"(s), [v] "+r"(v), [n] "+r"(n)
            : : "cc", "memory");
    return s;
}

int asm_two_blocks(int a)
{
    int r = a;
    __asm__("addl $1, %0\n\t"
            "jno 1f\n\t"
            "movl $0, %0\n"
            "1:" : "+r"(r) : : "cc");
    __asm__("shll $1, %0\n\t"
            "jnc 1f\n\t"
            "orl $1, %0\n"
            "1:" : "+r"(r) : : "cc");
    return r;
}
