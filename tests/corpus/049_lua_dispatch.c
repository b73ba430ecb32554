/* A Lua-like register VM: packed instructions, table-driven dispatch. */
#include <stdint.h>
#include <stddef.h>
#include <math.h>

typedef uint32_t Instruction;
enum { TNIL, TNUM, TBOOL };
typedef struct { double n; int tt; } TValue;

enum OpCode {
    OP_MOVE, OP_LOADK, OP_LOADBOOL, OP_LOADNIL, OP_ADD, OP_SUB, OP_MUL,
    OP_DIV, OP_MOD, OP_POW, OP_UNM, OP_NOT, OP_EQ, OP_LT, OP_LE,
    OP_JMP, OP_TEST, OP_FORPREP, OP_FORLOOP, OP_RETURN, NUM_OPCODES
};

#define GET_OP(i) ((int)((i) & 0x3f))
#define GETARG_A(i) ((int)(((i) >> 6) & 0xff))
#define GETARG_B(i) ((int)(((i) >> 23) & 0x1ff))
#define GETARG_C(i) ((int)(((i) >> 14) & 0x1ff))
#define GETARG_sBx(i) ((int)((i) >> 14) - 131071)

enum OpMode { iABC, iABx, iAsBx };
const uint8_t luaP_opmodes[NUM_OPCODES] = {
    iABC, iABx, iABC, iABC, iABC, iABC, iABC, iABC, iABC, iABC,
    iABC, iABC, iABC, iABC, iABC, iAsBx, iABC, iAsBx, iAsBx, iABC,
};
const char *const luaP_opnames[NUM_OPCODES + 1] = {
    "MOVE", "LOADK", "LOADBOOL", "LOADNIL", "ADD", "SUB", "MUL", "DIV",
    "MOD", "POW", "UNM", "NOT", "EQ", "LT", "LE", "JMP", "TEST",
    "FORPREP", "FORLOOP", "RETURN", NULL,
};

static double arith(int op, double a, double b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_MOD: return a - floor(a / b) * b;
    case OP_POW: return pow(a, b);
    default: return 0;
    }
}

#define RKC(i) (GETARG_C(i) & 0x100 ? k[GETARG_C(i) & 0xff] : base[GETARG_C(i)])
#define RKB(i) (GETARG_B(i) & 0x100 ? k[GETARG_B(i) & 0xff] : base[GETARG_B(i)])

int luaV_execute(TValue *base, const TValue *k, const Instruction *code, int *nret)
{
    const Instruction *pc = code;
    for (;;) {
        Instruction i = *pc++;
        TValue *ra = base + GETARG_A(i);
        switch (GET_OP(i)) {
        case OP_MOVE: *ra = base[GETARG_B(i)]; break;
        case OP_LOADK: *ra = k[(i >> 14)]; break;
        case OP_LOADBOOL:
            ra->tt = TBOOL; ra->n = GETARG_B(i);
            if (GETARG_C(i)) pc++;
            break;
        case OP_LOADNIL:
            for (int b = GETARG_B(i); b >= 0; b--) ra[b].tt = TNIL;
            break;
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_POW: {
            TValue rb = RKB(i), rc = RKC(i);
            ra->n = arith(GET_OP(i), rb.n, rc.n);
            ra->tt = TNUM;
            break;
        }
        case OP_UNM: ra->n = -base[GETARG_B(i)].n; ra->tt = TNUM; break;
        case OP_NOT:
            ra->n = base[GETARG_B(i)].tt == TNIL || base[GETARG_B(i)].n == 0;
            ra->tt = TBOOL;
            break;
        case OP_EQ: if ((RKB(i).n == RKC(i).n) != GETARG_A(i)) pc++; break;
        case OP_LT: if ((RKB(i).n < RKC(i).n) != GETARG_A(i)) pc++; break;
        case OP_LE: if ((RKB(i).n <= RKC(i).n) != GETARG_A(i)) pc++; break;
        case OP_JMP: pc += GETARG_sBx(i); break;
        case OP_TEST: if ((ra->tt != TNIL && ra->n != 0) != GETARG_C(i)) pc++; break;
        case OP_FORPREP: ra->n -= ra[2].n; pc += GETARG_sBx(i); break;
        case OP_FORLOOP: {
            double step = ra[2].n, idx = ra->n + step;
            if (step > 0 ? idx <= ra[1].n : ra[1].n <= idx) {
                pc += GETARG_sBx(i);
                ra->n = idx;
                ra[3].n = idx;
                ra[3].tt = TNUM;
            }
            break;
        }
        case OP_RETURN: *nret = GETARG_B(i) - 1; return GETARG_A(i);
        default: return -1;
        }
    }
}

int luaP_mode(int op) { return luaP_opmodes[op % NUM_OPCODES]; }
