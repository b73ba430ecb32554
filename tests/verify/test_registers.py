"""Functions with callers in their unit (gcc's -fipa-ra): the registers code may write, a
candidate kept to the baseline's, statically and by the harness's trampoline."""

from __future__ import annotations

import subprocess

import pytest
from corpus_tools import compile_unit

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.records import Candidate, FunctionTask
from llmcc.verify import registers
from llmcc.verify.registers import (
    CALLER_SAVED,
    baseline_writes,
    candidate_writes,
    canonical,
    check_callers,
    local_writes,
    preserved_for_callers,
)


def body(*instructions: str, name: str = "f", binding: str = ".globl") -> str:
    """A function ``name`` of these instructions, as gcc frames one (``binding``: its
    directive, "" for a local function)."""
    lines = "".join(f"\t{ins}\n" for ins in instructions)
    bind = f"\t{binding}\t{name}\n" if binding else ""
    return (f"\t.text\n{bind}\t.type\t{name}, @function\n{name}:\n{lines}"
            f"\tret\n\t.size\t{name}, .-{name}\n")


def sure(*instructions: str) -> set[str]:
    return set(local_writes(body(*instructions)).sure)


def may(*instructions: str) -> set[str]:
    return set(local_writes(body(*instructions)).may)


@pytest.mark.parametrize(("name", "register"), [
    ("eax", "rax"), ("ax", "rax"), ("al", "rax"), ("ah", "rax"), ("sil", "rsi"),
    ("r8d", "r8"), ("r10w", "r10"), ("r11b", "r11"), ("ymm3", "xmm3"), ("zmm17", "xmm17"),
    ("st(1)", "st"), ("mm2", "st"), ("k5", "k5"),
])
def test_sub_registers_are_their_whole_register(name, register):
    assert canonical(name) == register


@pytest.mark.parametrize(("instruction", "written"), [
    ("movb $1, %al", {"rax"}),
    ("sete %sil", {"rsi"}),
    ("movw %r9w, %r8w", {"r8"}),
    ("addl (%rdi,%rcx,4), %r10d", {"r10"}),
    ("movl %edx, (%rdi,%rsi,4)", set()),  # a store: the address registers are only read
    ("cmpq %rdx, %rcx", set()),
    ("testb $1, %dil", set()),
    ("btq %rsi, %rdi", set()),
    ("ucomisd %xmm1, %xmm0", set()),
    ("pushq %rcx", set()),
    ("popq %rcx", {"rcx"}),
    ("leaq 8(%rsi,%rdx), %r9", {"r9"}),
    ("imull %esi, %edi", {"rdi"}),
    ("imulq $3, %rsi, %rax", {"rax"}),
    ("mull %ecx", {"rax", "rdx"}),
    ("idivq %r8", {"rax", "rdx"}),
    ("divl 4(%rsp)", {"rax", "rdx"}),
    ("cltq", {"rax"}),
    ("cqto", {"rdx"}),
    ("cltd", {"rdx"}),
    ("xchgq %rsi, %rdi", {"rsi", "rdi"}),
    ("lock xaddl %eax, (%rdi)", {"rax"}),
    ("lock cmpxchgq %rcx, (%rdi)", {"rax"}),
    ("mulx %r8, %r9, %r10", {"r9", "r10"}),
    ("rep stosq", {"rcx", "rdi"}),
    ("stosq", {"rdi"}),
    ("rep movsb", {"rcx", "rsi", "rdi"}),
    ("movsd %xmm1, %xmm2", {"xmm2"}),  # SSE, not the string move
    ("pxor %xmm9, %xmm9", {"xmm9"}),
    ("vaddps %zmm1, %zmm2, %zmm3{%k1}{z}", {"xmm3"}),  # the mask is only read
    ("vpgatherdd %ymm2, (%rax,%ymm1,4), %ymm0", {"xmm2", "xmm0"}),  # the mask is cleared
    ("vpgatherdd (%rax,%zmm1,4), %zmm0{%k1}", {"xmm0", "k1"}),
    ("vpcmpd $1, %zmm0, %zmm1, %k2", {"k2"}),
    ("kortestw %k1, %k1", set()),
    ("pcmpistri $12, %xmm1, %xmm0", {"rcx"}),
    ("vzeroupper", {f"xmm{n}" for n in range(16)}),
    ("fnstsw %ax", {"st", "rax"}),
    ("movq %xmm0, %rax", {"rax"}),
    ("cpuid", {"rax", "rbx", "rcx", "rdx"}),
])
def test_what_an_instruction_writes(instruction, written):
    assert sure(instruction) == written
    assert may(instruction) == written


