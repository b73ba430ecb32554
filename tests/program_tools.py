"""A unit other units of a test project call into (issue 14: a function tested inside its
own program): a table and a function with state of its own, as a project's b.c."""

B_C = """\
const unsigned weights[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
unsigned hits[4];
unsigned mixes;
unsigned mix(unsigned x) {
    mixes++;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    return x ^ (x >> 15);
}
"""
