/* Recursion: non-tail, mutual, tree-shaped. */
#include <stdint.h>
#include <stddef.h>

static uint64_t memo[94];
int recursion_depth_max;

uint64_t fib_rec(int n)
{
    return n < 2 ? (uint64_t)n : fib_rec(n - 1) + fib_rec(n - 2);
}

uint64_t fib_memo(int n)
{
    if (n < 2)
        return (uint64_t)n;
    if (n >= 94)
        return 0;
    if (memo[n])
        return memo[n];
    return memo[n] = fib_memo(n - 1) + fib_memo(n - 2);
}

int ackermann(int m, int n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static int is_odd(unsigned n);
static int is_even(unsigned n)
{
    return n == 0 ? 1 : is_odd(n - 1);
}
static int is_odd(unsigned n)
{
    return n == 0 ? 0 : is_even(n - 1);
}

int parity(unsigned n)
{
    return is_even(n) ? 0 : 1;
}

void hanoi(int n, int from, int to, int via, int *moves)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to, moves);
    (*moves)++;
    hanoi(n - 1, via, to, from, moves);
}

long sum_digits_rec(long n)
{
    return n < 10 ? n : (n % 10) + sum_digits_rec(n / 10);
}

static int depth(int n, int d)
{
    if (d > recursion_depth_max)
        recursion_depth_max = d;
    if (n <= 1)
        return d;
    return (n & 1) ? depth(3 * n + 1, d + 1) : depth(n / 2, d + 1);
}

int collatz_depth(int n)
{
    return depth(n, 0);
}

int gcd_rec(int a, int b)
{
    return b == 0 ? a : gcd_rec(b, a % b);
}
