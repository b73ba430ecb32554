/* The timing harness's main (see llmcc/timing/harness.py): a measuring child under the
   TIMING sandbox and a parent that talks to the timer. A template: llmcc/timing/harness.py
   fills the names between at signs. */
#include <time.h>
#include <linux/futex.h>
typedef __typeof__(@FN@) llmcc_fn;
static llmcc_fn *const llmcc_versions[2][@NOFF@] = {@VERSIONS@};
static const int llmcc_offsets[@NOFF@] = {@OFFSETS@};

struct input { struct inputs in; int test;@MEMBERS@ };
static unsigned char *llmcc_data_copy, *llmcc_bss_copy;
static size_t llmcc_data_len, llmcc_bss_len;
/* the writable data of the project's objects and stand-ins linked in (verify/harness/link.py),
   kept and put back like the unit's */
struct llmcc_kept { char *start; size_t len; unsigned char *copy; };
static struct llmcc_kept llmcc_prog[2];
static void llmcc_keep(struct llmcc_kept *k, char *start, char *stop) {
    k->start = start;
    k->len = start ? (size_t)(stop - start) : 0;
    k->copy = malloc(k->len + 1);
    if (k->len) memcpy(k->copy, start, k->len);
}

static void llmcc_save(struct input *x) {
@SAVE@
}
static void llmcc_restore(struct input *x) {
@RESTORE@
    if (llmcc_data_len) memcpy(__start_llmcc_tu_data, llmcc_data_copy, llmcc_data_len);
    if (llmcc_bss_len) memcpy(__start_llmcc_tu_bss, llmcc_bss_copy, llmcc_bss_len);
    for (int k = 0; k < 2; k++)
        if (llmcc_prog[k].len) memcpy(llmcc_prog[k].start, llmcc_prog[k].copy, llmcc_prog[k].len);
}
static inline uint64_t llmcc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static __attribute__((noinline)) uint64_t llmcc_batch(llmcc_fn *fn, struct inputs *in,
                                                       long iters) {
    llmcc_restore((struct input *)in);
    __asm__ volatile("" ::: "memory");
    uint64_t t0 = llmcc_now();
    for (long k = 0; k < iters; k++) fn(@ARGS@);
    uint64_t t1 = llmcc_now();
    return t1 - t0;
}
static int llmcc_by_time(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The page the measuring child shares with the parent that talks to the timer: the cells,
   written before any candidate code has run and copied by the parent before it lets the
   child go on, then each round's batch times. */
#define LLMCC_MAX_CELLS (3 * @NOFF@)
struct llmcc_shared {
    unsigned cells_ready, cells_copied, request, done;
    int ncells, test[LLMCC_MAX_CELLS], offset[LLMCC_MAX_CELLS];
    long iters[LLMCC_MAX_CELLS];
    uint64_t row[2 * LLMCC_MAX_CELLS];
};
/* how often a waiting parent looks whether the child has died */
#define LLMCC_POLL_MS 20

static unsigned llmcc_get(unsigned *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }
static void llmcc_put(unsigned *word, unsigned value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE, 1, 0, 0, 0);
}
/* sleep while *word == seen (at most ms milliseconds; 0: no limit) */
static void llmcc_sleep(unsigned *word, unsigned seen, long ms) {
    struct timespec most = {ms / 1000, (ms % 1000) * 1000000L};
    syscall(SYS_futex, word, FUTEX_WAIT, seen, ms ? &most : 0, 0, 0);
}

/* the measuring child: picks the inputs to time, calibrates the cells, then runs one round
   each time the parent asks, after two rounds of warm-up */
