/* the sandbox: see llmcc/verify/sandbox.py (a template: c_function fills the names between
   at signs) */
static void __attribute__((unused)) @NAME@(void) {
    unsigned pid = (unsigned)getpid(), tid = (unsigned)syscall(SYS_gettid);
    struct sock_filter filter[] = {
@FILTER@
    };
    struct sock_fprog prog = {(unsigned short)(sizeof filter / sizeof *filter), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
        _exit(@FAILED_EXIT@);
}
