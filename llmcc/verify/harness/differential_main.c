/* The differential harness's main: each input through the baseline and the candidate in
   forked children, and its report (COUNTS, COUNTEREXAMPLE, VALID lines: decoded by
   llmcc/verify/harness/report.py). A template: llmcc/verify/harness/differential.py fills
   the names between at signs. */
/* the parts of the unit's writable data that hold no address (FIELDS_SECTION) */
struct llmcc_field { unsigned char *start, *end; long long unit; };
extern struct llmcc_field __start_llmcc_tu_fields[] __attribute__((weak));
extern struct llmcc_field __stop_llmcc_tu_fields[] __attribute__((weak));
#define LLMCC_FIELD_VALUES 1024  /* values set per field, at most */
static unsigned char *llmcc_fields_copy;

static size_t llmcc_field_bytes(struct llmcc_field *f) {
    size_t n = (size_t)(f->end - f->start), most = (size_t)f->unit * LLMCC_FIELD_VALUES;
    return n < most ? n : most;
}
/* keep the unit's initial values, and put them back */
static void llmcc_globals(int restore) {
    size_t total = 0;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++)
        total += llmcc_field_bytes(f);
    if (!restore) llmcc_fields_copy = malloc(total + 1);
    unsigned char *at = llmcc_fields_copy;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++) {
        size_t n = llmcc_field_bytes(f);
        if (restore) memcpy(f->start, at, n);
        else memcpy(at, f->start, n);
        at += n;
    }
}
/* start a call from other global state than the unit's initial one (a function may take a
   path only when its globals are not all zero): most fields get values near their initial
   ones, small ones or the function's interesting constants. Never a small negative one: a
   field may hold floats, and those bits are NaNs, whose payload correct code may pass on
   from either operand. 1 if any changed */
static int llmcc_set_globals(void) {
    int changed = 0;
    for (struct llmcc_field *f = __start_llmcc_tu_fields; f && f < __stop_llmcc_tu_fields; f++) {
        if (llmcc_next() % 4 == 0) continue;  /* this one keeps its value */
        size_t unit = (size_t)f->unit, n = llmcc_field_bytes(f) / unit;
        for (size_t k = 0; k < n; k++) {
            uint64_t r = llmcc_next(), v = 0, d = (r >> 8) % 5;
            long long c = llmcc_interesting[(r >> 16) % (sizeof llmcc_interesting
                                                         / sizeof *llmcc_interesting)];
            memcpy(&v, f->start + k * unit, unit);
            if (r % 8 < 3) v = v >= 2 ? v + d - 2 : v + 1 + d % 3;  /* near the initial value */
            else if (r % 8 == 7 && c >= 0 && c < 1 << 30) v = (uint64_t)c;
            else v = 1 + d * 2 + (r >> 24) % 2;  /* 1 to 10 (a field left alone keeps a 0) */
            memcpy(f->start + k * unit, &v, unit);
            changed = 1;
        }
    }
    return changed;
}

/* a stand-in for an external function the harness could not link (link.py) calls this with
   its number: the call ends, and the parent learns which stand-in it reached */
static volatile int *llmcc_reached;
#define LLMCC_STANDINS 256  /* stand-ins counted one by one; later ones with the last */
void llmcc_standin_reached(int k) {
    if (llmcc_reached) *llmcc_reached = 1 + (k >= 0 && k < LLMCC_STANDINS - 1 ? k
                                                  : LLMCC_STANDINS - 1);
    _exit(@STANDIN_EXIT@);
}

static uint64_t llmcc_wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* 0 ran, 1 crashed or was killed, 2 timed out, 3 reached a stand-in (*llmcc_reached says
   which), 64+ broke the ABI (LLMCC_SCRATCH_EXIT+: changed a register callers in the unit
   rely on); *took_us: wall time */
static int llmcc_run_child(int cand, struct inputs *in, struct out *o, uint64_t limit_us,
                           uint64_t *took_us) {
    o->len = 0;
    *llmcc_reached = 0;
    uint64_t start = llmcc_wall_us();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(3); }
    if (pid == 0) {
        struct rlimit cpu = {@TIMEOUT@, @TIMEOUT@ + 1};
        setrlimit(RLIMIT_CPU, &cpu);
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        setrlimit(RLIMIT_FSIZE, &none);
        struct rlimit memory = {(rlim_t)@MEMORY_MB@ << 20, (rlim_t)@MEMORY_MB@ << 20};
        setrlimit(RLIMIT_AS, &memory);
        struct itimerval wall = {{0, 0}, {(time_t)(limit_us / 1000000u),
                                          (suseconds_t)(limit_us % 1000000u)}};
        setitimer(ITIMER_REAL, &wall, 0);
        llmcc_sandbox();
        llmcc_call(cand, in, o);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {}
    *took_us = llmcc_wall_us() - start;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == @STANDIN_EXIT@ && *llmcc_reached) return 3;
    if (WIFEXITED(status) && WEXITSTATUS(status) >= 64) return WEXITSTATUS(status);
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGALRM))
        return 2;
    return 1;
}

