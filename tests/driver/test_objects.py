"""Invocations llmcc builds itself: the object (or program) must be gcc -O3's, byte for byte."""

from __future__ import annotations

import os

import pytest
from difftools import GCC, KERNEL_C, LLMCC, MAIN_C, PROGRAM_OUTPUT, assert_same_result


def test_kernel_O2_and_O3_objects_differ_so_the_checks_mean_something(project):
    o2 = project.run_gcc(["-O2", "-c", "kernel.c", "-o", "k2.o"])
    o3 = project.run_gcc(["-O3", "-c", "kernel.c", "-o", "k3.o"])
    assert o2.returncode == o3.returncode == 0
    assert (project.gcc / "k2.o").read_bytes() != (project.gcc / "k3.o").read_bytes()


@pytest.mark.parametrize("level", ["-O1", "-O2", "-O3", "-O"])
def test_speed_level_object_equals_gcc_O3(project, level):
    project.check([level, "-c", "kernel.c", "-o", "kernel.o"],
                  ["-O3", "-c", "kernel.c", "-o", "kernel.o"])
    assert project.outcomes() == ["unchanged"]


def test_Ofast_object_equals_gcc_Ofast(project):
    project.check(["-Ofast", "-c", "kernel.c", "-o", "kernel.o"])
    assert project.outcomes() == ["unchanged"]


@pytest.mark.parametrize("levels, reference", [
    (["-O0", "-O2"], ["-O0", "-O3"]),
    (["-Os", "-O1"], ["-Os", "-O3"]),
    (["-Ofast", "-O2"], ["-Ofast", "-O3"]),
    (["-O2", "-Ofast"], ["-O2", "-Ofast"]),
    (["-O4"], ["-O3"]),
], ids=["O0-O2", "Os-O1", "Ofast-O2", "O2-Ofast", "O4"])
def test_last_O_option_wins(project, levels, reference):
    project.check([*levels, "-c", "kernel.c"], [*reference, "-c", "kernel.c"])
    assert project.outcomes() == ["unchanged"]


def test_baseline_keep_gives_gcc_O2_object(project):
    project.check(["-O2", "-c", "kernel.c"], env={"LLMCC_BASELINE": "keep"})
    assert project.outcomes() == ["unchanged"]


def test_baseline_O2_lowers_O3_input_to_gcc_O2(project):
    project.check(["-O3", "-c", "kernel.c"], ["-O2", "-c", "kernel.c"],
                  env={"LLMCC_BASELINE": "-O2"})


def test_output_option_separate_value(project):
    project.check(["-O2", "-c", "kernel.c", "-o", "out.o"],
                  ["-O3", "-c", "kernel.c", "-o", "out.o"])


def test_output_option_joined_value(project):
    project.check(["-O2", "-c", "kernel.c", "-oout.o"], ["-O3", "-c", "kernel.c", "-oout.o"])
    assert project.outcomes() == ["unchanged"]


def test_output_into_subdirectory(project):
    project.mkdir("build/obj")
    project.check(["-O2", "-c", "kernel.c", "-o", "build/obj/k.o"],
                  ["-O3", "-c", "kernel.c", "-o", "build/obj/k.o"])


def test_no_output_option_writes_stem_dot_o_in_cwd(project):
    project.write({"src/deep.c": "int deep(int x) { return x * 7; }\n"})
    project.check(["-O2", "-c", "src/deep.c"], ["-O3", "-c", "src/deep.c"])
    assert (project.llm / "deep.o").is_file()
    assert not (project.llm / "src/deep.o").exists()


def test_options_after_the_source(project):
    project.check(["-c", "kernel.c", "-O2", "-o", "k.o"], ["-c", "kernel.c", "-O3", "-o", "k.o"])
    assert project.outcomes() == ["unchanged"]


def test_overwrites_existing_object(project):
    project.write({"kernel.o": b"stale object\n"})
    project.check(["-O2", "-c", "kernel.c"], ["-O3", "-c", "kernel.c"])


def test_compile_several_sources_with_c(project):
    project.check(["-O2", "-c", "kernel.c", "main.c"], ["-O3", "-c", "kernel.c", "main.c"])
    assert (project.llm / "main.o").is_file() and (project.llm / "kernel.o").is_file()
    assert project.outcomes() == ["unchanged"]


def test_compile_and_link_executable_identical(project):
    project.check(["-O2", "kernel.c", "main.c", "-o", "prog"],
                  ["-O3", "kernel.c", "main.c", "-o", "prog"])
    assert project.outcomes() == ["unchanged"]
    run = project.llm.run(["./prog"])
    assert run.stdout == PROGRAM_OUTPUT


def test_compile_and_link_default_a_out(project):
    project.check(["-O3", "kernel.c", "main.c"])
    assert (project.llm / "a.out").is_file()
    assert project.outcomes() == ["unchanged"]


