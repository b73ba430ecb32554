"""Builds with a proposer: candidates reach the verifier and timer through the compile path,
and the build still behaves as gcc's (dependency files, program output)."""

from __future__ import annotations

import re

from difftools import PROGRAM_OUTPUT


def test_variants_in_a_build_are_judged_and_the_program_is_unchanged(project):
    # dependency options and the source are in the command line: the verifier's and the
    # proposer's own compiles must neither choke on them nor rewrite kernel.d
    args = ["-O2", "-g", "-MMD", "-c", "kernel.c", "-o", "kernel.o"]
    env = {"LLMCC_PROPOSERS": "variants", "LLMCC_MODE": "sync"}
    project.check(args, ["-O3", *args[1:]], ignore=["kernel.o"], env=env)
    log = project.log_text()
    assert project.outcomes()[0] in ("unchanged", "optimized"), log
    judged = re.findall(r"\bfunction source=\S+ function=(\w+) candidates=(\d+)", log)
    assert judged and sum(int(n) for _, n in judged) > 0, log
    if project.outcomes()[0] == "unchanged":
        project.assert_same_file("kernel.o")
    for side in (project.run_gcc, project.run_llmcc):
        assert side(["-O3", "-c", "main.c"], env=env).returncode == 0
        assert side(["main.o", "kernel.o", "-o", "prog"]).returncode == 0
    assert project.llm.run(["./prog"]).stdout == project.gcc.run(["./prog"]).stdout \
        == PROGRAM_OUTPUT
