"""The pipeline stage by stage: proposers plug in, candidates are judged, only an accepting
stage can change the module."""

from __future__ import annotations

import subprocess
import tempfile

import pytest
from corpus_tools import CORPUS, INLINED_HELPER, compile_unit

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.asm.objfile import function_bytes
from llmcc.outcome import Outcome
from llmcc.propose.variants import Variant, Variants
from llmcc.records import Candidate, Speedup

SOURCE = """
int square(int x) { return x * x; }
int twice(int x) { return x + x; }
"""

BETTER_TWICE = """\
\t.text
\t.p2align 4
\t.globl\ttwice
\t.type\ttwice, @function
twice:
\tleal\t(%rdi,%rdi), %eax
\tret
\t.size\ttwice, .-twice
"""


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipe")
    unit = compile_unit(folder, "t.c", SOURCE)
    unit.source = str(folder / "t.c")  # the differential stage reads the C file
    return unit


class ScriptedProposer:
    """Returns fixed candidates, like a model or search would."""

    name = "scripted"

    def __init__(self, texts: dict[str, list[str]]) -> None:
        self.texts = texts

    def propose(self, task, budget_s):
        return [Candidate(task.name, text, f"scripted:{n}")
                for n, text in enumerate(self.texts.get(task.name, []))]


class Broken:
    name = "broken"

    def propose(self, task, budget_s):
        raise RuntimeError("server down")


def run(module, proposers, stages=None):
    workdir = tempfile.mkdtemp(prefix="llmcc-test-")
    # these functions are tiny: offer them anyway
    return pipeline.optimize(pipeline.UnitTask(module, proposers=proposers, source=module.source,
                                               compiler="gcc", flags=("-O3",), workdir=workdir,
                                               min_instructions=1), stages)


def test_no_proposer_leaves_the_module_as_it_was(module):
    result = run(module, [])
    assert result.module is module and result.decisions == []


def test_every_candidate_is_judged_and_a_copy_of_the_baseline_is_not_faster(module):
    proposer = ScriptedProposer({"twice": [
        BETTER_TWICE,
        "\tleal\t(%rdi,%rdi) %eax\n",  # not assembly the grammar accepts
        BETTER_TWICE.replace("twice", "thrice"),  # defines another function
    ]})
    result = run(module, [proposer])
    twice = next(d for d in result.decisions if d.name == "twice")
    assert [v.outcome for v in twice.verdicts] == [
        Outcome.NOT_FASTER, Outcome.PARSE_ERROR, Outcome.WRONG_FUNCTION]
    assert [v.stage for v in twice.verdicts] == ["timing", "parse", "define"]
    assert "line 1, column" in twice.verdicts[1].reason
    assert twice.chosen is None
    assert twice.verdicts[0].timing["first"]["rounds"] >= 10
    assert twice.verdicts[0].tests.failed == 0
    assert result.module.emit() == module.emit()


def test_a_failing_proposer_is_noted_and_the_build_goes_on(module):
    result = run(module, [Broken(), ScriptedProposer({"twice": [BETTER_TWICE]})])
    twice = next(d for d in result.decisions if d.name == "twice")
    assert any("proposer_failed" in note and "server down" in note for note in twice.notes)
    assert len(twice.verdicts) == 1


def test_an_accepting_stage_splices_the_fastest_candidate(module, tmp_path):
    speeds = {"scripted:0": 1.10, "scripted:1": 1.30}

    def timer(candidate, task, evidence):
        assert evidence.tests.valid == evidence.tests.run and evidence.valid_inputs
        return pipeline.Verdict(candidate, Outcome.ACCEPTED, "timing", "",
                                Speedup(speeds[candidate.origin]))

    slower = BETTER_TWICE.replace("leal\t(%rdi,%rdi), %eax",
                                  "movl\t%edi, %eax\n\taddl\t%edi, %eax")
    proposer = ScriptedProposer({"twice": [slower, BETTER_TWICE]})
    result = run(module, [proposer],
                 stages=[pipeline.static_checks, pipeline.differential_tests, timer])
    assert result.rewritten == ["twice"]
    assert result.module.emit() != module.emit()
    (tmp_path / "out.s").write_text(result.module.emit())
    subprocess.run(["gcc", "-c", "-x", "assembler", "out.s", "-o", "out.o"], cwd=tmp_path,
                   check=True)
    code = function_bytes(tmp_path / "out.o")
    assert code["twice"] == bytes.fromhex("8d043f c3".replace(" ", ""))  # lea (%rdi,%rdi); ret
    assert "square" in code


