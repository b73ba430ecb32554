/* Sorting algorithms: insertion, quick, merge, heap, counting. */
#include <stddef.h>
#include <string.h>
#include <stdlib.h>

long sort_comparisons;

void insertion_sort(int *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
            sort_comparisons++;
        }
        a[j] = v;
    }
}

static void swap_int(int *a, int *b)
{
    int t = *a;
    *a = *b;
    *b = t;
}

static size_t partition(int *a, size_t lo, size_t hi)
{
    int pivot = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    for (;;) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i >= j)
            return j;
        swap_int(&a[i++], &a[j--]);
    }
}

static void quick_rec(int *a, size_t lo, size_t hi)
{
    while (lo < hi) {
        if (hi - lo < 16) {
            insertion_sort(a + lo, hi - lo + 1);
            return;
        }
        size_t p = partition(a, lo, hi);
        quick_rec(a, lo, p);
        lo = p + 1;
    }
}

void quick_sort(int *a, size_t n)
{
    if (n > 1)
        quick_rec(a, 0, n - 1);
}

void merge_sort(int *a, int *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t m = n / 2;
    merge_sort(a, tmp, m);
    merge_sort(a + m, tmp, n - m);
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < m) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static void sift_down(int *a, size_t i, size_t n)
{
    for (;;) {
        size_t l = 2 * i + 1, big = i;
        if (l < n && a[l] > a[big]) big = l;
        if (l + 1 < n && a[l + 1] > a[big]) big = l + 1;
        if (big == i)
            return;
        swap_int(&a[i], &a[big]);
        i = big;
    }
}

void heap_sort(int *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t e = n; e-- > 1;) {
        swap_int(&a[0], &a[e]);
        sift_down(a, 0, e);
    }
}

int counting_sort_u8(unsigned char *a, size_t n)
{
    size_t cnt[256] = { 0 };
    for (size_t i = 0; i < n; i++)
        cnt[a[i]]++;
    size_t k = 0;
    for (int v = 0; v < 256; v++)
        for (size_t c = 0; c < cnt[v]; c++)
            a[k++] = (unsigned char)v;
    return (int)k;
}

int is_sorted(const int *a, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}
