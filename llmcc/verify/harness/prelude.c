/* What every harness shares: generated inputs (llmcc_input's helpers), guarded buffers,
   the recorded outputs and the verifier's sandbox. A template: llmcc/verify/harness/inputs.py
   fills the names between at signs. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

void llmcc_tramp(void);
extern void *llmcc_target;
extern int llmcc_abi_bad;
extern int llmcc_frame_guard;
extern int llmcc_garble;
extern char __start_llmcc_tu_data[] __attribute__((weak));
extern char __stop_llmcc_tu_data[] __attribute__((weak));
extern char __start_llmcc_tu_bss[] __attribute__((weak));
extern char __stop_llmcc_tu_bss[] __attribute__((weak));
/* the writable data of the project's other objects linked in (link.py) and of stand-ins */
extern char __start_llmcc_prog_data[] __attribute__((weak));
extern char __stop_llmcc_prog_data[] __attribute__((weak));
extern char __start_llmcc_prog_bss[] __attribute__((weak));
extern char __stop_llmcc_prog_bss[] __attribute__((weak));

static uint64_t llmcc_state;
static uint64_t llmcc_next(void) {
    llmcc_state ^= llmcc_state << 13;
    llmcc_state ^= llmcc_state >> 7;
    llmcc_state ^= llmcc_state << 17;
    return llmcc_state;
}
static void llmcc_random_bytes(void *p, size_t n) {
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)llmcc_next();
}
static const long long llmcc_interesting[] = {@INTERESTING@};
static const long long llmcc_compared[] = {@COMPARED@};
/* mostly a constant the function compares with, else any interesting one */
static long long llmcc_pick_compared(void) {
    uint64_t r = llmcc_next();
    if (@NCOMPARED@ > 0 && r % 4 != 0)
        return llmcc_compared[(r >> 8) % (sizeof llmcc_compared / sizeof *llmcc_compared)];
    return llmcc_interesting[(r >> 8) % (sizeof llmcc_interesting / sizeof *llmcc_interesting)];
}
/* a value whose sum with o, or difference from it, is a constant the function compares with */
static long long llmcc_related(long long o, uint64_t r) {
    uint64_t c = (uint64_t)llmcc_pick_compared(), u = (uint64_t)o;
    return (long long)(r % 4 < 2 ? c - u : r % 4 == 2 ? c + u : u - c);
}
/* the integer of size bytes at p */
static long long llmcc_load(const unsigned char *p, int size, int is_signed) {
    uint64_t u = 0;
    memcpy(&u, p, (size_t)size);
    if (size < 8 && is_signed && (u >> (size * 8 - 1)) & 1) u |= ~0ULL << (size * 8);
    return (long long)u;
}
static long long llmcc_pick_int(int size, int is_signed, int size_like, int cap) {
    static const long long special[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64};
    uint64_t r = llmcc_next();
    if (size_like && r % 4 != 0) return (long long)((r >> 8) % (uint64_t)(cap + 1));
    unsigned bits = (unsigned)size * 8;
    uint64_t mask = bits >= 64 ? ~0ULL : ((1ULL << bits) - 1);
    long long v;
    switch (r % 16) {
    case 0: v = special[(r >> 8) % (sizeof special / sizeof *special)]; break;
    case 1: v = is_signed ? -(long long)((r >> 8) % 70) : (long long)(mask); break;
    case 2: v = is_signed ? (long long)(mask >> 1) : 0; break;
    case 3: v = is_signed ? -(long long)(mask >> 1) - 1 : 1; break;
    case 4: case 5: case 6: case 7: /* where the function's own comparisons turn */
        v = llmcc_interesting[(r >> 8) % (sizeof llmcc_interesting
                                          / sizeof *llmcc_interesting)];
        break;
    case 8: case 9: case 10: v = (long long)((r >> 8) % 20) - 2; break;
    case 11: v = (long long)((r >> 8) % 80) - 8; break;
    default: {
        uint64_t u = (r >> 3) & mask;
        if (is_signed && bits < 64 && (u >> (bits - 1))) return (long long)(u | ~mask);
        return (long long)u;
    }
    }
    if (!is_signed && v < 0) v = (long long)((uint64_t)v & mask);
    return v;
}
/* the element values of a buffer: random bytes, or small integers (sorted, equal or not)
   of the element's kind: 1 integer, 2 float, 3 double */
