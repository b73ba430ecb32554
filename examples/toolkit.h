/* toolkit.h - a tiny text/data toolkit (demo project for llmcc).
 *
 * Plain C11, no dependencies beyond libc.  Every function is pure with
 * respect to its arguments: it reads only the memory it is given and
 * writes only the output buffer it is given.
 */
#ifndef TOOLKIT_H
#define TOOLKIT_H

#include <stddef.h>
#include <stdint.h>

/* checksum.c ------------------------------------------------------------ */

/* Adler-32 (RFC 1950) of len bytes; start value is 1. */
uint32_t tk_adler32(const uint8_t *data, size_t len);

/* CRC-32 (IEEE 802.3, reflected, as in zlib/PNG), table driven.
 * Pass crc = 0 to start; pass the previous result to continue. */
uint32_t tk_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* bits.c ---------------------------------------------------------------- */

/* Total number of set bits in n 32-bit words (simple bit-by-bit loop). */
uint32_t tk_popcount_loop(const uint32_t *words, size_t n);

/* Number of differing bits between a[0..n) and b[0..n). */
uint32_t tk_hamming_distance(const uint32_t *a, const uint32_t *b, size_t n);

/* vec.c ----------------------------------------------------------------- */

/* a[i] *= b[i] for i in [0, n)  (arithmetic modulo 2^32). */
void tk_vec_mul_u32(uint32_t *a, const uint32_t *b, size_t n);

/* acc[i] += a[i] * b[i] for i in [0, n)  (arithmetic modulo 2^32). */
void tk_vec_madd_u32(uint32_t *acc, const uint32_t *a, const uint32_t *b, size_t n);

/* hash.c ---------------------------------------------------------------- */

/* 32-bit FNV-1a hash of len bytes. */
uint32_t tk_fnv1a32(const uint8_t *data, size_t len);

/* Hash 64-bit keys (splitmix64 finalizer): out[i] = mix(keys[i]). */
void tk_hash_u64(uint64_t *out, const uint64_t *keys, size_t n);

/* sort.c ---------------------------------------------------------------- */

/* Sort n unsigned 32-bit integers ascending, in place. */
void tk_sort_u32(uint32_t *a, size_t n);

/* rows.c ---------------------------------------------------------------- */

/* Row sums of a rows x cols byte matrix stored row-major (row r occupies
 * m[r * cols .. r * cols + cols)):  out[r] = sum of the bytes of row r.
 * Writes out[0..rows). */
void tk_row_sums_u8(uint32_t *out, const uint8_t *m, size_t rows, size_t cols);

/* filter.c -------------------------------------------------------------- */

/* FIR filter, "valid" part only:
 * out[i] = sum_{k < ntaps} in[i + k] * taps[k]   for i in [0, n - ntaps].
 * Returns the number of outputs (n - ntaps + 1), or 0 when ntaps == 0 or
 * ntaps > n.  Each sum must fit in int32_t; it always does when
 * sum_k |taps[k]| <= 65535. */
size_t tk_fir_i16(int32_t *out, const int16_t *in, size_t n,
                  const int16_t *taps, size_t ntaps);

#endif /* TOOLKIT_H */
