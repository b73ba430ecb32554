/* Computed goto (labels as values) threaded dispatch. */
#include <stdint.h>
#include <stddef.h>

enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_HALT };

int64_t cg_steps;

int64_t cg_run(const int32_t *code, size_t len)
{
    static const void *const dispatch[] = {
        &&do_push, &&do_add, &&do_sub, &&do_mul,
        &&do_dup, &&do_swap, &&do_jnz, &&do_halt,
    };
    int64_t stack[64];
    int sp = 0;
    size_t pc = 0;
    (void)len;
#define NEXT goto *dispatch[code[pc++] & 7]
    NEXT;
do_push:
    stack[sp++ & 63] = code[pc++];
    cg_steps++;
    NEXT;
do_add:
    sp--; stack[(sp - 1) & 63] += stack[sp & 63];
    NEXT;
do_sub:
    sp--; stack[(sp - 1) & 63] -= stack[sp & 63];
    NEXT;
do_mul:
    sp--; stack[(sp - 1) & 63] *= stack[sp & 63];
    NEXT;
do_dup:
    stack[sp & 63] = stack[(sp - 1) & 63]; sp++;
    NEXT;
do_swap: {
    int64_t t = stack[(sp - 1) & 63];
    stack[(sp - 1) & 63] = stack[(sp - 2) & 63];
    stack[(sp - 2) & 63] = t;
    NEXT;
}
do_jnz:
    sp--;
    if (stack[sp & 63])
        pc = (size_t)code[pc];
    else
        pc++;
    NEXT;
do_halt:
#undef NEXT
    return sp > 0 ? stack[(sp - 1) & 63] : 0;
}

int label_diff_table(int i)
{
    static const int offsets[] = { &&l0 - &&l0, &&l1 - &&l0, &&l2 - &&l0 };
    goto *(&&l0 + offsets[i % 3]);
l0:
    return 10;
l1:
    return 20;
l2:
    return 30;
}

int local_label_table(const unsigned char *s, size_t n)
{
    void *tbl[3] = { &&is_digit, &&is_alpha, &&is_other };
    int score = 0;
    size_t i = 0;
next:
    if (i >= n)
        return score;
    {
        unsigned char c = s[i++];
        int k = (c >= '0' && c <= '9') ? 0 : ((c | 32) >= 'a' && (c | 32) <= 'z') ? 1 : 2;
        goto *tbl[k];
    }
is_digit:
    score += 3;
    goto next;
is_alpha:
    score += 2;
    goto next;
is_other:
    score -= 1;
    goto next;
}

static int64_t run_const_program(void)
{
    static const int32_t prog[] = { OP_PUSH, 6, OP_PUSH, 7, OP_MUL, OP_HALT };
    return cg_run(prog, sizeof prog / sizeof prog[0]);
}

int64_t cg_selftest(void)
{
    return run_const_program() - 42;
}