def test_compile_and_link_with_object_and_library_inputs(project):
    for side in (project.gcc, project.llm):
        assert side.run([GCC, "-O3", "-c", "kernel.c"]).returncode == 0
        assert side.run(["ar", "rcD", "libk.a", "kernel.o"]).returncode == 0
    project.check(["-O2", "main.c", "-L.", "-lk", "-o", "prog"],
                  ["-O3", "main.c", "-L.", "-lk", "-o", "prog"])
    project.check(["-O2", "main.c", "kernel.o", "-o", "prog2", "-lm"],
                  ["-O3", "main.c", "kernel.o", "-o", "prog2", "-lm"])
    assert project.outcomes() == ["unchanged", "unchanged"]


def test_link_failure_exit_code_and_message(project):
    # main.c alone: saxpy and sum are undefined; ld's message and gcc's status come through.
    # ld names the temporary object, random in gcc's own run, so that name is masked.
    _, new = project.check(["-O2", "main.c", "-o", "prog"], ["-O3", "main.c", "-o", "prog"],
                           mask=project.temp_names)
    assert (new.returncode, new.stdout) == (1, b"")
    assert b"undefined reference to `saxpy'" in new.stderr
    assert project.outcomes() == ["unchanged"]


def test_debug_info_and_pic_objects_identical(project):
    project.check(["-O2", "-g", "-fPIC", "-c", "kernel.c", "-o", "kernel.o"],
                  ["-O3", "-g", "-fPIC", "-c", "kernel.c", "-o", "kernel.o"])
    assert project.outcomes() == ["unchanged"]


@pytest.mark.parametrize("flags", [["-g3"], ["-gdwarf-4"], ["-fpic", "-shared"],
                                   ["-march=x86-64-v3"], ["-m64", "-Wa,--noexecstack"],
                                   ["-ffunction-sections", "-fdata-sections"],
                                   ["-fno-asynchronous-unwind-tables"], ["-std=c99", "-pedantic"],
                                   ["-g", "-ffile-prefix-map=/tmp=/build"],
                                   ["-g", "-fdebug-prefix-map=/tmp=/src"], ["-gz", "-g"],
                                   ["-ggdb3", "-gno-column-info"], ["-g", "-g0"],
                                   ["-fopt-info-vec-optimized=vec.txt"], ["-pipe"]],
                         ids=lambda flags: " ".join(flags))
def test_codegen_flags_objects_identical(project, flags):
    if "-shared" in flags:
        project.check(["-O2", *flags, "kernel.c", "-o", "libk.so"],
                      ["-O3", *flags, "kernel.c", "-o", "libk.so"])
    else:
        project.check(["-O2", *flags, "-c", "kernel.c"], ["-O3", *flags, "-c", "kernel.c"])
    assert project.outcomes() == ["unchanged"]


def test_include_define_and_include_dir_with_separate_values(diff):
    diff.write({
        "inc/cfg.h": "#define BASE 40\n",
        "forced.h": "static const int forced = 2;\n",
        "a.c": '#include "cfg.h"\nint f(int x) { return x * BASE + forced + EXTRA; }\n',
    })
    args = ["-include", "forced.h", "-D", "EXTRA=5", "-I", "inc", "-c", "a.c", "-o", "a.o"]
    diff.check(["-O2", *args], ["-O3", *args])
    assert diff.outcomes() == ["unchanged"]


def test_define_value_naming_an_existing_file_is_not_an_input(project):
    # `-D kernel.c` defines a macro; it must not be taken for a second source
    args = ["-c", "-D", "main.c", "-U", "kernel.h", "kernel.c", "-o", "k.o"]
    project.check(["-O2", *args], ["-O3", *args])


def test_explicit_language_for_odd_suffix(diff):
    diff.write({"gen.txt": "int g(int x) { return x + 1; }\n", "noext": "int h(void){return 3;}\n"})
    diff.check(["-O2", "-x", "c", "-c", "gen.txt"], ["-O3", "-x", "c", "-c", "gen.txt"])
    diff.check(["-O2", "-xc", "-c", "noext"], ["-O3", "-xc", "-c", "noext"])
    assert diff.outcomes() == ["unchanged", "unchanged"]


def test_compile_and_link_with_explicit_language(diff):
    diff.write({"k.txt": KERNEL_C.replace('#include "kernel.h"', "#define SCALE 3"),
                "m.c": MAIN_C.replace('#include "kernel.h"',
                                      "void saxpy(float *, const float *, float, int);\n"
                                      "int sum(const int *, int);")})
    args = ["-x", "c", "k.txt", "-x", "none", "m.c", "-o", "prog"]
    diff.check(["-O2", *args], ["-O3", *args])
    diff.check(["-O2", "-xc", "k.txt", "m.c", "-o", "prog2"],
               ["-O3", "-xc", "k.txt", "m.c", "-o", "prog2"])
    assert diff.outcomes() == ["unchanged", "unchanged"]
    assert diff.llm.run(["./prog"]).stdout == PROGRAM_OUTPUT


