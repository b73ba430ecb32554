/* filter.c - direct-form FIR filter over 16-bit samples.
 *
 * Typical use is a short smoothing kernel (3-8 taps).  See README.md: at
 * -O3 gcc vectorizes the inner (per-tap) loop, which costs more than it
 * saves when there are only a few taps. */
#include "toolkit.h"

size_t tk_fir_i16(int32_t *out, const int16_t *in, size_t n,
                  const int16_t *taps, size_t ntaps)
{
    if (ntaps == 0 || ntaps > n)
        return 0;
    for (size_t i = 0; i + ntaps <= n; i++) {
        int32_t s = 0;
        for (size_t k = 0; k < ntaps; k++)
            s += in[i + k] * taps[k];
        out[i] = s;
    }
    return n - ntaps + 1;
}