static void llmcc_fill(unsigned char *b, size_t n, int elem, int kind) {
    llmcc_random_bytes(b, n);
    int mode = (int)(llmcc_next() % 8);
    if (kind == 0 || mode < 3 || elem == 0) return;
    size_t count = n / (size_t)elem;
    long long base = (long long)(llmcc_next() % 7), value = base;
    for (size_t i = 0; i < count; i++) {
        if (mode == 3 || mode == 4) value = (long long)(llmcc_next() % 10) - (mode == 4 ? 5 : 0);
        else if (mode == 5) value = base + (long long)i + (long long)(llmcc_next() % 2);
        else if (mode == 6) value = base;  /* 5 sorted, 6 all equal */
        else value = (long long)(llmcc_next() % 3);
        unsigned char *e = b + i * (size_t)elem;
        if (kind == 2 && elem == 4) { float f = (float)value; memcpy(e, &f, 4); }
        else if (kind == 3 && elem == 8) { double d = (double)value; memcpy(e, &d, 8); }
        else memcpy(e, &value, (size_t)elem < 8 ? (size_t)elem : 8);
    }
}
static void llmcc_fill_string(unsigned char *b, size_t n) {
    static const char *alphabets[] = {"0123456789", "ab", "abc 019-+xyzXYZ.,", 0};
    const char *alpha = alphabets[llmcc_next() % 4];
    size_t len = (size_t)(llmcc_next() % n);
    if (llmcc_next() % 4 == 0) len = (size_t)(llmcc_next() % 4);
    for (size_t i = 0; i < len; i++)
        b[i] = alpha ? (unsigned char)alpha[llmcc_next() % strlen(alpha)]
                     : (unsigned char)(' ' + llmcc_next() % 95);
    if (llmcc_next() % 4 == 0)  /* a palindrome */
        for (size_t i = 0; i < len / 2; i++) b[len - 1 - i] = b[i];
    b[len] = 0;
}
static long long llmcc_pick_char(void) {
    static const char common[] = "ab019 -+.xXzZ";
    uint64_t r = llmcc_next();
    return r % 2 ? (long long)common[(r >> 8) % (sizeof common - 1)] : (long long)(r >> 8) % 256;
}
static double llmcc_pick_double(void) {
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-310, 1e300, -3.25,
                                     1.0 / 0.0, -1.0 / 0.0};
    uint64_t r = llmcc_next();
    if (r % 4 == 0) return special[(r >> 8) % (sizeof special / sizeof *special)];
    return ((double)(int64_t)(r >> 11) / (double)(1LL << 40)) * ((r & 1) ? -1.0 : 1.0);
}
/* how many elements (of elem bytes) apart two overlapping buffers start: a few, or about
   a vector's width */
static size_t llmcc_overlap(size_t elem) {
    uint64_t r = llmcc_next();
    size_t k = 1 + r % 8;
    if ((r >> 8) % 3 == 0) {
        size_t width = (size_t)16 << ((r >> 16) % 3);  /* 16, 32 or 64 bytes */
        k = width / elem + (r >> 24) % 3;
        k = k > 1 ? k - 1 : 1;
    }
    return k < @CAPACITY@ / 2 ? k : @CAPACITY@ / 2;
}
/* a buffer of n bytes against a PROT_NONE page: at its end on even tests, at its start on
   odd ones, so a read or write one byte outside faults */
static unsigned char *llmcc_guarded(size_t n, int test, int string, int elem, int kind) {
    long page = sysconf(_SC_PAGESIZE);
    size_t span = (n + (size_t)page - 1) / (size_t)page * (size_t)page;
    unsigned char *m = mmap(0, span + 2 * (size_t)page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(3); }
    mprotect(m, (size_t)page, PROT_NONE);
    mprotect(m + page + span, (size_t)page, PROT_NONE);
    unsigned char *b = (test % 2 == 0) ? m + page + span - n : m + page;
    llmcc_fill(b, n, elem, kind);
    if (string) llmcc_fill_string(b, n);
    return b;
}
/* an input id with this bit makes test (id without it) with every string left in place */
#define LLMCC_STRINGS_IN_PLACE @IN_PLACE@
static int llmcc_in_place;  /* the id being made has LLMCC_STRINGS_IN_PLACE */
static int llmcc_moved;  /* strings the id being made moved to their guard page */
/* On a share of the even tests (the buffer lies against the PROT_NONE page after it, and
   no other buffer overlaps it: see _alias) a string moves to the end of its buffer, so its
   NUL is the last readable byte and reading one byte past it faults. gcc's and glibc's
   code reads in aligned blocks, which never cross a page, so a baseline does not. A string
   the function may write (not const) may be a destination, left no room there: it moves
   on fewer tests. Returns where the string starts now. */
static void *llmcc_string_at_end(unsigned char *buf, size_t len, void *p, int test,
                                 int writable) {
    int share = writable ? test % 4 == 2 : test % 4 == 2 || test % 8 == 4;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (!share || llmcc_in_place || p != buf || (uintptr_t)(buf + len) % page) return p;
    size_t l = strnlen((const char *)buf, len);
    if (l >= len) return p;
    llmcc_moved++;
    return memmove(buf + len - 1 - l, buf, l + 1);
}

struct out { size_t len; unsigned char bytes[1 << 20]; };
static void llmcc_out_bytes(struct out *o, const void *p, size_t n) {
    if (o->len + n > sizeof o->bytes) n = sizeof o->bytes - o->len;
    memcpy(o->bytes + o->len, p, n);
    o->len += n;
}
static void llmcc_out_bits(struct out *o, const unsigned char *p, int first, int width) {
    for (int i = 0; i < width; i++) {
        unsigned char bit = (p[(first + i) / 8] >> ((first + i) % 8)) & 1;
        llmcc_out_bytes(o, &bit, 1);
    }
}
/* the bytes between a section's __start_ and __stop_ symbols (none: the section is absent) */
static void llmcc_out_section(struct out *o, const char *start, const char *stop) {
    if (start) llmcc_out_bytes(o, start, (size_t)(stop - start));
}
static void llmcc_out_globals(struct out *o) {
    llmcc_out_section(o, __start_llmcc_tu_data, __stop_llmcc_tu_data);
    llmcc_out_section(o, __start_llmcc_tu_bss, __stop_llmcc_tu_bss);
    llmcc_out_section(o, __start_llmcc_prog_data, __stop_llmcc_prog_data);
    llmcc_out_section(o, __start_llmcc_prog_bss, __stop_llmcc_prog_bss);
}

/* the verifier's children compute only: see llmcc/verify/sandbox.py */
@SANDBOX@