def test_preprocessed_input(project):
    assert project.gcc.run([GCC, "-E", "kernel.c", "-o", "k.i"]).returncode == 0
    project.write({"k.i": (project.gcc / "k.i").read_bytes()})
    project.check(["-O2", "-c", "k.i"], ["-O3", "-c", "k.i"])
    assert project.outcomes() == ["unchanged"]


def test_response_file_with_quoted_arguments(diff):
    diff.write({
        "dir with space/a.c": "int f(void) { return sizeof(MSG); }\n",
        "args.rsp": "-c \"dir with space/a.c\"\n-o 'out file.o'\n-DMSG='\"hi there\"'\n",
    })
    diff.check(["-O2", "@args.rsp"], ["-O3", "@args.rsp"])
    assert (diff.llm / "out file.o").is_file()
    assert diff.outcomes() == ["unchanged"]


def test_response_file_holding_the_O_level_and_nested_rsp(project):
    project.write({
        "inner.rsp": "-c kernel.c\n",
        "outer.rsp": "-O2 @inner.rsp -o k.o\n",
    })
    # last -O wins: gcc with the same file and a trailing -O3 builds the -O3 object
    project.check(["@outer.rsp"], ["@outer.rsp", "-O3"])
    assert project.outcomes() == ["unchanged"]


def test_missing_response_file_is_gccs_problem(project):
    project.check(["-O2", "-c", "kernel.c", "@nope.rsp"])


def test_explicit_compiler_name(project):
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.run_llmcc(["gcc", "-O2", "-c", "kernel.c"])
    assert (ref.returncode, ref.stdout, ref.stderr) == (new.returncode, new.stdout, new.stderr)
    project.assert_same_tree()
    assert project.outcomes() == ["unchanged"]


def test_explicit_compiler_path(project):
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.run_llmcc([GCC, "-O2", "-c", "kernel.c"])
    assert (ref.returncode, ref.stdout, ref.stderr) == (new.returncode, new.stdout, new.stderr)
    project.assert_same_tree()
    assert project.outcomes() == ["unchanged"]


def test_explicit_cc_name(project):
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.run_llmcc(["cc", "-O2", "-c", "kernel.c"])
    assert (ref.returncode, ref.stdout, ref.stderr) == (new.returncode, new.stdout, new.stderr)
    project.assert_same_tree()


def test_disable_is_pure_passthrough(project):
    # with LLMCC_DISABLE=1 the -O2 object is gcc -O2's, not -O3's
    project.check(["-O2", "-c", "kernel.c"], env={"LLMCC_DISABLE": "1"})
    assert project.outcomes() == ["disabled"]


def test_bad_configuration_falls_back_to_gcc(project):
    project.check(["-O2", "-c", "kernel.c"], env={"LLMCC_BASELINE": "-O7"})
    assert project.outcomes() == ["internal_error"]


INCBIN_C = """\
__asm__(".section .rodata\\n.globl blob\\nblob:\\n.incbin \\"blob.bin\\"\\n.previous");
extern const char blob[];
int first(void) { return blob[0]; }
"""


@pytest.mark.parametrize("include", [["-I", "data"], ["-Idata"]], ids=["separate", "joined"])
def test_include_dirs_reach_the_assembler_for_incbin(diff, include):
    """gcc passes -I to `as` (asm_options: %{I*}), so inline-asm .incbin/.include find
    their files; llmcc's own assemble step must too, not fall back."""
    diff.write({"data/blob.bin": b"\x07payload", "inc.c": INCBIN_C})
    diff.check(["-O2", *include, "-c", "inc.c"], ["-O3", *include, "-c", "inc.c"])
    assert diff.outcomes() == ["unchanged"]


def test_inhibited_warnings_reach_the_assembler(diff):
    """-w becomes `as -W`: an assembler warning from inline asm stays silent."""
    source = '__asm__(".warning \\"from the assembler\\"");\nint x;\n'
    diff.write({"aw.c": source})
    _, new = diff.check(["-O2", "-c", "aw.c"], ["-O3", "-c", "aw.c"], mask=diff.temp_names)
    assert b"from the assembler" in new.stderr
    _, new = diff.check(["-O2", "-w", "-c", "aw.c", "-o", "quiet.o"],
                        ["-O3", "-w", "-c", "aw.c", "-o", "quiet.o"])
    assert new.stderr == b""
    assert diff.outcomes() == ["unchanged", "unchanged"]