def test_a_rep_prefix_on_its_own_line_counts_for_the_next_instruction():
    assert sure("rep", "stosq") == {"rcx", "rdi"}


def test_an_instruction_the_table_does_not_know_writes_every_register_it_names_for_a_candidate():
    assert may("frobnicateq %r10, %r11") == {"r10", "r11"}
    assert sure("frobnicateq %r10, %r11") == {"r11"}  # gcc's reading: the last operand


def test_a_byte_multiply_writes_ax_but_a_candidate_counts_rdx_too():
    assert sure("mulb %cl") == {"rax"}
    assert may("mulb %cl") == {"rax", "rdx"}


UNIT = "".join([
    body("movl %edi, %eax", "addl %esi, %eax", name="leaf", binding=""),
    body("leal 1(%rdi), %r8d", "call leaf", "addl %r8d, %eax", name="mid", binding=""),
    body(name="soft", binding=".weak"),
    body("xorl %r9d, %r9d", name="pub"),
    body("movl $3, %ecx", "jmp leaf", name="tail", binding=""),
    body("call memcpy", name="out", binding=""),
    body("call *%rsi", name="via", binding=""),
    body("call pub@PLT", name="pubcall", binding=""),
    body("call soft", name="softcall", binding=""),
])


@pytest.fixture(scope="module")
def unit():
    return parse_module(UNIT)


def test_calls_in_the_unit_add_what_the_callee_writes(unit):
    assert baseline_writes(unit, "mid").registers == {"r8", "rax"}
    assert baseline_writes(unit, "tail").registers == {"rcx", "rax"}  # a tail call


@pytest.mark.parametrize("name", ["out", "via", "pubcall", "softcall"])
def test_calls_that_may_leave_the_unit_write_every_caller_saved_register(unit, name):
    """memcpy is outside the unit, *%rsi anywhere; pub@PLT may be interposed, soft is weak."""
    assert baseline_writes(unit, name).registers == set(CALLER_SAVED)
    assert preserved_for_callers(unit, name) == frozenset()


def test_callers_rely_on_what_the_baseline_leaves_alone(unit):
    assert unit.internal_callers("leaf") == ["mid", "tail"]  # the tail call counts
    kept = preserved_for_callers(unit, "leaf")
    assert "rax" not in kept and {"rcx", "rsi", "rdi", "r8", "r11", "xmm0", "k1"} <= kept
    assert preserved_for_callers(unit, "pubcall") == frozenset()  # its callers: none
    assert check_callers(body("xorl %r11d, %r11d", name="pubcall"), "pubcall", unit) is None


def test_a_candidate_writing_a_register_the_baseline_leaves_alone_is_rejected(unit):
    assert check_callers(body("leal (%rdi,%rsi), %eax", name="leaf"), "leaf", unit) is None
    finding = check_callers(body("movl %edi, %eax", "xorl %r11d, %r11d", "addl %esi, %eax",
                                 name="leaf"), "leaf", unit)
    assert finding.outcome is Outcome.ABI_VIOLATION
    assert finding.reason.startswith("may write r11 (line 6: xorl %r11d, %r11d), which "
                                     "callers in this unit (mid, tail) may keep live")


