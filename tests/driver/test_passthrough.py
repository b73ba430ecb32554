"""Invocations llmcc must hand to gcc untouched: same arguments, so the same bytes everywhere.

Each check runs the *same* command line under gcc and llmcc. Where the
invocation has a speed -O level, the kernel's -O2 and -O3 code differ, so an
output equal to gcc's proves llmcc did not quietly raise the level.
"""

from __future__ import annotations

import os
import stat

import pytest
from difftools import GCC

ASM_S = """\
    .text
    .globl answer
    .type answer, @function
answer:
    movl $42, %eax
    ret
    .size answer, .-answer
    .section .note.GNU-stack,"",@progbits
"""

ASM_CPP_S = """\
#define VALUE 7
    .text
    .globl seven
seven:
    movl $VALUE, %eax
    ret
    .section .note.GNU-stack,"",@progbits
"""

CXX = """\
template <typename T> T twice(T x) { return x + x; }
int use(int v) { return twice(v); }
"""


@pytest.mark.parametrize("args, outcome", [
    (["-O2", "-E", "kernel.c"], "not_compiling"),
    (["-O2", "-E", "kernel.c", "-o", "kernel.i"], "not_compiling"),
    (["-O2", "-S", "kernel.c"], "not_compiling"),
    (["-O2", "-S", "kernel.c", "-o", "k.s"], "not_compiling"),
    (["-O2", "-M", "kernel.c"], "not_compiling"),
    (["-O2", "-MM", "kernel.c"], "not_compiling"),
    (["-O2", "-M", "-MF", "deps.d", "kernel.c"], "not_compiling"),
    (["-O2", "-fsyntax-only", "kernel.c"], "not_compiling"),
    (["-O2", "-S", "kernel.c", "-o", "-"], "not_compiling"),
    (["-O2", "-c", "kernel.c", "-o", "-"], "output_to_stdout"),
], ids=["E", "E-o", "S", "S-o", "M", "MM", "M-MF", "fsyntax-only", "S-stdout", "c-stdout"])
def test_not_compiling_to_an_object_passes_through(project, args, outcome):
    project.check(args)
    assert project.outcomes() == [outcome]


@pytest.mark.parametrize("args, outcome", [
    (["-c", "kernel.c"], "no_speed_opt"),
    (["-O0", "-c", "kernel.c"], "no_speed_opt"),
    (["-Os", "-c", "kernel.c"], "no_speed_opt"),
    (["-Oz", "-c", "kernel.c"], "no_speed_opt"),
    (["-Og", "-c", "kernel.c"], "no_speed_opt"),
    (["-O3", "-O0", "-c", "kernel.c"], "no_speed_opt"),
    (["kernel.c", "main.c", "-o", "prog"], "no_speed_opt"),
], ids=["none", "O0", "Os", "Oz", "Og", "O3-then-O0", "link-no-O"])
def test_no_speed_level_passes_through(project, args, outcome):
    project.check(args)
    assert project.outcomes() == [outcome]


def test_stdin_source_passes_through(project):
    source = (project.gcc / "kernel.c").read_bytes()
    project.check(["-O2", "-x", "c", "-", "-c", "-o", "stdin.o"], stdin=source)
    project.check(["-O2", "-x", "c", "-E", "-"], stdin=source)
    assert project.outcomes() == ["stdin_input", "not_compiling"]


@pytest.mark.parametrize("query", [
    ["--version"], ["-dumpversion"], ["-dumpfullversion"], ["-dumpmachine"],
    ["-print-search-dirs"], ["-print-prog-name=as"], ["-print-file-name=libc.so"],
    ["-print-multiarch"], ["-print-libgcc-file-name"], ["--help=warnings"],
    ["-Q", "--help=optimizers", "-O2"], ["-dumpspecs"], ["--target-help"],
])
def test_queries_pass_through(diff, query):
    diff.check(query)
    assert diff.outcomes() == ["query"]


def test_version_output_equals_gccs(diff):
    _ref, new = diff.check(["--version"])
    assert new.stdout.startswith(b"gcc (")
    assert new.returncode == 0


