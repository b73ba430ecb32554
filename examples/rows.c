/* rows.c - per-row sums of a byte matrix.
 *
 * Typical use in this toolkit: rows are records or pixels with only a few
 * byte columns (RGB = 3, RGBA = 4).  See README.md: gcc -O3 vectorizes the
 * inner per-column loop, which only pays off for wide rows; for 3-4
 * columns that code is measurably slower than the plain loop -O2 emits. */
#include "toolkit.h"

void tk_row_sums_u8(uint32_t *out, const uint8_t *m, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        uint32_t s = 0;
        for (size_t c = 0; c < cols; c++)
            s += m[r * cols + c];
        out[r] = s;
    }
}
