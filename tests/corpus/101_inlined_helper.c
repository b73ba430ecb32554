/* A static helper that -O2 keeps as a function of its own (called, and reached by a tail
   call) and -O3 inlines into every caller: a variant's code calls a function the baseline
   does not have. Its callers keep values in registers across the call that the helper, as
   gcc compiled it, leaves alone (-fipa-ra). */

unsigned hash_seed = 0x9747b28cu;

static unsigned mix(unsigned h, unsigned k)
{
    for (int r = 0; r < 2; r++) {
        k *= 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593u;
        h ^= k;
        h = (h << 13) | (h >> 19);
        h = h * 5 + 0xe6546b64u;
        h ^= h >> 16;
        h *= 0x85ebca6bu;
    }
    if (h & 1)
        h ^= h >> 7;
    else
        h += h << 3;
    return h;
}

unsigned hash_words(const unsigned *p, int n, unsigned seed)
{
    unsigned h = seed;
    for (int i = 0; i < n; i++)
        h = mix(h, p[i]);
    return mix(h, (unsigned)n);
}

unsigned hash_pair(unsigned a, unsigned b)
{
    return mix(mix(hash_seed, a), b);
}
