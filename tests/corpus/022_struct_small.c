/* Small structs passed/returned in registers (rax:rdx, xmm0:xmm1). */
#include <stdint.h>

struct pair_i { int a, b; };
struct pair_l { long a, b; };
struct vec2 { float x, y; };
struct vec3d { double x, y, z; };
struct mixed { double d; int i; };
struct tiny { char c; };

struct pair_i small_global = { 3, 4 };

struct pair_i make_pair(int a, int b)
{
    struct pair_i p = { a, b };
    return p;
}

struct pair_l swap_pair(struct pair_l p)
{
    struct pair_l r = { p.b, p.a };
    return r;
}

struct vec2 vec2_add(struct vec2 a, struct vec2 b)
{
    return (struct vec2){ a.x + b.x, a.y + b.y };
}

float vec2_dot(struct vec2 a, struct vec2 b)
{
    return a.x * b.x + a.y * b.y;
}

struct mixed make_mixed(double d, int i)
{
    return (struct mixed){ d * 2, i + 1 };
}

static struct vec2 vec2_scale(struct vec2 v, float k)
{
    return (struct vec2){ v.x * k, v.y * k };
}

struct vec2 vec2_lerp(struct vec2 a, struct vec2 b, float t)
{
    return vec2_add(vec2_scale(a, 1 - t), vec2_scale(b, t));
}

struct tiny tiny_inc(struct tiny t)
{
    t.c++;
    return t;
}

int pair_sum(struct pair_i p)
{
    return p.a + p.b + small_global.a;
}

struct vec3d vec3_cross(struct vec3d a, struct vec3d b)
{
    struct vec3d r = {
        a.y * b.z - a.z * b.y,
        a.z * b.x - a.x * b.z,
        a.x * b.y - a.y * b.x,
    };
    return r;
}

uint64_t pack_pair(struct pair_i p)
{
    return ((uint64_t)(uint32_t)p.a << 32) | (uint32_t)p.b;
}
