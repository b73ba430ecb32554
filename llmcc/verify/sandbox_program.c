/* A program answer's sandbox, linked into the program ahead of its own code: see
   program_source in llmcc/verify/sandbox.py, which fills the name between at signs */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
@SANDBOX@
/* the first entry of the executable's .preinit_array, as this object is linked first */
static void (*const llmcc_sandbox_entry)(void)
    __attribute__((section(".preinit_array"), used)) = llmcc_sandbox;
