/* window.c - moving-window sums over a byte signal.
 *
 * Typical use in this toolkit is a short window (3-8 bytes), e.g. to find
 * dense or "loud" regions in a byte stream.  See README.md: at -O3 gcc
 * vectorizes the inner loop for long windows, which makes this function
 * measurably slower than -O2 for the short windows it is used with. */
#include "toolkit.h"

size_t tk_window_sum_u8(uint32_t *out, const uint8_t *in, size_t n, size_t w)
{
    if (w == 0 || w > n)
        return 0;
    for (size_t i = 0; i + w <= n; i++) {
        uint32_t s = 0;
        for (size_t k = 0; k < w; k++)
            s += in[i + k];
        out[i] = s;
    }
    return n - w + 1;
}