def test_functions_called_within_the_unit_are_offered_and_kept_to_their_registers(tmp_path):
    """gcc's -fipa-ra: a caller in the same unit may rely on registers its callee leaves
    alone, so a callee's candidate that writes one is rejected (llmcc.verify.registers);
    one that leaves them alone is judged as any other."""
    (tmp_path / "c.c").write_text(
        "__attribute__((noinline)) int leaf(int x) { return x * 7; }\n"
        "int caller(int x) { return leaf(x) + leaf(x + 1); }\n")
    subprocess.run(["gcc", "-O3", "-S", "c.c", "-o", "c.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "c.s").read_text())
    assert unit.internal_callers("leaf") == ["caller"]
    leaf = unit.function_text("leaf")
    clobbers = leaf.replace("\tret", "\txorl\t%r10d, %r10d\n\tret")
    proposer = ScriptedProposer({"leaf": [leaf.replace("\tret", "\tnop\n\tret"), clobbers],
                                 "caller": [unit.function_text("caller")]})
    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=[proposer], source=str(tmp_path / "c.c"), compiler="gcc",
        flags=("-O3",), workdir=str(tmp_path), min_instructions=1), stages=pipeline.CORRECTNESS)
    assert sorted(d.name for d in result.decisions) == ["caller", "leaf"]
    fates = next(d for d in result.decisions if d.name == "leaf").verdicts
    assert fates[0].outcome is Outcome.ACCEPTED
    assert fates[1].outcome is Outcome.ABI_VIOLATION and "r10" in fates[1].reason


