"""The verifier against the mutation corpus: every wrong candidate is rejected, and almost
every correct-but-different one (the same function under other gcc options) passes."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from mutants import SECTION_KINDS

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.records import Candidate, FunctionTask

pytestmark = pytest.mark.slow

FLAGS = ("-O3",)


@pytest.fixture(scope="module")
def judged(confirmed_cases, tmp_path_factory):
    """(case, mutant, expected 'wrong'/'correct', verdict) for every candidate, judged on
    correctness alone with as many inputs as a build uses."""
    root = tmp_path_factory.mktemp("suite")
    jobs = []
    for n, case in enumerate(confirmed_cases):
        source = root / f"{case.unit.name}.c"
        if not source.exists():
            source.write_text(case.unit.source)
        module = parse_module(case.asm)
        jobs += [(n, case, m, "wrong", module, str(source)) for m in case.wrong]
        jobs += [(n, case, m, "correct", module, str(source)) for m in case.correct]

    def run(job):
        n, case, mutant, expected, module, source = job
        workdir = root / f"w{n}-{abs(hash(mutant.text))}"
        workdir.mkdir(exist_ok=True)
        task = FunctionTask(module, module.function(case.function), source, "gcc", FLAGS,
                            str(workdir))
        verdict = pipeline.judge(Candidate(case.function, mutant.text, mutant.kind), task,
                                 pipeline.CORRECTNESS)
        return case, mutant, expected, verdict

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(run, jobs))


# Wrong candidates the generated inputs do not yet tell apart, each with the reason. Any
# other accepted wrong candidate fails the suite; fixing one of these should remove it.
# None at present. Those once here, and what catches them now (llmcc.verify.harness):
# reading one entry past a switch table (the candidate's read-only data is followed by
# poison), a broken vectorizer overlap check (buffers overlap either way round), a path
# taken only when the unit's globals are not all zero (every fourth test sets them), and
# a boundary on a struct member plus an argument (llmcc_relate makes such sums hit the
# constants the function compares with).
KNOWN_ESCAPES: set[str] = set()


def test_every_wrong_candidate_is_rejected(judged):
    wrong = [(c, m, r) for c, m, e, r in judged if e == "wrong"]
    functions = {c.function for c, _, _ in wrong}
    assert len(wrong) >= 300 and len(functions) >= 30
    accepted = {f"{c.function} {m.kind}: {m.description}" for c, m, r in wrong
                if r.accepted}
    unexpected = sorted(accepted - KNOWN_ESCAPES)
    assert not unexpected, f"{len(unexpected)} wrong candidates accepted:\n" + "\n".join(
        unexpected)
    assert len(accepted) <= 0.01 * len(wrong)


def test_rejections_name_the_right_stage(judged):
    """Forbidden instructions are caught statically, ABI breaks by the trampoline."""
    by_kind: dict[str, set[str]] = {}
    for _, m, e, r in judged:
        if e == "wrong" and not r.accepted:
            by_kind.setdefault(m.kind, set()).add(r.outcome.value)
    assert by_kind["syscall"] == {"forbidden_instruction"}
    assert by_kind["cpuid"] == by_kind["rdtsc"] == {"forbidden_instruction"}
    assert by_kind["isa"] == {"unsupported_isa"}
    assert by_kind["clobber_callee_saved"] == {"abi_violation"}
    assert by_kind["infinite_loop"] <= {"candidate_timeout"}
    # system calls hidden in an instruction's bytes pass every static check: the sandbox
    # kills the process that makes them
    assert by_kind["tgkill"] == by_kind["forged_output"] == {"candidate_crash"}
    # the byte after the NUL is read only: it faults where the NUL ends a readable page
    assert by_kind["string_overread"] == {"candidate_crash"}
    # foreign sections and file reads are refused statically, before gas runs
    for kind in SECTION_KINDS:
        assert by_kind[kind] == {"forbidden_directive"}, kind


def test_correct_candidates_pass(judged):
    correct = [(c, m, r) for c, m, e, r in judged if e == "correct"]
    passed = [r for _, _, r in correct if r.accepted]
    refused = [f"{c.function} {m.description}: {r.outcome.value}: {r.reason[:120]}"
               for c, m, r in correct if not r.accepted]
    assert len(correct) >= 150
    assert len(passed) >= 0.95 * len(correct), "\n".join(refused[:15])
