/* Register VM mixing a handler function-pointer table, a computed-goto
   fast path and a switch fallback. */
#include <stdint.h>
#include <stddef.h>

struct rvm { int64_t r[16]; uint32_t pc; int halted; uint64_t cycles; };
typedef void (*rvm_handler)(struct rvm *, uint32_t);

static void h_li(struct rvm *m, uint32_t i)  { m->r[(i >> 8) & 15] = (int16_t)(i >> 16); }
static void h_add(struct rvm *m, uint32_t i) { m->r[(i >> 8) & 15] += m->r[(i >> 12) & 15]; }
static void h_sub(struct rvm *m, uint32_t i) { m->r[(i >> 8) & 15] -= m->r[(i >> 12) & 15]; }
static void h_mul(struct rvm *m, uint32_t i) { m->r[(i >> 8) & 15] *= m->r[(i >> 12) & 15]; }
static void h_bnz(struct rvm *m, uint32_t i) { if (m->r[(i >> 8) & 15]) m->pc = i >> 16; }
static void h_halt(struct rvm *m, uint32_t i) { (void)i; m->halted = 1; }

const rvm_handler rvm_table[8] = { h_li, h_add, h_sub, h_mul, h_bnz, h_halt, h_halt, h_halt };

int64_t rvm_run_table(struct rvm *m, const uint32_t *code)
{
    while (!m->halted) {
        uint32_t ins = code[m->pc++];
        rvm_table[ins & 7](m, ins);
        m->cycles++;
    }
    return m->r[0];
}

int64_t rvm_run_goto(struct rvm *m, const uint32_t *code)
{
    static const void *const labels[8] = { &&li, &&add, &&sub, &&mul, &&bnz, &&halt, &&halt, &&halt };
    uint32_t ins;
#define DISPATCH() do { ins = code[m->pc++]; m->cycles++; goto *labels[ins & 7]; } while (0)
    DISPATCH();
li:  m->r[(ins >> 8) & 15] = (int16_t)(ins >> 16); DISPATCH();
add: m->r[(ins >> 8) & 15] += m->r[(ins >> 12) & 15]; DISPATCH();
sub: m->r[(ins >> 8) & 15] -= m->r[(ins >> 12) & 15]; DISPATCH();
mul: m->r[(ins >> 8) & 15] *= m->r[(ins >> 12) & 15]; DISPATCH();
bnz: if (m->r[(ins >> 8) & 15]) m->pc = ins >> 16; DISPATCH();
halt:
#undef DISPATCH
    m->halted = 1;
    return m->r[0];
}

int64_t rvm_run_switch(struct rvm *m, const uint32_t *code)
{
    for (;;) {
        uint32_t ins = code[m->pc++];
        m->cycles++;
        switch (ins & 7) {
        case 0: h_li(m, ins); break;
        case 1: h_add(m, ins); break;
        case 2: h_sub(m, ins); break;
        case 3: h_mul(m, ins); break;
        case 4: h_bnz(m, ins); break;
        default: m->halted = 1; return m->r[0];
        }
    }
}

void rvm_reset(struct rvm *m)
{
    for (int i = 0; i < 16; i++)
        m->r[i] = 0;
    m->pc = 0;
    m->halted = 0;
    m->cycles = 0;
}