SSE_ASM_C = """\
float add4(void)
{
    float out;
    __asm__("addps %%xmm1, %%xmm0\\n\\tmovss %%xmm0, %0" : "=m"(out) : : "xmm0", "xmm1");
    return out;
}
"""


@pytest.mark.parametrize("flags", [["-msse2avx"], ["-msse2avx", "-mavx"], ["-mavx"]])
def test_sse2avx_reaches_the_assembler_unless_avx(diff, flags):
    """gcc's asm spec: %{msse2avx:%{!mavx:-msse2avx}}; inline SSE asm shows the encoding."""
    diff.write({"sse.c": SSE_ASM_C})
    diff.check(["-O2", *flags, "-c", "sse.c"], ["-O3", *flags, "-c", "sse.c"])
    assert diff.outcomes() == ["unchanged"]


@pytest.mark.parametrize("args", [
    ["-c", "kernel.c", "-o", "kernel.c"],
    ["-c", "kernel.c", "-o", "./kernel.c"],
    ["-c", "kernel.c", "-o", "alias.c"],
    ["kernel.c", "main.c", "-o", "main.c"],
    ["main.c", "kernel.o", "-o", "kernel.o"],
], ids=["same-name", "dot-slash", "symlink-to-input", "link-over-source", "link-over-object"])
def test_output_that_is_an_input_is_refused_like_gcc(project, args):
    """gcc: "fatal error: input file 'X' is the same as output file"; the input survives."""
    for side in (project.gcc, project.llm):
        assert side.run([GCC, "-O3", "-c", "kernel.c"]).returncode == 0
        (side / "alias.c").symlink_to("kernel.c")
    _, new = project.check(["-O2", *args])
    assert new.returncode == 1 and b"is the same as output file" in new.stderr
    assert project.outcomes() == ["gcc_would_fail"]


def test_output_through_a_symlink_replaces_the_link_like_gas(project):
    # gas unlinks an existing output (libiberty unlink_if_ordinary), symlinks included
    for side in (project.gcc, project.llm):
        (side / "real.o").write_text("untouched\n")
        (side / "link.o").symlink_to("real.o")
    project.check(["-O2", "-c", "kernel.c", "-o", "link.o"],
                  ["-O3", "-c", "kernel.c", "-o", "link.o"])
    assert (project.llm / "real.o").read_text() == "untouched\n"


def test_output_over_a_hard_link_leaves_the_other_name(project):
    for side in (project.gcc, project.llm):
        (side / "old.o").write_text("old\n")
        os.link(side / "old.o", side / "kernel.o")
    project.check(["-O2", "-c", "kernel.c"], ["-O3", "-c", "kernel.c"])
    assert (project.llm / "old.o").read_text() == "old\n"


def test_output_into_missing_directory_is_gccs_error(project):
    _, new = project.check(["-O2", "-c", "kernel.c", "-o", "nodir/k.o"],
                           ["-O3", "-c", "kernel.c", "-o", "nodir/k.o"], mask=project.temp_names)
    assert new.returncode == 1


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_object_and_program_modes_follow_umask(project, umask):
    shell = ["sh", "-c", f'umask {umask:03o}; exec "$@"', "sh"]
    ref = project.gcc.run([*shell, GCC, "-O3", "-c", "kernel.c"])
    new = project.llm.run([*shell, LLMCC, "-O2", "-c", "kernel.c"])
    assert_same_result(ref, new)
    ref = project.gcc.run([*shell, GCC, "-O3", "kernel.c", "main.c", "-o", "prog"])
    new = project.llm.run([*shell, LLMCC, "-O2", "kernel.c", "main.c", "-o", "prog"])
    assert_same_result(ref, new)
    project.assert_same_tree()
    assert oct((project.llm / "kernel.o").stat().st_mode & 0o777) == oct(0o666 & ~umask)


def test_file_name_that_is_not_utf8(diff):
    """argv holds such names as surrogate escapes; llmcc's log must not choke on them."""
    name = os.fsdecode(b"caf\xe9.c")
    diff.write({name: "int cafe(int x) { return x * 5; }\n"})
    diff.check(["-O2", "-c", name], ["-O3", "-c", name])
    diff.check(["-O2", "-MD", "-c", name, "-o", "out.o"],
               ["-O3", "-MD", "-c", name, "-o", "out.o"])
    assert diff.outcomes() == ["unchanged", "unchanged"]
    assert "caf\\xe9.c" in diff.log_text()


def test_sources_with_the_same_basename_last_one_wins(diff):
    diff.write({"a/x.c": "int from_a(void) { return 1; }\n",
                "b/x.c": "int from_b(void) { return 2; }\n"})
    diff.check(["-O2", "-MD", "-c", "a/x.c", "b/x.c"], ["-O3", "-MD", "-c", "a/x.c", "b/x.c"])
    assert diff.outcomes() == ["unchanged"]
