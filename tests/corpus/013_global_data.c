/* Global and static data of many shapes: .data, .rodata, .bss, relocs. */
#include <stddef.h>
#include <stdint.h>

struct point { int x, y; };
struct shape {
    const char *name;
    int nverts;
    const struct point *verts;
    double scale;
};

static const struct point tri_pts[3] = { {0, 0}, {4, 0}, {2, 3} };
static const struct point sq_pts[4] = { {0, 0}, {1, 0}, {1, 1}, {0, 1} };

const struct shape shapes[] = {
    { "triangle", 3, tri_pts, 1.0 },
    { "square", 4, sq_pts, 2.5 },
    { NULL, 0, NULL, 0.0 },
};

int global_counter = 42;
int zero_init_global;
static int zero_static;
static long big_bss[4096];
unsigned char small_array[7] = { 1, 2, 3 };
int *ptr_to_global = &global_counter;
const struct shape *const first_shape = &shapes[0];
int (*const fn_ptr_const)(int) = NULL;
int64_t i64_data[] = { -1, INT64_MAX, INT64_MIN, 0x0123456789abcdefLL };
uint16_t u16_data[] = { 0xffff, 0x1234, 7 };
float fdata[] = { 1.5f, -0.0f, 3.0e10f };
char *strptrs[] = { "one", "two", "three" };
const char ro_bytes[3][4] = { "abc", "def", "ghi" };
struct { char c; int i; short s; } packed_like = { 'x', 99, -2 };
_Bool flag_true = 1;

int shape_area2(const struct shape *s)
{
    int a = 0;
    for (int i = 0; i < s->nverts; i++) {
        const struct point *p = &s->verts[i];
        const struct point *q = &s->verts[(i + 1) % s->nverts];
        a += p->x * q->y - q->x * p->y;
    }
    return a < 0 ? -a : a;
}

long total_area(void)
{
    long t = 0;
    for (const struct shape *s = shapes; s->name; s++)
        t += shape_area2(s);
    return t;
}

void bump(long v)
{
    zero_static++;
    big_bss[zero_static & 4095] += v;
    zero_init_global += (int)v;
}

long bss_sum(void)
{
    long s = 0;
    for (int i = 0; i < 4096; i++)
        s += big_bss[i];
    return s + zero_static;
}

int *get_global_addr(void) { return ptr_to_global; }
const char *ro_row(int i) { return ro_bytes[i % 3]; }

static const struct shape *shape_by_index(unsigned i)
{
    return i < 2 ? &shapes[i] : NULL;
}

double shape_scale(unsigned i)
{
    const struct shape *s = shape_by_index(i);
    return s ? s->scale * (double)fdata[0] : -1.0;
}
