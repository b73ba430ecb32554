"""How llmcc is invoked: masquerading as gcc/cc, wrapper scripts, and the recursion guard.

A masquerade link named ``gcc`` or ``cc`` pointing at the llmcc console script
sits first on PATH; llmcc must find the real compiler behind it, never itself,
and a wrapper script that calls llmcc again must end, not loop.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from difftools import GCC, LLMCC


def _bin_with(diff, entries: dict[str, str | None]) -> str:
    """A bin/ folder in both trees: name -> script text, or None for a link to llmcc.
    Returns the PATH value (as seen while a tree is active) with bin/ first."""
    for side in (diff.gcc, diff.llm):
        folder = side / "bin"
        folder.mkdir(exist_ok=True)
        for name, text in entries.items():
            if text is None:
                os.symlink(LLMCC, folder / name)
            else:
                (folder / name).write_text(text)
                (folder / name).chmod(0o755)
    return f"{diff.work / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"


@pytest.mark.parametrize("name", ["gcc", "cc"])
def test_masquerade_link_compiles_with_real_gcc(project, name):
    path = _bin_with(project, {name: None})
    ref = project.run_gcc(["-O3", "-c", "kernel.c", "-o", "kernel.o"])
    new = project.llm.run([name, "-O2", "-c", "kernel.c", "-o", "kernel.o"], env={"PATH": path},
                          timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])
    assert project.outcomes() == ["unchanged"]


def test_masquerade_link_compile_and_link(project):
    path = _bin_with(project, {"gcc": None})
    ref = project.run_gcc(["-O3", "kernel.c", "main.c", "-o", "prog"])
    new = project.llm.run(["gcc", "-O2", "kernel.c", "main.c", "-o", "prog"],
                          env={"PATH": path}, timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])


def test_masquerade_link_passthrough_and_query(project):
    path = _bin_with(project, {"gcc": None})
    for args in (["-E", "kernel.c"], ["-dumpmachine"], ["-O2", "-c", "conftest.c"]):
        if "conftest.c" in args:
            project.write({"conftest.c": "int main(void) { return 0; }\n"})
        ref = project.run_gcc(args)
        new = project.llm.run(["gcc", *args], env={"PATH": path}, timeout=30)
        assert (new.returncode, new.stdout, new.stderr) == \
            (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])
    assert project.outcomes() == ["not_compiling", "query", "build_probe"]


def test_masquerade_as_a_copy_of_the_console_script(project):
    # pip may install a copy rather than a link; it must be recognised as llmcc too
    for side in (project.gcc, project.llm):
        (side / "bin").mkdir()
        (side / "bin/gcc").write_bytes(Path(LLMCC).read_bytes())
        (side / "bin/gcc").chmod(0o755)
    path = f"{project.work / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.llm.run(["gcc", "-O2", "-c", "kernel.c"], env={"PATH": path}, timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])
    assert project.outcomes() == ["unchanged"]


@pytest.mark.parametrize("script", [
    '#!/bin/sh\nexec "{llmcc}" "$@"\n',
    '#!/bin/sh\n"{llmcc}" "$@"\n',
    '#!/bin/sh\nexec "{llmcc}" gcc "$@"\n',
], ids=["exec-llmcc", "call-llmcc", "exec-llmcc-gcc"])
def test_wrapper_script_named_gcc_calling_llmcc_terminates(project, script):
    """bin/gcc is a shell script that runs llmcc, which looks up `gcc` on PATH and finds
    the script again: the recursion guard (LLMCC_ACTIVE) must break the cycle."""
    path = _bin_with(project, {"gcc": script.format(llmcc=LLMCC)})
    ref = project.run_gcc(["-O3", "-c", "kernel.c", "-o", "kernel.o"])
    new = project.llm.run(["gcc", "-O2", "-c", "kernel.c", "-o", "kernel.o"],
                          env={"PATH": path}, timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])
    assert "unchanged" in project.outcomes()


def test_llmcc_run_directly_with_wrapper_first_on_path(project):
    path = _bin_with(project, {"gcc": f'#!/bin/sh\nexec "{LLMCC}" "$@"\n'})
    ref = project.run_gcc(["-O3", "kernel.c", "main.c", "-o", "prog"])
    new = project.run_llmcc(["-O2", "kernel.c", "main.c", "-o", "prog"], env={"PATH": path},
                            timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])


def test_only_llmcc_on_path_is_an_error_not_a_loop(project):
    """With no real gcc reachable, llmcc must fail fast and say so."""
    _bin_with(project, {"gcc": None})
    new = project.llm.run([str(project.work / "bin/gcc"), "-O2", "-c", "kernel.c"],
                          env={"PATH": str(project.work / "bin")}, timeout=30)
    assert new.returncode != 0
    assert b"cannot find the real compiler" in new.stderr
    assert not (project.llm / "kernel.o").exists()


def test_explicit_compiler_that_is_llmcc_is_skipped(project):
    """`llmcc llmcc ...` or `llmcc /path/to/gcc-link-to-llmcc ...` must not recurse."""
    _bin_with(project, {"gcc": None})
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.llm.run([LLMCC, str(project.work / "bin/gcc"), "-O2", "-c", "kernel.c"],
                          timeout=30)
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree(ignore=["bin"])


def test_llmcc_compiler_setting(project):
    """LLMCC_CC names the compiler when none is given on the command line."""
    ref = project.run_gcc(["-O3", "-c", "kernel.c"])
    new = project.run_llmcc(["-O2", "-c", "kernel.c"], env={"LLMCC_CC": GCC})
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    project.assert_same_tree()
    assert project.outcomes() == ["unchanged"]


def test_signal_exit_of_gcc_is_mirrored(project):
    """A wrapper 'compiler' killed by a signal: llmcc's status says the same as the shell's."""
    script = "#!/bin/sh\nkill -TERM $$\n"
    for side in (project.gcc, project.llm):
        (side / "fakecc").write_text(script)
        (side / "fakecc").chmod(0o755)
    ref = project.gcc.run([str(project.work / "fakecc"), "-O2", "-c", "kernel.c"])
    new = project.llm.run([LLMCC, str(project.work / "fakecc"), "-O2", "-E", "kernel.c"])
    assert new.returncode == ref.returncode == -15


@pytest.mark.parametrize("args", [[], ["--version"], ["-dumpversion"], ["-v"]],
                         ids=["no-args", "version", "dumpversion", "v"])
def test_masquerade_link_queries_answer_like_gcc(diff, args):
    """A bare `gcc` link with no arguments is gcc's 'no input files', not llmcc's usage."""
    path = _bin_with(diff, {"gcc": None})
    ref = diff.run_gcc(args)
    new = diff.llm.run(["gcc", *args], env={"PATH": path}, timeout=30)
    ref_err = ref.stderr.replace(b"COLLECT_GCC=gcc\n", f"COLLECT_GCC={GCC}\n".encode())
    assert (new.returncode, new.stdout, new.stderr) == (ref.returncode, ref.stdout, ref_err)


def test_llmcc_alone_prints_its_usage(diff):
    new = diff.run_llmcc([])
    assert new.returncode == 0
    assert new.stdout.startswith(b"usage: llmcc")