def test_what_a_candidate_calls_counts(unit):
    """In the unit, through its own helpers, or anywhere."""
    finding = check_callers(body("call pub", name="leaf"), "leaf", unit)
    assert "r9" in finding.reason and "in pub" in finding.reason
    helper = body("call leaf.helper", name="leaf") + body("movl $1, %r10d",
                                                          name="leaf.helper")
    assert "may write r10 (line 5: movl $1, %r10d in leaf.helper)" in check_callers(
        helper, "leaf", unit).reason
    assert "memcpy outside the unit" in check_callers(body("call memcpy", name="leaf"),
                                                      "leaf", unit).reason
    assert "an indirect call" in check_callers(body("call *%rdx", name="leaf"), "leaf",
                                               unit).reason
    # mid calls leaf back: the candidate's, which calls mid (the union ends the recursion)
    assert candidate_writes(body("call mid", name="leaf"), "leaf", unit).registers == {
        "r8", "rax"}


def test_an_indirect_jump_counts_everything_for_a_candidate_but_nothing_for_gcc():
    text = body("jmp *%rdi")
    assert local_writes(text).may_everything and not local_writes(text).everything
    assert set(local_writes(text).sure) == set()


def test_gcc_jump_tables_are_jumps_inside_the_function(tmp_path):
    """A switch's table (PIC: offsets added to the table's address, hoisted out of a loop;
    non-PIC: addresses) jumps only to the function's own labels."""
    (tmp_path / "s.c").write_text("""
        int pick(int k, int a, int b) {
            switch (k) { case 0: return a + b; case 1: return a - b; case 2: return a * b;
                         case 3: return a ^ b; case 4: return a | b; case 5: return b;
                         case 6: return a & b; default: return 0; } }
        long walk(const int *v, long n) { long s = 0;
            for (long i = 0; i < n; i++) switch (v[i]) { case 0: s += 3; break;
                case 1: s ^= 7; break; case 2: s -= 1; break; case 3: s *= 3; break;
                case 4: s >>= 1; break; case 5: s += i; break; default: break; }
            return s; }
    """)
    for pic in ("-fPIC", "-fno-pic"):
        subprocess.run(["gcc", "-O3", pic, "-S", "s.c", "-o", "s.s"], cwd=tmp_path, check=True)
        unit = parse_module((tmp_path / "s.s").read_text())
        for name in ("pick", "walk"):
            text = unit.function_text(name)
            assert "jmp\t*" in text
            found = local_writes(text)
            assert not found.may_everything and found.may == found.sure, (pic, name)


# functions of the corpus with an indirect jump no jump table of their own explains:
# indirect tail calls, and computed gotos through a table of the unit's data
UNFOLLOWED = {"tc_indirect", "apply_binop", "cg_run", "vm_exec", "luaV_execute",
              "rvm_run_goto"}


def test_gcc_code_reads_the_same_in_both_bounds(corpus):
    """On the corpus (-g's labels in the way too), every instruction gcc emits is one the
    analysis knows, and every jump table one it follows: the lower and the upper bound
    agree but where an indirect jump leaves for somewhere it cannot tell."""
    seen = 0
    for tu in corpus:
        if tu.flags not in (("-O3",), ("-O3", "-march=skylake-avx512", "-g", "-fPIC")):
            continue
        unit = parse_module(tu.text)
        for name, fn in unit.functions.items():
            if fn.opaque:
                continue
            found = local_writes(unit.function_text(name))
            seen += 1
            assert found.sure == found.may, (tu.id, name)
            assert not found.may_everything or name in UNFOLLOWED, (tu.id, name)
    assert seen > 500


# -- end to end: the pipeline's stages on a unit gcc compiled with -fipa-ra -------------------

IPA_RA = """
static __attribute__((noinline)) int leaf(int x) { return x * 7 + 3; }
int caller(int x, int y, int z) { int a = leaf(x); int b = leaf(y); return a + b + x + y + z; }
"""