int main(int argc, char **argv) {
    int tests = argc > 1 ? atoi(argv[1]) : @TESTS@;
    uint64_t seed = argc > 2 ? strtoull(argv[2], 0, 10) : 1;
    struct out *a = mmap(0, sizeof *a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct out *b = mmap(0, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    llmcc_reached = mmap(0, sizeof *llmcc_reached, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    /* why inputs were not valid: the baseline crashed, timed out, reached a stand-in */
    int crashed = 0, timed_out = 0, stand_in = 0;
    static int reached[LLMCC_STANDINS];
    llmcc_frame_guard = LLMCC_NO_STACK_ARGS;
    llmcc_garble = LLMCC_GARBLE;
    int valid = 0, failed = 0, run = 0, listed = 0, globals = 0;
    int *valid_tests = calloc((size_t)tests + 1, sizeof *valid_tests);
    llmcc_globals(0);
    for (int t = 0; t < tests; t++) {
        struct inputs in;
        if (globals) llmcc_globals(1);
        llmcc_input(&in, t, seed);
        /* every fourth test starts both calls from other values of the unit's globals */
        globals = t % 4 == 2 && llmcc_set_globals();
        run++;
        uint64_t base_us, cand_us;
        int id = t, base = llmcc_run_child(0, &in, a, @TIMEOUT@ * 3000000u, &base_us);
        if (base == 1 && llmcc_moved) {
            /* the baseline reads past a string that ends at its guard page: to the function
               it is no string (a buffer of a given size, or one it writes): the same input
               with the strings left where they were */
            id = t | LLMCC_STRINGS_IN_PLACE;
            llmcc_input(&in, id, seed);
            base = llmcc_run_child(0, &in, a, @TIMEOUT@ * 3000000u, &base_us);
        }
        /* not a valid input: the baseline itself fails on it, or nearly runs out of time */
        if (base == 3) { stand_in++; reached[*llmcc_reached - 1]++; }
        else if (base == 2 || (base == 0 && base_us > @SLOW_US@)) timed_out++;
        else if (base != 0) crashed++;
        if (base != 0 || base_us > @SLOW_US@) continue;
        valid++;
        if (!globals) valid_tests[listed++] = id;  /* the timer's inputs keep the globals */
        /* the candidate gets many times the baseline's time on this input, and at least
           enough to start a process on a busy machine */
        uint64_t limit = base_us * @SLACK@;
        if (limit < @FLOOR_US@) limit = @FLOOR_US@;
        if (limit > @TIMEOUT@ * 3000000u) limit = @TIMEOUT@ * 3000000u;
        int cand = llmcc_run_child(1, &in, b, limit, &cand_us);
        const char *what = 0, *kind = "mismatch";  /* kind: the parent's COUNTEREXAMPLE_KINDS */
        static char abi[240];
        if (cand >= LLMCC_SCRATCH_EXIT) {
            snprintf(abi, sizeof abi, "candidate breaks the calling convention: changes %s, "
                     "which callers in this unit may keep live across the call (-fipa-ra): "
                     "the baseline leaves it alone",
                     llmcc_scratch_names[cand - LLMCC_SCRATCH_EXIT]);
            what = abi, kind = "abi";
        } else if (cand >= 64) {
            int bad = cand - 64;
            snprintf(abi, sizeof abi, "candidate breaks the calling convention:%s%s%s%s%s",
                     bad & 1 ? " callee-saved register changed" : "",
                     bad & 2 ? " stack pointer not restored" : "",
                     bad & 4 ? " direction flag left set" : "",
                     bad & 8 ? " MXCSR changed" : "", bad & 16 ? " x87 control word changed" : "");
            what = abi, kind = "abi";
        } else if (cand == 3) {
            printf("CANDIDATE_REACHED %d\n", *llmcc_reached - 1);
            what = "candidate calls an external function (a stand-in) the baseline does not "
                   "call on this input", kind = "standin";
        } else if (cand == 2) what = "candidate timed out", kind = "timeout";
        else if (cand == 1) what = "candidate crashed", kind = "crash";
        else if (a->len && b->len && (b->bytes[0] & ~a->bytes[0]))
            what = "candidate breaks the calling convention: writes stack memory outside "
                   "its frame", kind = "abi";
        else if (a->len != b->len || memcmp(a->bytes + 1, b->bytes + 1, a->len - 1) != 0)
            what = "outputs differ";  /* byte 0: stack bits, which calls make legitimate */
        if (what) {
            failed++;
            size_t at = 0;
            while (at < a->len && at < b->len && a->bytes[at] == b->bytes[at]) at++;
            printf("COUNTEREXAMPLE %s test %d: %s (first differing output byte %zu): %s", kind,
                   t, what, at, globals ? "[the unit's globals set to other values] " : "");
            llmcc_describe(&in);
            break;
        }
    }
    printf("COUNTS run=%d valid=%d failed=%d crashed=%d timed_out=%d stand_in=%d\n", run, valid,
           failed, crashed, timed_out, stand_in);
    for (int k = 0; k < LLMCC_STANDINS; k++)
        if (reached[k]) printf("REACHED %d %d\n", k, reached[k]);
    if (!failed) {
        fputs("VALID", stdout);
        for (int i = 0; i < listed; i++) printf(" %d", valid_tests[i]);
        fputc('\n', stdout);
    }
    return 0;
}
