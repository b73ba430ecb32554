/* sort.c - quicksort (median of three) with insertion sort for small runs. */
#include "toolkit.h"

#define SMALL 16

static void insertion_sort(uint32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void swap_u32(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;
    *x = *y;
    *y = t;
}

void tk_sort_u32(uint32_t *a, size_t n)
{
    /* Recurse into the smaller part, loop on the larger: O(log n) stack. */
    while (n > SMALL) {
        size_t mid = n / 2, last = n - 1;
        if (a[mid] < a[0])
            swap_u32(&a[mid], &a[0]);
        if (a[last] < a[0])
            swap_u32(&a[last], &a[0]);
        if (a[last] < a[mid])
            swap_u32(&a[last], &a[mid]);
        uint32_t pivot = a[mid];

        /* Hoare partition: afterwards a[0..j] <= pivot <= a[j+1..n). */
        size_t i = 0, j = last;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap_u32(&a[i], &a[j]);
            i++;
            j--;
        }
        size_t left = j + 1, right = n - left;
        if (left < right) {
            tk_sort_u32(a, left);
            a += left;
            n = right;
        } else {
            tk_sort_u32(a + left, right);
            n = left;
        }
    }
    insertion_sort(a, n);
}