@pytest.fixture(scope="module")
def ipa_ra(tmp_path_factory):
    """The unit, its baseline for ``leaf``, and what its caller keeps across the calls."""
    folder = tmp_path_factory.mktemp("ipa_ra")
    return folder, compile_unit(folder, "u.c", IPA_RA)


def _judge(folder, unit, text: str):
    fn = unit.function("leaf")
    task = FunctionTask(unit, fn, str(folder / "u.c"), "gcc", ("-O3",), str(folder))
    return pipeline.judge(Candidate("leaf", text, "test"), task, pipeline.CORRECTNESS)


def test_gcc_lets_the_caller_keep_values_in_scratch_registers(ipa_ra):
    """The premise: with -fipa-ra, caller keeps x, y and z in %edi/%esi/%edx (or copies in
    other scratch registers) across its calls of leaf, which leaves them alone."""
    _, unit = ipa_ra
    caller = unit.function_text("caller")
    first, second = caller.index("call\tleaf"), caller.rindex("call\tleaf")
    assert first != second
    after = caller[second:]
    assert "%esi" in after and "%edx" in after  # read after the calls, never saved
    assert "push" not in caller and "(%rsp)" not in caller
    assert unit.internal_callers("leaf") == ["caller"]
    assert "leaf" in [fn.name for fn in pipeline.offered(unit, min_instructions=1)]


def test_a_candidate_that_leaves_the_registers_alone_passes(ipa_ra):
    folder, unit = ipa_ra
    text = unit.function_text("leaf").replace("subl\t%edi, %eax", "subl\t%edi, %eax\n\tnop")
    verdict = _judge(folder, unit, text)
    assert verdict.outcome is Outcome.ACCEPTED, verdict.reason


CLOBBERS = [("xorl\t%r11d, %r11d", "r11"), ("movl\t%edi, %ecx", "rcx"),
            ("pxor\t%xmm5, %xmm5", "xmm5")]


@pytest.mark.parametrize(("clobber", "register"), CLOBBERS)
def test_a_candidate_that_clobbers_one_is_rejected_statically(ipa_ra, clobber, register):
    folder, unit = ipa_ra
    text = unit.function_text("leaf").replace("\tret", f"\t{clobber}\n\tret")
    verdict = _judge(folder, unit, text)
    assert verdict.outcome is Outcome.ABI_VIOLATION and verdict.stage == "abi"
    assert verdict.reason.startswith(f"may write {register} ")
    assert "-fipa-ra" in verdict.reason and verdict.tests is None  # nothing ran


@pytest.mark.parametrize(("clobber", "register"), CLOBBERS)
def test_the_trampoline_catches_it_without_the_static_check(ipa_ra, monkeypatch, clobber,
                                                             register):
    folder, unit = ipa_ra
    monkeypatch.setattr(registers, "check_callers", lambda *args: None)
    text = unit.function_text("leaf").replace("\tret", f"\t{clobber}\n\tret")
    verdict = _judge(folder, unit, text)
    assert verdict.outcome is Outcome.ABI_VIOLATION and verdict.stage == "abi"
    assert f"changes {register}, which callers in this unit may keep live" in verdict.reason


def test_the_trampoline_seeds_only_registers_no_argument_arrives_in(ipa_ra):
    """leaf(int x): x arrives in %edi, so %rdi keeps its value and the other argument
    registers get canaries; so do the vector registers, as no float argument comes."""
    from llmcc.verify.harness.trampoline import SCRATCH, seed_mask
    from llmcc.verify.signature import signature_of

    folder, _ = ipa_ra
    sig = signature_of(str(folder / "u.c"), "leaf", "gcc", ("-O3",))
    mask = seed_mask(sig)
    seeded = {reg for bit, reg in enumerate(SCRATCH) if mask >> bit & 1}
    assert "rdi" not in seeded
    assert {"rax", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11", "xmm0", "xmm15"} <= seeded
