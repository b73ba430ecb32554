/* tkbench.c - time every toolkit function on realistic inputs.
 *
 * For each function: calibrate a repeat count so one sample takes about
 * 50 us, take SAMPLES samples, print the median time per call:
 *
 *   tk_crc32                 12345.6 ns
 *
 * usage: tkbench [-n SAMPLES] [NAME...]   (NAME: run only functions whose
 *        name contains NAME)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toolkit.h"

/* Input sizes. */
#define BYTES 16384        /* checksum / hash input (bytes) */
#define WORDS 4096         /* bit counting, vector ops, sort (elements) */
#define KEYS 1024          /* 64-bit keys hashed per call */
#define PIXELS 4096        /* row sums: rows (RGB pixels) */
#define CHANNELS 3         /* row sums: bytes per row */
#define SIGNAL 4096        /* filter input (samples) */
#define NTAPS 4            /* FIR taps */

static uint8_t bytes[BYTES];
static uint32_t wa[WORDS], wb[WORDS], wacc[WORDS], sort_src[WORDS], sort_buf[WORDS];
static uint64_t keys[KEYS], hashes[KEYS];
static uint8_t pixels[PIXELS * CHANNELS];
static uint32_t sums[PIXELS];
static int16_t signal16[SIGNAL];
static int32_t filtered[SIGNAL];
static const int16_t taps[NTAPS] = { 1, 3, 3, 1 };

static volatile uint32_t sink; /* keeps results alive */

static void setup(void)
{
    uint32_t x = 2463534242u;
#define NEXT() (x ^= x << 13, x ^= x >> 17, x ^= x << 5, x)
    for (size_t i = 0; i < BYTES; i++)
        bytes[i] = (uint8_t)NEXT();
    for (size_t i = 0; i < WORDS; i++) {
        wa[i] = NEXT();
        wb[i] = NEXT();
        wacc[i] = NEXT();
        sort_src[i] = NEXT();
    }
    for (size_t i = 0; i < KEYS; i++)
        keys[i] = ((uint64_t)NEXT() << 32) | NEXT();
    for (size_t i = 0; i < PIXELS * CHANNELS; i++)
        pixels[i] = (uint8_t)NEXT();
    /* Noisy sine-ish 16-bit signal. */
    for (size_t i = 0; i < SIGNAL; i++) {
        int32_t tri = (int32_t)(i % 256) - 128;
        signal16[i] = (int16_t)(tri * 100 + (int32_t)(NEXT() % 2001) - 1000);
    }
#undef NEXT
}

/* One call of each benchmarked function. */
static void b_adler32(void) { sink = tk_adler32(bytes, BYTES); }
static void b_crc32(void) { sink = tk_crc32(0, bytes, BYTES); }
static void b_popcount(void) { sink = tk_popcount_loop(wa, WORDS); }
static void b_hamming(void) { sink = tk_hamming_distance(wa, wb, WORDS); }
static void b_vec_mul(void) { tk_vec_mul_u32(wa, wb, WORDS); sink = wa[7]; wa[7] |= 1; }
static void b_vec_madd(void) { tk_vec_madd_u32(wacc, wa, wb, WORDS); sink = wacc[7]; }
static void b_fnv1a(void) { sink = tk_fnv1a32(bytes, BYTES); }
static void b_hash_u64(void) { tk_hash_u64(hashes, keys, KEYS); sink = (uint32_t)hashes[5]; }
static void b_sort(void)
{
    memcpy(sort_buf, sort_src, sizeof sort_buf);
    tk_sort_u32(sort_buf, WORDS);
    sink = sort_buf[WORDS / 2];
}
static void b_rows(void) { tk_row_sums_u8(sums, pixels, PIXELS, CHANNELS); sink = sums[9]; }
static void b_fir(void) { sink = (uint32_t)tk_fir_i16(filtered, signal16, SIGNAL, taps, NTAPS) + (uint32_t)filtered[9]; }

static const struct {
    const char *name;
    void (*fn)(void);
} benches[] = {
    { "tk_adler32", b_adler32 },
    { "tk_crc32", b_crc32 },
    { "tk_popcount_loop", b_popcount },
    { "tk_hamming_distance", b_hamming },
    { "tk_vec_mul_u32", b_vec_mul },
    { "tk_vec_madd_u32", b_vec_madd },
    { "tk_fnv1a32", b_fnv1a },
    { "tk_hash_u64", b_hash_u64 },
    { "tk_sort_u32", b_sort },
    { "tk_row_sums_u8", b_rows },
    { "tk_fir_i16", b_fir },
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_SAMPLES 1001

static double median_ns_per_call(void (*fn)(void), int samples)
{
    static double t[MAX_SAMPLES];

    /* Warm up, then pick reps so one sample takes >= 50 us. */
    long reps = 1;
    for (;;) {
        double t0 = now_ns();
        for (long r = 0; r < reps; r++)
            fn();
        double dt = now_ns() - t0;
        if (dt >= 50e3 || reps >= (1L << 20))
            break;
        reps *= 2;
    }
    for (int s = 0; s < samples; s++) {
        double t0 = now_ns();
        for (long r = 0; r < reps; r++)
            fn();
        t[s] = (now_ns() - t0) / (double)reps;
    }
    qsort(t, (size_t)samples, sizeof t[0], cmp_double);
    return t[samples / 2];
}

int main(int argc, char **argv)
{
    int samples = 101;
    int first_name = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) {
        samples = atoi(argv[2]);
        if (samples < 1 || samples > MAX_SAMPLES) {
            fprintf(stderr, "tkbench: -n must be in 1..%d\n", MAX_SAMPLES);
            return 2;
        }
        first_name = 3;
    }

    setup();
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        int selected = first_name >= argc;
        for (int a = first_name; a < argc; a++)
            selected |= strstr(benches[i].name, argv[a]) != NULL;
        if (!selected)
            continue;
        printf("%-20s %10.1f ns\n", benches[i].name,
               median_ns_per_call(benches[i].fn, samples));
        fflush(stdout);
    }
    return 0;
}
