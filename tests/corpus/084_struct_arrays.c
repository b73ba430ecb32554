/* Array-of-structs vs struct-of-arrays, flexible array members, offsetof. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct particle { float x, y, z, vx, vy, vz, mass; int alive; };
struct particles_soa { float *x, *y, *z, *vx, *vy, *vz; size_t n; };
struct msg { uint32_t type; uint32_t len; unsigned char payload[]; };

struct particle particles[256];
const size_t particle_offsets[] = {
    offsetof(struct particle, x), offsetof(struct particle, vx),
    offsetof(struct particle, mass), offsetof(struct particle, alive),
};

void step_aos(float dt)
{
    for (int i = 0; i < 256; i++) {
        struct particle *p = &particles[i];
        if (!p->alive)
            continue;
        p->x += p->vx * dt;
        p->y += p->vy * dt;
        p->z += p->vz * dt;
        p->vy -= 9.81f * dt;
    }
}

void step_soa(struct particles_soa *s, float dt)
{
    for (size_t i = 0; i < s->n; i++) {
        s->x[i] += s->vx[i] * dt;
        s->y[i] += s->vy[i] * dt;
        s->z[i] += s->vz[i] * dt;
    }
}

float total_mass(void)
{
    float m = 0;
    for (int i = 0; i < 256; i++)
        m += particles[i].alive ? particles[i].mass : 0.0f;
    return m;
}

struct msg *msg_new(uint32_t type, const void *data, uint32_t len)
{
    struct msg *m = malloc(sizeof *m + len);
    if (!m)
        return NULL;
    m->type = type;
    m->len = len;
    memcpy(m->payload, data, len);
    return m;
}

uint32_t msg_checksum(const struct msg *m)
{
    uint32_t s = m->type;
    for (uint32_t i = 0; i < m->len; i++)
        s = s * 31 + m->payload[i];
    return s;
}

static void *field_ptr(struct particle *p, int f)
{
    return (char *)p + particle_offsets[f & 3];
}

float read_field(int i, int f)
{
    float v;
    memcpy(&v, field_ptr(&particles[i & 255], f), sizeof v);
    return v;
}
