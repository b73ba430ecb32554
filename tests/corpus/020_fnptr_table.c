/* Indirect calls through function pointer tables (relocated .data.rel.ro). */
#include <stddef.h>
#include <stdio.h>

typedef double (*binop_fn)(double, double);
typedef void (*handler_fn)(void *ctx, int arg);

static double op_add(double a, double b) { return a + b; }
static double op_sub(double a, double b) { return a - b; }
static double op_mul(double a, double b) { return a * b; }
static double op_div(double a, double b) { return b != 0 ? a / b : 0; }

static const binop_fn binops[] = { op_add, op_sub, op_mul, op_div };

double apply_binop(unsigned i, double a, double b)
{
    return binops[i & 3](a, b);
}

struct counter { int hits[4]; };

static void h0(void *c, int a) { ((struct counter *)c)->hits[0] += a; }
static void h1(void *c, int a) { ((struct counter *)c)->hits[1] += a * 2; }
static void h2(void *c, int a) { ((struct counter *)c)->hits[2] -= a; }
static void h3(void *c, int a) { (void)a; ((struct counter *)c)->hits[3]++; }

handler_fn handlers[4] = { h0, h1, h2, h3 };

struct vtable {
    const char *(*name)(void);
    int (*size)(const void *);
    void (*destroy)(void *);
};

static const char *obj_name(void) { return "obj"; }
static int obj_size(const void *p) { return p ? 16 : 0; }
static void obj_destroy(void *p) { (void)p; }

const struct vtable obj_vtable = { obj_name, obj_size, obj_destroy };

void run_handlers(struct counter *c, const int *events, size_t n)
{
    for (size_t i = 0; i < n; i++)
        handlers[events[i] & 3](c, events[i]);
}

int vt_describe(const struct vtable *vt, void *obj, char *buf, size_t bufsz)
{
    int r = snprintf(buf, bufsz, "%s:%d", vt->name(), vt->size(obj));
    vt->destroy(obj);
    return r;
}

double fold(binop_fn f, const double *v, size_t n, double init)
{
    for (size_t i = 0; i < n; i++)
        init = f(init, v[i]);
    return init;
}

binop_fn get_binop(int i)
{
    return binops[i & 3];
}