@pytest.mark.parametrize("query", [["-v"], ["-###", "-O2", "-c", "kernel.c"]])
def test_verbose_queries_differ_only_in_collect_gcc(project, query):
    """Known, deliberate difference: llmcc runs gcc by its full path, so gcc reports
    COLLECT_GCC=/usr/bin/gcc where a bare `gcc` reports COLLECT_GCC=gcc. Running it
    by the bare name would make gcc locate its install through PATH, which under a
    masquerade link finds llmcc's folder. gcc's own temp names (-###) are random."""
    mask = project.temp_names
    ref = project.run_gcc(query)
    new = project.run_llmcc(query)
    assert new.returncode == ref.returncode == 0
    assert new.stdout == ref.stdout
    collect = f"COLLECT_GCC={GCC}\n".encode()
    assert mask.sub(b"<TMP>", new.stderr) == mask.sub(b"<TMP>", ref.stderr).replace(
        b"COLLECT_GCC=gcc\n", collect)
    assert project.outcomes() == ["query"]


def test_no_arguments_is_gccs_fatal_error(diff):
    """`llmcc` alone prints llmcc's usage; `llmcc gcc` alone is gcc's 'no input files'."""
    ref = diff.run_gcc([])
    new = diff.run_llmcc(["gcc"])
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert diff.outcomes() == ["no_input"]


@pytest.mark.parametrize("name, text", [("answer.s", ASM_S), ("seven.S", ASM_CPP_S)])
def test_assembly_inputs_pass_through(diff, name, text):
    diff.write({name: text})
    diff.check(["-O2", "-c", name])
    diff.check(["-O2", "-c", name, "-o", "explicit.o"])
    assert diff.outcomes() == ["non_c_input", "non_c_input"]


def test_assembler_language_option_passes_through(diff):
    diff.write({"raw.txt": ASM_S})
    diff.check(["-O2", "-x", "assembler", "-c", "raw.txt", "-o", "raw.o"])
    assert diff.outcomes() == ["non_c_input"]


def test_cplusplus_inputs_pass_through(diff):
    diff.write({"t.cpp": CXX, "t.txt": CXX})
    diff.check(["-O2", "-c", "t.cpp"])
    diff.check(["-O2", "-x", "c++", "-c", "t.txt", "-o", "t2.o"])
    assert diff.outcomes() == ["non_c_input", "non_c_input"]


def test_mixed_c_and_assembly_link_passes_through(project):
    project.write({"answer.s": ASM_S})
    project.check(["-O2", "kernel.c", "main.c", "answer.s", "-o", "prog"])
    assert project.outcomes() == ["non_c_input"]


def test_lto_compile_and_link_pass_through(project):
    # -frandom-seed makes gcc's LTO section names reproducible
    seed = ["-frandom-seed=llmcc"]
    project.check(["-O2", "-flto", *seed, "-c", "kernel.c"])
    project.check(["-O2", "-flto=auto", *seed, "-c", "main.c"])
    project.check(["-O2", "-flto", *seed, "kernel.o", "main.o", "-o", "prog"])
    project.check(["-O2", "-flto", *seed, "kernel.c", "main.c", "-o", "prog2"])
    assert project.outcomes() == ["lto", "lto", "lto", "lto"]


def test_coverage_passes_through(project):
    # .gcno files carry a time stamp, so only names, modes and exit codes compare
    ref = project.run_gcc(["-O2", "--coverage", "-c", "kernel.c", "-o", "cov.o"])
    new = project.run_llmcc(["-O2", "--coverage", "-c", "kernel.c", "-o", "cov.o"])
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert project.tree(project.llm) == project.tree(project.gcc)
    assert (project.llm / "cov.gcno").is_file()
    assert project.outcomes() == ["unsupported_option"]


@pytest.mark.parametrize("option", [["-save-temps"], ["-save-temps=obj"], ["-fstack-usage"],
                                    ["-fdump-tree-optimized"], ["-fcallgraph-info"],
                                    ["-frecord-gcc-switches"], ["-fsave-optimization-record"]])
def test_options_with_side_files_pass_through(project, option):
    """Side files gcc names after the output (kernel.su, k.c.opt-record.json.gz, ...):
    llmcc's compile to a temporary .s would name them differently, or lose them."""
    project.mkdir("obj")
    # the optimization record is gzip with a time stamp: compare names, modes, results
    timed = [p for p in ("kernel.c.opt-record.json.gz", "obj/k.c.opt-record.json.gz")
             if option == ["-fsave-optimization-record"]]
    project.check(["-O2", *option, "-c", "kernel.c"], ignore=timed)
    project.check(["-O2", *option, "-c", "kernel.c", "-o", "obj/k.o"], ignore=timed)
    assert project.tree(project.llm) == project.tree(project.gcc)
    assert project.outcomes() == ["unsupported_option"] * 2