static void llmcc_measure(struct llmcc_shared *sh, struct input *xs, int n, int want,
                          uint64_t target, long rounds) {
    /* the inputs to time: the slowest for the baseline, and ones at its median and 3/4 */
    uint64_t *cost = calloc((size_t)n, 2 * sizeof *cost);
    for (int i = 0; i < n; i++) {
        llmcc_batch(llmcc_versions[0][0], &xs[i].in, 1);
        uint64_t best = ~0ULL;
        for (int k = 0; k < 3; k++) {
            uint64_t t = llmcc_batch(llmcc_versions[0][0], &xs[i].in, 1);
            if (t < best) best = t;
        }
        cost[2 * i] = best;
        cost[2 * i + 1] = (uint64_t)i;
    }
    qsort(cost, (size_t)n, 2 * sizeof *cost, llmcc_by_time);
    int picked[3], npicked = 0;
    const double at[3] = {1.0, 0.5, 0.75};
    if (want > 3) want = 3;
    if (n <= want)
        for (int i = 0; i < n; i++) picked[npicked++] = i;
    for (int q = 0; q < 3 && n > want && npicked < want; q++) {
        int i = (int)cost[2 * (int)(at[q] * (n - 1) + 0.5) + 1], dup = 0;
        for (int j = 0; j < npicked; j++) dup |= picked[j] == i;
        if (!dup) picked[npicked++] = i;
    }
    for (int j = 1; j < npicked; j++)  /* in input order, so two processes list cells alike */
        for (int k = j; k > 0 && picked[k] < picked[k - 1]; k--) {
            int tmp = picked[k]; picked[k] = picked[k - 1]; picked[k - 1] = tmp;
        }

    int ncells = npicked * @NOFF@;
    long *iters = calloc((size_t)ncells, sizeof *iters);
    for (int c = 0; c < ncells; c++) {
        struct inputs *in = &xs[picked[c / @NOFF@]].in;
        llmcc_fn *a = llmcc_versions[0][c % @NOFF@];
        long k = 1;
        while (k < (1L << 24) && llmcc_batch(a, in, k) < target) k *= 2;
        iters[c] = k;
        sh->test[c] = xs[picked[c / @NOFF@]].test;
        sh->offset[c] = llmcc_offsets[c % @NOFF@];
        sh->iters[c] = k;
    }
    sh->ncells = ncells;
    llmcc_put(&sh->cells_ready, 1);
    while (!llmcc_get(&sh->cells_copied)) llmcc_sleep(&sh->cells_copied, 0, 0);
    uint64_t *t = calloc((size_t)ncells * 2, sizeof *t);
    for (long r = -2; r < rounds; r++) {  /* two rounds of warm-up */
        unsigned asked;  /* the timer paces rounds, alternating between processes */
        while (r >= 0 && (asked = llmcc_get(&sh->request)) <= (unsigned)r)
            llmcc_sleep(&sh->request, asked, 0);
        for (int c = 0; c < ncells; c++) {
            struct inputs *in = &xs[picked[c / @NOFF@]].in;
            int first = (int)(llmcc_next() & 1);
            for (int s = 0; s < 2; s++) {
                int v = s ^ first;
                t[2 * c + v] = llmcc_batch(llmcc_versions[v][c % @NOFF@], in, iters[c]);
            }
        }
        if (r < 0) continue;
        memcpy(sh->row, t, (size_t)ncells * 2 * sizeof *t);
        llmcc_put(&sh->done, (unsigned)r + 1);
    }
}

/* the timer stops a harness with SIGTERM: the child is killed and collected first, so it
   is never left to an init that may not collect it */
static pid_t llmcc_child;
static void llmcc_stop(int sig) {
    kill(llmcc_child, SIGKILL);
    waitpid(llmcc_child, 0, 0);
    signal(sig, SIG_DFL);
    raise(sig);
}
/* the parent ends the way its child did */
static void llmcc_end_like(int status) {
    fflush(stdout);
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
    }
    _exit(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 3);
}
/* the parent waits until the child has moved *word past after */
static void llmcc_await(unsigned *word, unsigned after, pid_t child) {
    unsigned seen;
    while ((seen = llmcc_get(word)) <= after) {
        llmcc_sleep(word, seen, LLMCC_POLL_MS);
        int status;
        if (waitpid(child, &status, WNOHANG) == child) llmcc_end_like(status);
    }
}

/* argv: order-seed target-ns max-rounds cpu-seconds inputs test...
   prints READY, CELLS n and n CELL lines, then one R line per byte read from stdin */
