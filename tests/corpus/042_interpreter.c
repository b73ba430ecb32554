/* A small bytecode interpreter with a big switch (jump table). */
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

enum opcode {
    I_NOP, I_PUSH, I_POP, I_ADD, I_SUB, I_MUL, I_DIV, I_MOD,
    I_AND, I_OR, I_XOR, I_SHL, I_SHR, I_NEG, I_NOT, I_DUP,
    I_SWAP, I_OVER, I_JMP, I_JZ, I_JNZ, I_LOAD, I_STORE, I_PRINT,
    I_EQ, I_LT, I_GT, I_INC, I_DEC, I_CALL, I_RET, I_HALT,
};

struct vm {
    int64_t stack[256];
    int64_t mem[64];
    uint32_t rstack[32];
    int sp, rsp;
    uint64_t steps;
};

struct vm vm_main;
static const char *const op_names[] = {
    "nop", "push", "pop", "add", "sub", "mul", "div", "mod",
    "and", "or", "xor", "shl", "shr", "neg", "not", "dup",
    "swap", "over", "jmp", "jz", "jnz", "load", "store", "print",
    "eq", "lt", "gt", "inc", "dec", "call", "ret", "halt",
};

const char *op_name(unsigned op)
{
    return op < 32 ? op_names[op] : "???";
}

#define TOP   vm->stack[(vm->sp - 1) & 255]
#define NEXT2 vm->stack[(vm->sp - 2) & 255]
#define POP() vm->stack[--vm->sp & 255]
#define PUSH(v) (vm->stack[vm->sp++ & 255] = (v))

int64_t vm_exec(struct vm *vm, const int32_t *code, uint32_t len)
{
    uint32_t pc = 0;
    while (pc < len) {
        int32_t ins = code[pc++];
        int64_t a;
        vm->steps++;
        switch ((enum opcode)(ins & 31)) {
        case I_NOP: break;
        case I_PUSH: PUSH(ins >> 5); break;
        case I_POP: vm->sp--; break;
        case I_ADD: a = POP(); TOP += a; break;
        case I_SUB: a = POP(); TOP -= a; break;
        case I_MUL: a = POP(); TOP *= a; break;
        case I_DIV: a = POP(); TOP = a ? TOP / a : 0; break;
        case I_MOD: a = POP(); TOP = a ? TOP % a : 0; break;
        case I_AND: a = POP(); TOP &= a; break;
        case I_OR: a = POP(); TOP |= a; break;
        case I_XOR: a = POP(); TOP ^= a; break;
        case I_SHL: a = POP(); TOP <<= (a & 63); break;
        case I_SHR: a = POP(); TOP >>= (a & 63); break;
        case I_NEG: TOP = -TOP; break;
        case I_NOT: TOP = ~TOP; break;
        case I_DUP: a = TOP; PUSH(a); break;
        case I_SWAP: a = TOP; TOP = NEXT2; NEXT2 = a; break;
        case I_OVER: a = NEXT2; PUSH(a); break;
        case I_JMP: pc = (uint32_t)(ins >> 5); break;
        case I_JZ: if (POP() == 0) pc = (uint32_t)(ins >> 5); break;
        case I_JNZ: if (POP() != 0) pc = (uint32_t)(ins >> 5); break;
        case I_LOAD: PUSH(vm->mem[(ins >> 5) & 63]); break;
        case I_STORE: vm->mem[(ins >> 5) & 63] = POP(); break;
        case I_PRINT: printf("%lld\n", (long long)POP()); break;
        case I_EQ: a = POP(); TOP = TOP == a; break;
        case I_LT: a = POP(); TOP = TOP < a; break;
        case I_GT: a = POP(); TOP = TOP > a; break;
        case I_INC: TOP++; break;
        case I_DEC: TOP--; break;
        case I_CALL: vm->rstack[vm->rsp++ & 31] = pc; pc = (uint32_t)(ins >> 5); break;
        case I_RET:
            if (vm->rsp == 0)
                return vm->sp ? TOP : 0;
            pc = vm->rstack[--vm->rsp & 31];
            break;
        case I_HALT: return vm->sp ? TOP : 0;
        }
    }
    return -1;
}

void vm_reset(struct vm *vm)
{
    vm->sp = vm->rsp = 0;
    vm->steps = 0;
}

int64_t vm_run_main(const int32_t *code, uint32_t len)
{
    vm_reset(&vm_main);
    return vm_exec(&vm_main, code, len);
}

static int count_op(const int32_t *code, uint32_t len, enum opcode op)
{
    int c = 0;
    for (uint32_t i = 0; i < len; i++)
        c += (code[i] & 31) == (int32_t)op;
    return c;
}

int vm_count_branches(const int32_t *code, uint32_t len)
{
    return count_op(code, len, I_JMP) + count_op(code, len, I_JZ) + count_op(code, len, I_JNZ);
}
