/* Tentative definitions, common symbols (.comm/.lcomm), zero-init data. */
#include <stddef.h>
#include <stdint.h>

int tentative_int;
int tentative_twice;
int tentative_twice;
char tentative_array[100];
int common_sym __attribute__((common));
double common_arr[64] __attribute__((common));
static int local_zero;
static char local_big[65536];
long explicit_zero = 0;
static void *null_ptr = NULL;
const int const_zero = 0;
struct state { int a; double b; char c[10]; } zero_struct;
uint8_t bss_bytes[3];

int touch_bss(int i)
{
    local_big[i & 0xffff]++;
    local_zero += i;
    tentative_int = i;
    common_sym += i;
    return local_big[(i + 1) & 0xffff] + local_zero;
}

double common_avg(void)
{
    double s = 0;
    for (int i = 0; i < 64; i++)
        s += common_arr[i];
    return s / 64;
}

void *get_null(void)
{
    return null_ptr;
}

void set_null(void *p)
{
    null_ptr = p;
}

size_t zero_struct_size(void)
{
    zero_struct.a++;
    return sizeof zero_struct + (size_t)const_zero + (size_t)explicit_zero;
}

char *tentative_ptr(void)
{
    tentative_twice++;
    return tentative_array;
}

int bytes_sum(void)
{
    return bss_bytes[0] + bss_bytes[1] + bss_bytes[2];
}

static int sum_prefix(const char *p, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}

int tentative_prefix(int n)
{
    return sum_prefix(tentative_array, n > 100 ? 100 : n) + sum_prefix(local_big, 16);
}