int main(int argc, char **argv) {
    if (argc < 7) { fputs("usage: harness SEED TARGET_NS ROUNDS CPU_S INPUTS TEST...\n", stderr);
                    return 2; }
    uint64_t target = strtoull(argv[2], 0, 10);
    long rounds = atol(argv[3]);
    int cpu = atoi(argv[4]), want = atoi(argv[5]), n = argc - 6;
    struct input *xs = calloc((size_t)n, sizeof *xs);
    for (int i = 0; i < n; i++) {
        xs[i].test = atoi(argv[6 + i]);
        llmcc_input(&xs[i].in, xs[i].test, 1);
        llmcc_save(&xs[i]);
    }
    if (__start_llmcc_tu_data) llmcc_data_len = (size_t)(__stop_llmcc_tu_data
                                                         - __start_llmcc_tu_data);
    if (__start_llmcc_tu_bss) llmcc_bss_len = (size_t)(__stop_llmcc_tu_bss
                                                       - __start_llmcc_tu_bss);
    llmcc_data_copy = malloc(llmcc_data_len + 1);
    llmcc_bss_copy = malloc(llmcc_bss_len + 1);
    if (llmcc_data_len) memcpy(llmcc_data_copy, __start_llmcc_tu_data, llmcc_data_len);
    if (llmcc_bss_len) memcpy(llmcc_bss_copy, __start_llmcc_tu_bss, llmcc_bss_len);
    llmcc_keep(&llmcc_prog[0], __start_llmcc_prog_data, __stop_llmcc_prog_data);
    llmcc_keep(&llmcc_prog[1], __start_llmcc_prog_bss, __stop_llmcc_prog_bss);
    llmcc_state = strtoull(argv[1], 0, 10) * 2654435761u + 7;  /* the order of A and B */
    printf("READY %d\n", n);
    fflush(stdout);
    struct rlimit lim = {(rlim_t)cpu, (rlim_t)cpu + 1};
    setrlimit(RLIMIT_CPU, &lim);
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    struct llmcc_shared *sh = mmap(0, sizeof *sh, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) { perror("mmap"); return 3; }
    pid_t parent = getpid(), child = fork();
    if (child < 0) { perror("fork"); return 3; }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  /* the timer kills the parent; the child goes too */
        if (getppid() != parent) _exit(3);
        alarm((unsigned)cpu * 2 + 2);
        llmcc_sandbox_timing();
        llmcc_measure(sh, xs, n, want, target, rounds);
        _exit(0);
    }
    llmcc_child = child;
    signal(SIGTERM, llmcc_stop);

    llmcc_await(&sh->cells_ready, 0, child);
    int ncells = sh->ncells;
    if (ncells <= 0 || ncells > LLMCC_MAX_CELLS) { kill(child, SIGKILL); return 3; }
    int test[LLMCC_MAX_CELLS], offset[LLMCC_MAX_CELLS];
    long iters[LLMCC_MAX_CELLS];
    memcpy(test, sh->test, sizeof test);
    memcpy(offset, sh->offset, sizeof offset);
    memcpy(iters, sh->iters, sizeof iters);
    llmcc_put(&sh->cells_copied, 1);
    printf("CELLS %d\n", ncells);
    for (int c = 0; c < ncells; c++)
        printf("CELL %d test=%d offset=%d iters=%ld\n", c, test[c], offset[c], iters[c]);
    fflush(stdout);
    uint64_t row[2 * LLMCC_MAX_CELLS];
    for (long r = 1; r <= rounds; r++) {
        char go;  /* one byte from the timer: one round */
        if (read(0, &go, 1) != 1) break;
        llmcc_put(&sh->request, (unsigned)r);
        llmcc_await(&sh->done, (unsigned)r - 1, child);
        memcpy(row, sh->row, sizeof row);
        printf("R %ld", r);
        for (int c = 0; c < 2 * ncells; c++) printf(" %llu", (unsigned long long)row[c]);
        fputc('\n', stdout);
        fflush(stdout);
    }
    kill(child, SIGKILL);
    waitpid(child, 0, 0);
    puts("END");
    return 0;
}