def test_32bit_target_passes_through(project):
    # the object may not be buildable without 32-bit libraries; either way gcc decides
    project.check(["-O2", "-m32", "-c", "kernel.c"])
    assert project.outcomes() == ["unsupported_target"]


@pytest.mark.parametrize("name", ["conftest.c", "CMakeCCompilerId.c", "CheckSymbolExists.c"])
def test_build_probe_passes_through(project, name):
    project.write({name: (project.gcc / "kernel.c").read_text()})
    project.check(["-O2", "-c", name])
    project.check(["-O2", name, "main.c", "-o", "conftest"])
    assert project.outcomes() == ["build_probe", "build_probe"]


def test_cmake_try_compile_directory_passes_through(project):
    project.write({"CMakeFiles/CMakeScratch/TryCompile-abc/probe.c": "int probe;\n"})
    project.check(["-O2", "-c", "CMakeFiles/CMakeScratch/TryCompile-abc/probe.c"])
    assert project.outcomes() == ["build_probe"]


def test_link_only_passes_through(project):
    for side in (project.gcc, project.llm):
        assert side.run([GCC, "-O3", "-c", "kernel.c", "main.c"]).returncode == 0
    project.check(["-O2", "kernel.o", "main.o", "-o", "prog"])
    assert project.outcomes() == ["link_only"]


def test_missing_input_is_gccs_error(project):
    _ref, new = project.check(["-O2", "-c", "nope.c"])
    assert new.returncode == 1 and b"nope.c" in new.stderr
    project.check(["-O2", "-c", "kernel.c", "nope.c"])
    assert project.outcomes() == ["missing_input", "missing_input"]


def test_two_output_options_are_gccs_business(project):
    project.check(["-O2", "-c", "kernel.c", "-o", "a.o", "-o", "b.o"])
    project.check(["-O2", "-c", "kernel.c", "-oa.o", "-ob.o"])
    project.check(["-O2", "kernel.c", "main.c", "-o", "p1", "-o", "p2"])
    assert project.outcomes() == ["gcc_would_fail"] * 3


def test_output_option_without_value_is_gccs_error(project):
    _, new = project.check(["-O2", "-c", "kernel.c", "-o"])
    assert new.returncode == 1
    assert project.outcomes() == ["gcc_would_fail"]


def test_c_header_input_passes_through(project):
    # a precompiled header holds pointers that vary run to run: compare names and modes
    project.check(["-O2", "-c", "kernel.h"], ignore=["kernel.h.gch"])
    project.check(["-O2", "-x", "c-header", "kernel.h", "-o", "k.gch"],
                  ignore=["kernel.h.gch", "k.gch"])
    assert project.tree(project.llm) == project.tree(project.gcc)
    assert project.outcomes() == ["non_c_input", "non_c_input"]


def test_two_outputs_with_c_and_several_sources_is_gccs_error(project):
    _, new = project.check(["-O2", "-c", "kernel.c", "main.c", "-o", "x.o"])
    assert new.returncode == 1
    assert project.outcomes() == ["gcc_would_fail"]


def test_symlink_to_dev_null_output_passes_through(project):
    for side in (project.gcc, project.llm):
        os.symlink("/dev/null", side / "sink.o")
    project.check(["-O2", "-c", "kernel.c", "-o", "sink.o"])
    assert os.readlink(project.llm / "sink.o") == "/dev/null"
    assert project.outcomes() == ["special_output"]


@pytest.fixture
def dev_null_guard():
    """Put /dev/null back if a regression ever replaced it (the suite may run as root)."""
    yield
    st = os.lstat("/dev/null")
    if not stat.S_ISCHR(st.st_mode):
        os.remove("/dev/null")
        os.mknod("/dev/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)
        pytest.fail("/dev/null was replaced by a regular file (restored)")


def test_dev_null_output_passes_through_and_stays_a_device(project, dev_null_guard):
    before = os.lstat("/dev/null")
    project.check(["-O2", "-c", "kernel.c", "-o", "/dev/null"])
    project.check(["-O2", "kernel.c", "main.c", "-o", "/dev/null"])
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert project.outcomes() == ["special_output", "special_output"]
