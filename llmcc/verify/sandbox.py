"""The seccomp filter that every process running candidate code installs: one C text, with a
Policy per user (the verifier's children, the timer's measuring child, program answers). The C
is sandbox_filter.c and sandbox_program.c beside this file.

A sandboxed process may manage its anonymous memory, signal its own thread, read its
clock if the policy says so, use the file descriptors the policy names, and exit; any
other system call kills the whole process (SIGSYS), however it was reached: through the C
library, the unit's own code, or a ``syscall`` byte pair hidden inside another instruction
(no static check can see that one). Arguments are compared on their low 32 bits, the bits
the kernel reads for a file descriptor, a process id or ``prot``.

What no policy allows: opening, creating or mapping a file; ``clone``/``fork``/``execve``;
``kill``/``tkill``, and ``tgkill`` other than to the process's own thread (glibc's
``raise`` and ``abort`` send exactly that: ``tgkill(getpid(), gettid(), sig)``; the process
has no other thread, since ``clone`` is forbidden); ``mprotect`` and executable mappings
(no code written at run time); sockets, ``ptrace``, ``prctl``, ``personality``.
"""

from __future__ import annotations

from typing import NamedTuple

from llmcc.verify import templates

# exit status of a process whose filter could not be installed (kernel without seccomp)
SANDBOX_FAILED_EXIT = 4

# Allowed with any arguments: process exit, memory (malloc's brk, mremap, madvise and
# munmap; mmap is below), futexes (locks; the timer's child waits on one), getrandom
# (malloc seeds its tcache), sysinfo (glibc's qsort asks for the memory size before it
# sorts more than 1 KiB), signal masks and returns, and the ids raise() asks for.
ANY_ARGUMENTS = ("exit", "exit_group", "rt_sigreturn", "brk", "munmap", "mremap", "madvise",
                 "futex", "getrandom", "sysinfo", "rt_sigprocmask", "getpid", "gettid")

# a test on one argument: (index, "eq" | "clear", C expression); "eq": its low 32 bits
# equal the value; "clear": none of the value's bits is set in them
Check = tuple[int, str, str]


class Policy(NamedTuple):
    """What a sandboxed process may do beyond what every one may (see the module doc)."""

    reads: tuple[int, ...] = ()  # file descriptors read(2) may use
    writes: tuple[int, ...] = ()  # file descriptors write(2) may use
    clock: bool = False  # clock_gettime and gettimeofday (the vDSO answers most clocks)
    # system calls that fail with EPERM instead of killing: library calls whose failure
    # the library handles (stdio's fstat of its descriptor picks a buffer size, and a
    # path argument cannot be checked by a filter, so newfstatat cannot be allowed; at
    # exit stdio seeks stdin back over what it read ahead; isatty asks an ioctl)
    refused: tuple[str, ...] = ()


# the verifier's children: compute only; results go back through shared memory
VERIFY = Policy()
# the timer's measuring child: computes and reads the clock; it writes nothing at all
TIMING = Policy(clock=True)
# a program answer: a stdin -> stdout program (stderr too)
PROGRAM = Policy(reads=(0,), writes=(1, 2), clock=True,
                 refused=("newfstatat", "fstat", "lseek", "ioctl"))

_KILL = "SECCOMP_RET_KILL_PROCESS"
_ALLOW = "SECCOMP_RET_ALLOW"
_EPERM = "SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)"
_LOAD = "BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, {}))"


def _rules(policy: Policy) -> list[tuple[str, list[list[Check]] | None, str]]:
    """(system call, alternatives each a list of checks that must all hold, or None for any
    arguments, action) in the order the filter tests them."""
    rules: list[tuple[str, list[list[Check]] | None, str]] = []
    if policy.reads:
        rules.append(("read", [[(0, "eq", str(fd))] for fd in policy.reads], _ALLOW))
    if policy.writes:
        rules.append(("write", [[(0, "eq", str(fd))] for fd in policy.writes], _ALLOW))
    if policy.clock:
        rules += [("clock_gettime", None, _ALLOW), ("gettimeofday", None, _ALLOW)]
    # anonymous memory only (fd -1), never executable
    rules.append(("mmap", [[(2, "clear", "PROT_EXEC"), (4, "eq", "0xffffffffu")]], _ALLOW))
    rules += [(name, None, _ALLOW) for name in ANY_ARGUMENTS]
    rules.append(("tgkill", [[(0, "eq", "pid"), (1, "eq", "tid")]], _ALLOW))
    rules += [(name, None, _EPERM) for name in policy.refused]
    return rules


def _jump(test: str, value: str, jt: int, jf: int) -> str:
    assert 0 <= jt < 256 and 0 <= jf < 256, "a BPF jump reaches 255 instructions at most"
    return f"BPF_JUMP(BPF_JMP | {test} | BPF_K, {value}, {jt}, {jf})"


def _ret(action: str) -> str:
    return f"BPF_STMT(BPF_RET | BPF_K, {action})"


def _block(name: str, alternatives: list[list[Check]] | None, action: str) -> list[str]:
    """Instructions for one rule, entered with the system call number loaded; every path
    into its body returns, so the next rule still finds the number loaded."""
    if alternatives is None:
        return [_jump("BPF_JEQ", f"SYS_{name}", 0, 1), _ret(action)]
    body: list[str] = []
    for checks in alternatives:
        size = 2 * len(checks) + 1  # a load and a test per check, then the action
        for k, (arg, test, value) in enumerate(checks):
            fail = size - 2 * k - 2  # from this test to the next alternative
            body.append(_LOAD.format(f"args[{arg}]"))  # the low half (little endian)
            body.append(_jump("BPF_JEQ", value, 0, fail) if test == "eq"
                        else _jump("BPF_JSET", value, fail, 0))
        body.append(_ret(action))
    body.append(_ret(_KILL))
    return [_jump("BPF_JEQ", f"SYS_{name}", 0, len(body)), *body]


def c_function(policy: Policy, name: str) -> str:
    """C text of ``static void name(void)``, which installs ``policy`` for the calling
    process (its own pid and thread id are read then), or exits with SANDBOX_FAILED_EXIT.
    Needs the headers sandbox_program.c includes (the harnesses' preludes include them)."""
    program = [_LOAD.format("arch"), _jump("BPF_JEQ", "AUDIT_ARCH_X86_64", 1, 0), _ret(_KILL),
               _LOAD.format("nr")]
    for rule in _rules(policy):
        program += _block(*rule)
    program.append(_ret(_KILL))
    listing = ",\n".join("        " + ins for ins in program)
    return templates.load("llmcc.verify", "sandbox_filter.c").fill(
        NAME=name, FILTER=listing, FAILED_EXIT=SANDBOX_FAILED_EXIT)


def program_source() -> str:
    """A C file that, linked into a program ahead of the program's own code, installs the
    PROGRAM policy before ``main``.

    It runs as the executable's first preinit function: after the dynamic loader has
    opened and mapped the libraries (which needs open and executable mappings the filter
    forbids) and before the program's own initializers and ``main``. Launching the
    program under a filter instead would have to allow the loader's open and mmap of
    files to the program as well. Code that runs earlier still (the loader's IFUNC
    resolvers) is a static check's business: a program answer may not bring its own."""
    return templates.load("llmcc.verify", "sandbox_program.c").fill(
        SANDBOX=c_function(PROGRAM, "llmcc_sandbox"))
