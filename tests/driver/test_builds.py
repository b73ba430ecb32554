"""Whole builds: a configure-style probe script, a CMake project and a parallel make.

Each build runs once with gcc and once with llmcc, in the same working path
(see difftools), and the products are compared byte for byte.
"""

from __future__ import annotations

import os
import shutil

import pytest
from difftools import GCC, LLMCC, PROGRAM_OUTPUT, PROJECT

CONFIGURE_SH = r"""#!/bin/sh
# The compiler checks autoconf's AC_PROG_CC and AC_CHECK_* run, results kept in files.
step() { name=$1; shift; "$@" >"out.$name" 2>"err.$name"; echo "$name: $?" >>results; }

cat >conftest.c <<'EOF'
int main(void) { return 0; }
EOF
step version $CC --version
step V $CC -V
step qversion $CC -qversion
step v $CC -v
step dumpversion $CC -dumpversion
step dumpmachine $CC -dumpmachine
step works $CC $CFLAGS conftest.c -o conftest
step run ./conftest
step objext $CC -c $CFLAGS conftest.c
cp conftest.o conftest.o.kept
step cpp $CC -E conftest.c
step g $CC -c -g conftest.c -o conftest.g.o
cat >conftest.c <<'EOF'
#include <math.h>
int main(void) { volatile double x = 2.0; return (int)sqrt(x) - 1; }
EOF
step libm $CC $CFLAGS conftest.c -o conftest.libm -lm
cat >conftest.c <<'EOF'
#include <no_such_header_here.h>
int main(void) { return 0; }
EOF
step missing_header $CC -c $CFLAGS conftest.c
cat >conftest.c <<'EOF'
char no_such_function_anywhere(void);
int main(void) { return no_such_function_anywhere(); }
EOF
step missing_function $CC $CFLAGS conftest.c -o conftest.nf
rm -f conftest.c conftest
exit 0
"""


def test_configure_style_probe_sequence(diff):
    diff.write({"configure.sh": CONFIGURE_SH}, mode=0o755)
    env = {"CFLAGS": "-O2"}
    ref = diff.gcc.run(["./configure.sh"], env={**env, "CC": "gcc"})
    new = diff.llm.run(["./configure.sh"], env={**env, "CC": LLMCC})
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    # `$CC -v` names how gcc was run: llmcc runs it by full path (see test_passthrough)
    ref_v = (diff.gcc / "err.v").read_bytes().replace(b"COLLECT_GCC=gcc\n",
                                                       f"COLLECT_GCC={GCC}\n".encode())
    assert (diff.llm / "err.v").read_bytes() == ref_v
    diff.assert_same_tree(ignore=["err.v"], mask=diff.temp_names)
    results = (diff.llm / "results").read_text()
    assert "works: 0" in results and "missing_header: 1" in results
    assert "missing_function: 1" in results
    outcomes = set(diff.outcomes())
    assert outcomes <= {"query", "build_probe", "not_compiling", "no_input", "no_speed_opt",
                        "gcc_would_fail"}, outcomes
    assert "build_probe" in outcomes


MAKEFILE = """\
CFLAGS = -O3 -Wall -MMD -MP
OBJS = a.o b.o c.o main.o

prog: $(OBJS)
\t$(CC) $(CFLAGS) -o $@ $(OBJS)

-include $(OBJS:.o=.d)
"""

MAKE_PROJECT = {
    "Makefile": MAKEFILE,
    "common.h": "#pragma once\nint fa(const int *, int);\nint fb(int);\ndouble fc(double);\n",
    "a.c": '#include "common.h"\n'
           "int fa(const int *v, int n) { int s = 0; for (int i = 0; i < n; i++) s += v[i];"
           " return s; }\n",
    "b.c": '#include "common.h"\nint fb(int x) { int unused; return x * 3; }\n',
    "c.c": '#include "common.h"\ndouble fc(double x) { return x / 2; }\n',
    "main.c": '#include <stdio.h>\n#include "common.h"\n'
              "int main(void) { int v[50]; for (int i = 0; i < 50; i++) v[i] = i;\n"
              '  printf("%d %d %.1f\\n", fa(v, 50), fb(7), fc(5.0)); return 0; }\n',
}


@pytest.mark.slow
def test_make_j4_project_identical(diff):
    diff.write(MAKE_PROJECT)
    ref = diff.gcc.run(["make", "-s", "-j4", "CC=gcc"], timeout=120)
    new = diff.llm.run(["make", "-s", "-j4", f"CC={LLMCC}"], timeout=120)
    assert new.returncode == ref.returncode == 0
    assert new.stdout == ref.stdout
    # with -j4 the warning of b.c may interleave differently; compare line sets
    assert sorted(new.stderr.splitlines()) == sorted(ref.stderr.splitlines())
    assert b"unused variable" in new.stderr
    diff.assert_same_tree()
    run = diff.llm.run(["./prog"])
    assert run.stdout == b"1225 21 2.5\n"
    entries = diff.compile_entries()
    assert sorted(o for o, a in entries if " -c " in f" {a} ") == ["unchanged"] * 4
    assert [o for o, a in entries if " -c " not in f" {a} "] == ["link_only"]


CMAKELISTS = """\
cmake_minimum_required(VERSION 3.13)
project(demo C)
add_library(kern STATIC kernel.c)
target_include_directories(kern PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
add_library(kshared SHARED shared.c)
target_include_directories(kshared PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
add_executable(app main.c)
target_link_libraries(app kern kshared)
"""

SHARED_C = '#include "kernel.h"\nint shared_scale(int x) { return x * SCALE; }\n'


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_cmake_release_build_with_launcher(diff):
    diff.write({f"src/{k}": v for k, v in PROJECT.items()})
    diff.write({"src/CMakeLists.txt": CMAKELISTS, "src/shared.c": SHARED_C})
    # the Makefile generator keeps gcc's .d files (ninja folds them into .ninja_deps)
    configure = ["cmake", "-S", "src", "-B", "build", "-G", "Unix Makefiles",
                 "-DCMAKE_BUILD_TYPE=Release",
                 f"-DCMAKE_C_COMPILER={GCC}"]
    env = {"CC": None, "CFLAGS": None}
    for side, extra in ((diff.gcc, []), (diff.llm, [f"-DCMAKE_C_COMPILER_LAUNCHER={LLMCC}"])):
        conf = side.run([*configure, *extra], env=env, timeout=120)
        assert conf.returncode == 0, conf.stderr.decode()
        build = side.run(["cmake", "--build", "build", "-j", "2"], env=env, timeout=120)
        assert build.returncode == 0, build.stderr.decode()

    products = ["build/libkern.a", "build/libkshared.so", "build/app"]
    tus = []
    for rel in diff.tree(diff.gcc):
        if rel.endswith((".c.o", ".c.o.d")) and "/CMakeFiles/" in f"/{rel}" \
                and "CompilerId" not in rel and "CMakeScratch" not in rel:
            tus.append(rel)
    assert len([t for t in tus if t.endswith(".o")]) == 3, tus
    assert len([t for t in tus if t.endswith(".d")]) == 3, tus
    for rel in [*tus, *products]:
        diff.assert_same_file(rel)
    run = diff.llm.run(["build/app"])
    assert run.stdout == PROGRAM_OUTPUT

    entries = diff.compile_entries()
    compiled = {os.path.basename(a.split()[-1]): o for o, a in entries if " -c " in f" {a} "}
    assert compiled == {"kernel.c": "unchanged", "shared.c": "unchanged", "main.c": "unchanged"}
