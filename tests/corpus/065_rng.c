/* Pseudo-random number generators: xorshift, PCG, splitmix, LCG, floats. */
#include <stdint.h>
#include <stddef.h>

static uint64_t splitmix_state = 0x853c49e6748fea9bULL;
uint64_t pcg_state = 0x4d595df4d0f33173ULL;
static const uint64_t pcg_mult = 6364136223846793005ULL;
static uint64_t xs_state[2] = { 1, 2 };

uint64_t splitmix64(void)
{
    uint64_t z = (splitmix_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t pcg32(void)
{
    uint64_t old = pcg_state;
    pcg_state = old * pcg_mult + 1442695040888963407ULL;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint64_t xorshift128plus(void)
{
    uint64_t s1 = xs_state[0];
    const uint64_t s0 = xs_state[1];
    xs_state[0] = s0;
    s1 ^= s1 << 23;
    xs_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return xs_state[1] + s0;
}

uint32_t lcg_next(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

double rand_double(void)
{
    return (double)(splitmix64() >> 11) * 0x1.0p-53;
}

float rand_float(void)
{
    return (float)(pcg32() >> 8) * 0x1.0p-24f;
}

uint32_t rand_bounded(uint32_t bound)
{
    uint64_t m = (uint64_t)pcg32() * bound;
    return (uint32_t)(m >> 32);
}

void shuffle_ints(int *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rand_bounded((uint32_t)i);
        int t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void seed_all(uint64_t seed)
{
    splitmix_state = seed;
    pcg_state = splitmix64();
    xs_state[0] = splitmix64();
    xs_state[1] = splitmix64() | 1;
}

void fill_random(uint32_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pcg32();
}

uint64_t seed_from_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    seed_all(((uint64_t)hi << 32) | lo);
    return splitmix_state;
}

static double gauss_pair(double *second)
{
    double u, v, s;
    do {
        u = rand_double() * 2.0 - 1.0;
        v = rand_double() * 2.0 - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double k = __builtin_sqrt(-2.0 * __builtin_log(s) / s);
    *second = v * k;
    return u * k;
}

double rand_normal(void)
{
    double other;
    return gauss_pair(&other);
}
