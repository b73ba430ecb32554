"""Dependency files: every .d llmcc's two-step compile writes must be the one gcc writes.

gcc derives the .d name and its target from -o when the compile is one step
(``%{MD:-MD %{!o:%b.d}%{o*:%.d%*}}``); llmcc compiles with ``-S -o TMP.s`` and
must hand gcc the names it would have computed. Objects are compared too.
"""

from __future__ import annotations

import pytest

DEP_CASES = {
    "MD-MF-MT": ["-MD", "-MF", "x.d", "-MT", "tgt", "-c", "kernel.c", "-o", "kernel.o"],
    "MD-joined-MF-MT": ["-MD", "-MFx.d", "-MTtgt", "-c", "kernel.c", "-o", "kernel.o"],
    "MD-default-name": ["-MD", "-c", "kernel.c"],
    "MD-with-o": ["-MD", "-c", "kernel.c", "-o", "k.o"],
    "MD-joined-o": ["-MD", "-c", "kernel.c", "-oobj/k.o"],
    "MD-o-in-subdir": ["-MD", "-c", "kernel.c", "-o", "obj/kernel.o"],
    "MD-o-two-dots": ["-MD", "-c", "kernel.c", "-o", "obj/k.v2.o"],
    "MD-o-no-suffix": ["-MD", "-c", "kernel.c", "-o", "obj/kernelobj"],
    "MD-source-in-subdir": ["-MD", "-c", "src/deep.c"],
    "MD-source-in-subdir-o": ["-MD", "-c", "src/deep.c", "-o", "obj/deep.o"],
    "MMD": ["-MMD", "-c", "kernel.c", "-o", "kernel.o"],
    "MMD-MP": ["-MMD", "-MP", "-c", "kernel.c", "-o", "kernel.o"],
    "MMD-MP-MF-subdir": ["-MMD", "-MP", "-MF", "obj/kernel.d", "-c", "kernel.c", "-o",
                         "obj/kernel.o"],
    "MD-MQ": ["-MD", "-MQ", "$(OBJ)/kernel.o", "-c", "kernel.c"],
    "MD-two-MT": ["-MD", "-MT", "one", "-MT", "two", "-c", "kernel.c"],
    "MD-MT-and-MQ": ["-MD", "-MT", "one", "-MQ", "$two", "-c", "kernel.c", "-o", "obj/k.o"],
    "MD-MF-before-o": ["-MD", "-MF", "obj/dep.d", "-o", "obj/k.o", "-c", "kernel.c"],
    "MD-MP-MT": ["-MD", "-MP", "-MT", "obj/kernel.o", "-c", "kernel.c", "-o", "obj/kernel.o"],
    "Wp-MD": ["-Wp,-MD,deps/kernel.d", "-c", "kernel.c", "-o", "kernel.o"],
    "Wp-MD-no-o": ["-Wp,-MD,deps/kernel.d", "-c", "kernel.c"],
    "Wp-MMD": ["-Wp,-MMD,kernel.dep", "-c", "kernel.c"],
    "Wp-MMD-o-subdir": ["-Wp,-MMD,obj/.kernel.o.d", "-c", "kernel.c", "-o", "obj/kernel.o"],
    "MD-two-sources": ["-MD", "-c", "kernel.c", "main.c"],
    "MMD-MP-two-sources": ["-MMD", "-MP", "-c", "kernel.c", "src/deep.c"],
    "MD-include-dir": ["-MD", "-I", "inc", "-include", "inc/extra.h", "-c", "src/deep.c",
                       "-o", "obj/deep.o"],
    "MD-space-in-name": ["-MD", "-c", "sp ace.c"],
    "MD-dollar-in-output": ["-MD", "-c", "sp ace.c", "-o", "obj/o$bj #1.o"],
    "MD-explicit-language": ["-MD", "-x", "c", "-c", "gen.txt", "-o", "obj/gen.o"],
}

EXTRA = {
    "src/deep.c": '#include "../kernel.h"\n#include "deep.h"\nint deep(int x) { return x * 7; }\n',
    "src/deep.h": "#define DEEP 1\n",
    "inc/extra.h": "#define EXTRA 1\n",
    "sp ace.c": '#include "kernel.h"\nint spaced(void) { return SCALE; }\n',
    "gen.txt": '#include "kernel.h"\nint gen(void) { return SCALE; }\n',
}


@pytest.mark.parametrize("args", list(DEP_CASES.values()), ids=list(DEP_CASES))
def test_dependency_file_identical_to_gccs(project, args):
    project.write(EXTRA)
    project.mkdir("obj")
    project.mkdir("deps")
    project.check(["-O2", *args], ["-O3", *args])
    assert project.outcomes() == ["unchanged"]
    deps = [p for p in project.tree(project.llm) if p.endswith((".d", ".dep"))]
    assert deps, "no dependency file was written"


@pytest.mark.parametrize("args", [
    ["-MD", "kernel.c", "main.c", "-o", "prog"],
    ["-MMD", "-MF", "prog.d", "kernel.c", "main.c", "-o", "prog"],
    ["-MD", "-MF", "both.d", "-c", "kernel.c", "main.c"],
], ids=["MD-link", "MMD-MF-link", "MF-two-sources"])
def test_dependency_files_llmcc_cannot_split_pass_through(project, args):
    project.check(["-O2", *args])
    assert project.outcomes() == ["unsupported_option"]


def test_dependency_file_with_M_and_MF_only_passes_through(project):
    project.check(["-O2", "-MM", "-MF", "k.d", "-MT", "k.o", "kernel.c"])
    assert project.outcomes() == ["not_compiling"]


def test_dependency_file_of_failed_compile(project):
    # gcc removes a .d it started when the compile fails; llmcc replays gcc, so the same
    project.write({"bad.c": '#include "kernel.h"\nint f(void) { return undeclared; }\n'})
    _, new = project.check(["-O2", "-MD", "-MP", "-c", "bad.c", "-o", "bad.o"])
    assert new.returncode == 1
    assert project.outcomes() == ["compiler_error"]


def test_dependency_file_replaces_a_stale_one(project):
    project.write({"kernel.d": "stale: nothing\n", "x.d": "stale\n"})
    project.check(["-O2", "-MD", "-c", "kernel.c"], ["-O3", "-MD", "-c", "kernel.c"])
    project.check(["-O2", "-MMD", "-MF", "x.d", "-c", "kernel.c", "-o", "k2.o"],
                  ["-O3", "-MMD", "-MF", "x.d", "-c", "kernel.c", "-o", "k2.o"])
    assert project.outcomes() == ["unchanged", "unchanged"]


@pytest.mark.parametrize("variable", ["DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"])
@pytest.mark.parametrize("value", ["env.d", "env.d custom-target"], ids=["file", "file-target"])
def test_dependency_output_environment_variables(project, variable, value):
    args = ["-c", "kernel.c", "-o", "obj/k.o"]
    project.mkdir("obj")
    project.check(["-O2", *args], ["-O3", *args], env={variable: value})
    assert (project.llm / "env.d").is_file()
    assert project.outcomes() == ["unchanged"]