def test_ifunc_resolvers_and_comdat_functions_are_not_offered(tmp_path):
    """A resolver runs inside the dynamic loader, before any sandbox; a comdat function may
    be replaced at link time by another unit's copy. Neither is offered."""
    (tmp_path / "r.c").write_text(
        "__attribute__((target_clones(\"avx2\", \"default\")))\n"
        "long total(const int *v, int n) { long s = 0; for (int i = 0; i < n; i++) s += v[i];"
        " return s; }\n")
    subprocess.run(["gcc", "-O3", "-S", "r.c", "-o", "r.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "r.s").read_text())
    assert "total.resolver" in unit.functions
    assert unit.loader_bound("total.resolver")
    assert not unit.loader_bound("total.default")
    offered = [fn.name for fn in pipeline.offered(unit, min_instructions=1)]
    assert "total.resolver" not in offered and "total.default" in offered

LOOPS = """
int add(int a, int b) { return a + b; }
long poly(long x) { return x * x * x + 3 * x * x - 7 * x + 11; }
long sum(const int *v, int n) { long s = 0; for (int i = 0; i < n; i++) s += v[i]; return s; }
long dot(const int *a, const int *b, int n)
{ long s = 0; for (int i = 0; i < n; i++) s += (long)a[i] * b[i]; return s; }
"""


def test_functions_with_loops_are_offered_first_and_tiny_ones_not_at_all(tmp_path):
    (tmp_path / "l.c").write_text(LOOPS)
    subprocess.run(["gcc", "-O3", "-S", "l.c", "-o", "l.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "l.s").read_text())
    assert unit.shape("add").instructions < pipeline.MIN_INSTRUCTIONS
    assert unit.shape("sum").loops and not unit.shape("poly").loops
    order = [fn.name for fn in pipeline.offered(unit)]
    assert set(order[:2]) == {"sum", "dot"} and order[2:] == ["poly"]
    # the larger loop first
    assert unit.shape(order[0]).instructions >= unit.shape(order[1]).instructions


def test_the_unit_budget_limits_what_is_offered(tmp_path):
    (tmp_path / "l.c").write_text(LOOPS)
    subprocess.run(["gcc", "-O3", "-S", "l.c", "-o", "l.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "l.s").read_text())
    asked = []

    class Recording:
        name = "recording"

        def propose(self, task, budget_s):
            asked.append((task.name, budget_s))
            return []

    pipeline.optimize(pipeline.UnitTask(unit, proposers=[Recording()], source=str(tmp_path / "l.c"),
                                        compiler="gcc", flags=("-O3",), workdir=str(tmp_path),
                                        max_functions=2))
    assert [name for name, _ in asked] == [fn.name for fn in pipeline.offered(unit)][:2]
    asked.clear()
    pipeline.optimize(pipeline.UnitTask(unit, proposers=[Recording()], source=str(tmp_path / "l.c"),
                                        compiler="gcc", flags=("-O3",), workdir=str(tmp_path),
                                        budget_s=30, unit_budget_s=5))
    assert asked and all(0 < budget <= 5 for _, budget in asked)


def test_a_variant_calling_a_helper_the_baseline_inlined_is_spliced_with_it(tmp_path):
    """-O2's ``hash_words`` and ``hash_pair`` call ``mix``, which -O3 inlined: each candidate
    brings its copy, passes the static checks and the differential tests, and the unit they
    are spliced into links and computes what gcc's -O3 object computes."""
    src = tmp_path / "helper.c"
    src.write_text(INLINED_HELPER.read_text())
    subprocess.run(["gcc", "-O3", "-S", "helper.c", "-o", "helper.s"], cwd=tmp_path, check=True)
    unit = parse_module((tmp_path / "helper.s").read_text())

    def accept(candidate, task, evidence):
        return pipeline.Verdict(candidate, Outcome.ACCEPTED, "timing", "", Speedup(1.2))

    result = pipeline.optimize(pipeline.UnitTask(
        unit, proposers=[Variants((Variant(("-O2",)),))], source=str(src), compiler="gcc",
        flags=("-O3",), workdir=str(tmp_path)),
        stages=[pipeline.static_checks, pipeline.differential_tests, accept])
    assert sorted(result.rewritten) == ["hash_pair", "hash_words"], [
        (v.outcome, v.reason) for d in result.decisions for v in d.verdicts]
    (tmp_path / "out.s").write_text(result.module.emit())
    (tmp_path / "main.c").write_text(
        "#include <stdio.h>\nunsigned hash_words(const unsigned *, int, unsigned);\n"
        "unsigned hash_pair(unsigned, unsigned);\nint main(void) {\n"
        "  unsigned w[37]; for (int i = 0; i < 37; i++) w[i] = i * 2654435761u;\n"
        "  for (int n = 0; n <= 37; n += 4)\n"
        "    printf(\"%u %u\\n\", hash_words(w, n, n), hash_pair(w[n % 37], n));\n}\n")
    subprocess.run(["gcc", "-c", "out.s", "-o", "out.o"], cwd=tmp_path, check=True)
    symbols = subprocess.run(["nm", "out.o"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout.split("\n")
    helpers = sorted(line.split()[-1] for line in symbols if " t mix" in line)
    assert helpers == ["mix.llmcc.llmcc0", "mix.llmcc.llmcc1"]  # local, one per candidate
    outputs = []
    for unit_file in ("out.o", "helper.c"):
        subprocess.run(["gcc", "-O3", "main.c", unit_file, "-o", "prog"], cwd=tmp_path,
                       check=True)
        outputs.append(subprocess.run(["./prog"], cwd=tmp_path, check=True,
                                      capture_output=True).stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 10


def test_a_clone_dwarf_does_not_describe_is_untestable_not_a_crash(tmp_path):
    """gcc's .part.0 clones have callers in their unit, so they are offered now; DWARF has no
    subprogram for them, which makes the function untestable (one verdict), never an error
    that sends the whole unit back to gcc."""
    from llmcc.records import FunctionTask

    source = f"{CORPUS}/003_cold_paths.c"
    flags = ("-O3", "-g")
    asm = tmp_path / "unit.s"
    subprocess.run(["gcc", *flags, "-S", source, "-o", str(asm)], check=True)
    module = parse_module(asm.read_text())
    fn = module.function("parse_digit.part.0")
    task = FunctionTask(module, fn, source, "gcc", flags, str(tmp_path))
    verdict = pipeline.judge(Candidate(fn.name, task.baseline_text, "test"), task,
                             pipeline.CORRECTNESS)
    assert verdict.outcome is Outcome.UNTESTABLE
    assert "no signature" in verdict.reason and "parse_digit.part.0" in verdict.reason
