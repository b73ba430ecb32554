/* tool.c - command line front end for the toolkit.
 *
 *   tool sum    [FILE]     CRC-32, Adler-32, FNV-1a and set-bit count
 *   tool sort   [FILE]     sort unsigned integers (whitespace separated)
 *   tool rows COLS [FILE]  treat input as COLS-byte rows (e.g. RGB pixels,
 *                          COLS = 3): brightest and darkest row
 *   tool smooth [FILE]     4-tap [1 3 3 1] smoothing of integer samples
 *
 * FILE defaults to standard input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit.h"

static void die(const char *msg)
{
    fprintf(stderr, "tool: %s\n", msg);
    exit(2);
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* Read a whole file (or stdin when path is NULL) into memory. */
static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = path ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "tool: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = xrealloc(NULL, cap);
    for (;;) {
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    if (ferror(f))
        die("read error");
    if (path)
        fclose(f);
    *len = n;
    return buf;
}

/* Parse whitespace-separated integers in [lo, hi]. */
static long long *parse_ints(const uint8_t *text, size_t len, long long lo,
                             long long hi, size_t *count)
{
    char *s = xrealloc(NULL, len + 1);
    memcpy(s, text, len);
    s[len] = '\0';

    size_t cap = 1024, n = 0;
    long long *v = xrealloc(NULL, cap * sizeof *v);
    char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '\0')
            break;
        char *end;
        errno = 0;
        long long x = strtoll(p, &end, 10);
        if (end == p || errno || x < lo || x > hi)
            die("bad number in input");
        if (n == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
        v[n++] = x;
        p = end;
    }
    free(s);
    *count = n;
    return v;
}

static int cmd_sum(const char *path)
{
    size_t len;
    uint8_t *data = read_all(path, &len);

    /* Count bits over whole words, then over the trailing bytes. */
    size_t nwords = len / 4;
    uint32_t *words = xrealloc(NULL, (nwords + 1) * sizeof *words);
    memcpy(words, data, nwords * 4);
    uint32_t bits = tk_popcount_loop(words, nwords);
    uint32_t tail = 0;
    memcpy(&tail, data + nwords * 4, len % 4);
    bits += tk_popcount_loop(&tail, 1);

    printf("bytes   %zu\n", len);
    printf("crc32   %08x\n", tk_crc32(0, data, len));
    printf("adler32 %08x\n", tk_adler32(data, len));
    printf("fnv1a   %08x\n", tk_fnv1a32(data, len));
    printf("bits    %u\n", bits);
    free(words);
    free(data);
    return 0;
}

static int cmd_sort(const char *path)
{
    size_t len, n;
    uint8_t *text = read_all(path, &len);
    long long *v = parse_ints(text, len, 0, UINT32_MAX, &n);
    uint32_t *a = xrealloc(NULL, n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)v[i];
    tk_sort_u32(a, n);
    for (size_t i = 0; i < n; i++)
        printf("%u\n", a[i]);
    free(a);
    free(v);
    free(text);
    return 0;
}

static int cmd_rows(const char *carg, const char *path)
{
    char *end;
    unsigned long cols = strtoul(carg, &end, 10);
    if (*end || cols == 0 || cols > 1u << 24)
        die("COLS must be a positive integer");

    size_t len;
    uint8_t *data = read_all(path, &len);
    size_t rows = len / cols;
    uint32_t *sums = xrealloc(NULL, rows * sizeof *sums);
    tk_row_sums_u8(sums, data, rows, cols);
    if (rows == 0) {
        printf("input shorter than one row\n");
    } else {
        size_t hi = 0, lo = 0;
        for (size_t r = 1; r < rows; r++) {
            if (sums[r] > sums[hi])
                hi = r;
            if (sums[r] < sums[lo])
                lo = r;
        }
        printf("rows %zu (%zu trailing bytes ignored)\n", rows, len % cols);
        printf("max  row %zu sum %u mean %.2f\n", hi, sums[hi],
               (double)sums[hi] / (double)cols);
        printf("min  row %zu sum %u mean %.2f\n", lo, sums[lo],
               (double)sums[lo] / (double)cols);
    }
    free(sums);
    free(data);
    return 0;
}

static int cmd_smooth(const char *path)
{
    static const int16_t taps[4] = { 1, 3, 3, 1 };
    size_t len, n;
    uint8_t *text = read_all(path, &len);
    long long *v = parse_ints(text, len, INT16_MIN, INT16_MAX, &n);
    int16_t *in = xrealloc(NULL, n * sizeof *in);
    int32_t *out = xrealloc(NULL, n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        in[i] = (int16_t)v[i];
    size_t m = tk_fir_i16(out, in, n, taps, 4);
    for (size_t i = 0; i < m; i++)
        printf("%.3f\n", out[i] / 8.0);
    free(out);
    free(in);
    free(v);
    free(text);
    return 0;
}

static void usage(void)
{
    fputs("usage: tool sum [FILE]\n"
          "       tool sort [FILE]\n"
          "       tool rows COLS [FILE]\n"
          "       tool smooth [FILE]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "sum") && argc <= 3)
        return cmd_sum(argc == 3 ? argv[2] : NULL);
    if (!strcmp(cmd, "sort") && argc <= 3)
        return cmd_sort(argc == 3 ? argv[2] : NULL);
    if (!strcmp(cmd, "rows") && (argc == 3 || argc == 4))
        return cmd_rows(argv[2], argc == 4 ? argv[3] : NULL);
    if (!strcmp(cmd, "smooth") && argc <= 3)
        return cmd_smooth(argc == 3 ? argv[2] : NULL);
    usage();
    return 2;
}
