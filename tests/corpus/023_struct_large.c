/* Large structs passed on the stack and returned via hidden pointer. */
#include <string.h>
#include <stdint.h>
#include <stddef.h>

struct big {
    int64_t vals[16];
    char name[32];
    double weight;
};

struct matrix4 { float m[4][4]; };

static struct big template_big = { { 1, 2, 3 }, "template", 1.0 };
struct big last_big;

struct big make_big(int seed)
{
    struct big b = template_big;
    for (int i = 0; i < 16; i++)
        b.vals[i] = seed * i;
    b.weight = seed * 0.5;
    return b;
}

int64_t big_sum(struct big b)
{
    int64_t s = 0;
    for (int i = 0; i < 16; i++)
        s += b.vals[i];
    return s + (int64_t)b.weight;
}

void store_big(struct big b)
{
    last_big = b;
}

struct matrix4 mat4_identity(void)
{
    struct matrix4 r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 4; i++)
        r.m[i][i] = 1.0f;
    return r;
}

struct matrix4 mat4_mul(struct matrix4 a, struct matrix4 b)
{
    struct matrix4 r;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            float s = 0;
            for (int k = 0; k < 4; k++)
                s += a.m[i][k] * b.m[k][j];
            r.m[i][j] = s;
        }
    return r;
}

static struct big modify(struct big b)
{
    b.vals[0] = -1;
    strcpy(b.name, "modified");
    return b;
}

int64_t round_trip_big(int seed)
{
    struct big b = modify(make_big(seed));
    store_big(b);
    return big_sum(b);
}

void copy_struct_array(struct big *restrict d, const struct big *restrict s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}
