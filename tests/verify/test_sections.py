"""What of a candidate reaches beyond its function: sections (code run at load, writable
data, notes), names it makes global or borrows, files it reads. Each attack is refused
statically, before gas sees the text; correct candidates compiled under other gcc options
(with read-only data sections and cold parts the baseline lacks) still pass."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from llmcc import pipeline
from llmcc.asm import parse_module
from llmcc.outcome import Outcome
from llmcc.records import Candidate, FunctionTask
from llmcc.verify.static import (
    GAS_DEFAULTS,
    check_assembles,
    check_directives,
    check_object_sections,
    check_program,
    check_static,
    function_march,
    function_policy,
    gas_defaults,
)

SOURCE = r"""
#include <stdlib.h>
#include <string.h>
int add(int a, int b) { return a + b; }
unsigned long len(const char *s) { return strlen(s) * 3 + 1; }
const char *pick(int i) { return i > 0 ? "positive" : i < 0 ? "negative" : "zero"; }
void scale(int *restrict out, const int *restrict in, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = in[i] * 3 + (i & 7);
}
int checked(int x)
{
    if (__builtin_expect(x < 0, 0))
        abort();
    return x * 2 + 1;
}
"""
FUNCTIONS = ("add", "len", "pick", "scale", "checked")
# the file an .include attack names; its text must never come back in a verdict
SECRET = "llmcc_secret_4f1d9c"


def _compile(folder: Path, flags: tuple[str, ...], name: str = "t") -> str:
    (folder / "t.c").write_text(SOURCE)
    out = folder / f"{name}.s"
    subprocess.run(["gcc", *flags, "-S", "t.c", "-o", str(out)], cwd=folder, check=True)
    return out.read_text()


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sections")
    return folder, parse_module(_compile(folder, ("-O3",)))


def judge(tu, name: str, text: str, flags: tuple[str, ...] = ("-O3",)):
    folder, module = tu
    march = function_march("gcc", flags, module.function_text(name), str(folder))
    return check_static(text, name, module, compiler="gcc", march=march, workdir=str(folder))


def at_entry(tu, name: str, code: str) -> str:
    """gcc's text for ``name`` with ``code`` inserted before its first instruction."""
    text = tu[1].function_text(name)
    anchor = "\t.cfi_startproc\n"
    assert anchor in text
    return text.replace(anchor, anchor + code, 1)


SYSCALL = "\t.byte\t0x0f, 0x05\n"
ATTACKS = {
    "init": ("\t.section\t.init\n\tmovl\t$39, %eax\n" + SYSCALL + "\t.text\n", ".init"),
    "fini": ("\t.section\t.fini\n" + SYSCALL + "\t.text\n", ".fini"),
    "init_array": ("\t.section\t.init_array\n\t.align 8\n\t.quad\tadd\n\t.text\n",
                   ".init_array"),
    "init_array_flags": ('\t.section\t.init_array.101,"a",@progbits\n\t.quad\tadd\n\t.text\n',
                         ".init_array.101"),
    "preinit_array": ("\t.section\t.preinit_array\n\t.quad\tadd\n\t.text\n", ".preinit_array"),
    "ctors": ("\t.section\t.ctors\n\t.quad\tadd\n\t.text\n", ".ctors"),
    "dtors_flags": ('\t.section\t.dtors,"a"\n\t.quad\tadd\n\t.text\n', ".dtors"),
    "data_section": ('\t.section\t.data.x,"aw"\n\t.long\t7\n\t.text\n', ".data.x"),
    "data": ("\t.data\n\t.long\t7\n\t.text\n", ".data"),
    "bss": ("\t.bss\n\t.zero\t64\n\t.text\n", ".bss"),
    "tdata": ("\t.section\t.tdata\n\t.long\t7\n\t.text\n", ".tdata"),
    "writable_rodata": ('\t.section\t.rodata.x,"aw"\n\t.long\t7\n\t.text\n', ".rodata.x"),
    "executable_rodata": ('\t.section\t.rodata.x,"ax"\n' + SYSCALL + "\t.text\n", ".rodata.x"),
    "note": ('\t.section\t.note.mine,"a"\n\t.long\t0\n\t.text\n', ".note.mine"),
    "own_code_section": ('\t.section\t.mytext,"ax"\n\tnop\n\t.text\n', ".mytext"),
    "other_text_section": ('\t.section\t.text.other,"ax",@progbits\n\tnop\n\t.text\n',
                           ".text.other"),
    "plt": ("\t.section\t.plt\n\tnop\n\t.text\n", ".plt"),
    "pushsection": ("\t.pushsection\t.init\n" + SYSCALL + "\t.popsection\n", ".init"),
    "previous": ("\t.section\t.fini\n\tnop\n\t.previous\n", ".fini"),
    "escaped_name": ('\t.section\t".in\\151t"\n\tnop\n\t.text\n', "section name"),
    "comdat": ('\t.section\t.rodata.g,"aG",@progbits,grp,comdat\n\t.long\t1\n\t.text\n',
               "grp"),
    "subsection": ("\t.subsection\t1\n\tnop\n\t.subsection\t0\n", ".subsection"),
    "protected": ("\t.protected\tadd\n", ".protected"),
    "include": ('\t.include\t"/etc/hostname"\n', ".include"),
    "incbin": ('\t.section\t.rodata\n\t.incbin\t"/etc/hostname"\n\t.text\n', ".incbin"),
    "macro": ("\t.macro\tm\n\tnop\n\t.endm\n", ".macro"),
    "rept": ("\t.rept\t2\n\tnop\n\t.endr\n", ".rept"),
    "irp": ("\t.irp\tr,1\n\tnop\n\t.endr\n", ".irp"),
    "org": ("\t.org\t.+16\n", ".org"),
    "uppercase": ("\t.SECTION\t.init\n\tnop\n\t.text\n", ".SECTION"),
    "ifunc": ("\t.type\tadd, @gnu_indirect_function\n", "gnu_indirect_function"),
    "personality": ("\t.cfi_personality 0x3,add\n", ".cfi_personality"),
    "global_memcmp": ("\tjmp\t.Lskip\n\t.globl\tmemcmp\nmemcmp:\n\txorl\t%eax, %eax\n\tret\n"
                      ".Lskip:\n", "memcmp"),
    "two_statements": ("\tnop; .section .init\n\tnop\n\t.text\n", "one statement"),
    # gas reads the .section inside the comment as one; the checks must not think it did
    "comment": ("\t.section\t.rodata\n/*\n\t.text\n*/\n" + SYSCALL + "\t.text\n", "/*"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attacks_are_forbidden_directives(tu, attack):
    code, words = ATTACKS[attack]
    finding = judge(tu, "add", at_entry(tu, "add", code))
    assert finding is not None and finding.outcome is Outcome.FORBIDDEN_DIRECTIVE, finding
    assert finding.stage == "static" and words in finding.reason, finding


@pytest.mark.parametrize("code, dropped, words", [
    ('\t.section\t.note.GNU-stack,"x",@progbits\n\t.text\n', ".note.GNU-stack",
     ".note.GNU-stack"),
    ("\t.text\t1\n\tnop\n\t.text\n", "\t.text\t1", "subsection"),
])
def test_switches_that_do_not_travel_are_refused_too(tu, code, dropped, words):
    """An empty section (an executable stack's note) and a subsection never reach a
    harness: the function's text is framed anew, by the sections its lines land in. The
    text check refuses them all the same, should that framing change."""
    module = tu[1]
    text = at_entry(tu, "add", code)
    assert dropped in text and dropped not in parse_module(text).function_text("add")
    finding = check_directives(text, module.function_text("add"),
                               function_policy(module, "add"))
    assert finding is not None and finding.outcome is Outcome.FORBIDDEN_DIRECTIVE
    assert words in finding.reason


@pytest.mark.parametrize("code, words", [
    ("\t.p2align 2,0x0f\n\t.p2align 3,0x05\n", "fill bytes"),
    ("\t.fill\t1, 2, 0x050f\n", "raw data"),
    ("\t.skip\t2, 0x0f\n", "raw data"),
])
def test_bytes_in_code_are_forbidden_instructions(tu, code, words):
    finding = judge(tu, "add", at_entry(tu, "add", code))
    assert finding is not None and finding.outcome is Outcome.FORBIDDEN_INSTRUCTION, finding
    assert words in finding.reason


def test_an_included_file_never_reaches_the_verdict(tu, tmp_path):
    """gas would assemble the file's text and quote it in its error; the directive checks
    come first, and no reason names what the file holds."""
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET} {SECRET}\n")
    for path in (str(secret), "/etc/hostname"):
        for code in (f'\t.include\t"{path}"\n',
                     f'\t.section\t.rodata\n\t.incbin\t"{path}"\n\t.text\n'):
            finding = judge(tu, "add", at_entry(tu, "add", code))
            assert finding is not None and finding.outcome is Outcome.FORBIDDEN_DIRECTIVE
            assert SECRET not in finding.reason
            if Path(path).exists() and Path(path).read_text().strip():
                assert Path(path).read_text().strip() not in finding.reason.split("line ")[-1]


def test_a_label_that_shadows_the_units_names_is_refused(tu):
    """``strlen:`` in the candidate would take the calls of the baseline's copy in the same
    harness file (both then agree on a wrong answer) and the user's other functions'."""
    text = tu[1].function_text("len").replace(
        "\tcall\tstrlen@PLT\n",
        "\tcall\tstrlen@PLT\n\tjmp\t.Lover\nstrlen:\n\txorl\t%eax, %eax\n\tret\n.Lover:\n")
    finding = judge(tu, "len", text)
    assert finding.outcome is Outcome.FORBIDDEN_DIRECTIVE and "strlen" in finding.reason


def test_data_outside_the_body_is_judged_where_the_function_uses_it(tu):
    """The one way text outside the function's body travels: the read-only data it refers
    to, copied with its section. A "read-only" block in .init is judged like the body."""
    text = tu[1].function_text("add").replace(
        "\tleal\t(%rdi,%rsi), %eax\n", "\tleal\t(%rdi,%rsi), %eax\n\tleaq\t.Lx(%rip), %rdx\n")
    text += "\t.section\t.init\n.Lx:\n" + SYSCALL
    assert ".init" in parse_module(text).function_text("add")
    finding = judge(tu, "add", text)
    assert finding.outcome is Outcome.FORBIDDEN_DIRECTIVE and ".init" in finding.reason
    # a section's attributes travel from wherever the text first gives them
    text = ('\t.section\t.rodata.x,"awx"\n' + at_entry(tu, "add", "\t.section\t.rodata.x\n"
                                                       ".Ly:\n\t.long\t1\n\t.text\n"))
    assert '"awx"' in parse_module(text).function_text("add")
    finding = judge(tu, "add", text)
    assert finding.outcome is Outcome.FORBIDDEN_DIRECTIVE and ".rodata.x" in finding.reason


def test_text_the_function_does_not_use_never_reaches_a_harness(tu):
    """Code after the function's .size that nothing refers to is dropped, not judged: the
    harness runs without it (a ud2 in .init would kill every run) and the splice lacks it."""
    folder, module = tu
    text = module.function_text("add") + "\t.section\t.init\n\t.byte\t0x0f, 0x0b\n"
    assert judge(tu, "add", text) is None
    assert ".init" not in module.with_candidates({"add": text}, "t").emit()
    source = folder / "t.c"
    task = FunctionTask(module, module.function("add"), str(source), "gcc", ("-O3",),
                        str(folder))
    verdict = pipeline.judge(Candidate("add", text, "test"), task, pipeline.CORRECTNESS)
    assert verdict.accepted, verdict


def test_the_init_attack_is_rejected_end_to_end(tu):
    """The reported attack: code in .init (gas makes it executable) ran before main, before
    the sandbox, and the candidate was accepted."""
    folder, module = tu
    text = at_entry(tu, "add", ATTACKS["init"][0])
    task = FunctionTask(module, module.function("add"), str(folder / "t.c"), "gcc", ("-O3",),
                        str(folder))
    verdict = pipeline.judge(Candidate("add", text, "test"), task, pipeline.CORRECTNESS)
    assert verdict.outcome is Outcome.FORBIDDEN_DIRECTIVE and verdict.stage == "static"
    assert ".init" in verdict.reason


def test_a_global_memcmp_no_longer_fools_the_comparison(tu):
    """A wrong ``add`` with a global memcmp that says "equal" was accepted: the harness
    compares outputs with memcmp, and the executable's definition wins."""
    folder, module = tu
    wrong = module.function_text("add").replace("(%rdi,%rsi)", "1(%rdi,%rsi)")
    text = wrong.replace("\tret\n", "\tret\n\t.globl\tmemcmp\nmemcmp:\n\txorl\t%eax, %eax\n"
                         "\tret\n", 1)
    task = FunctionTask(module, module.function("add"), str(folder / "t.c"), "gcc", ("-O3",),
                        str(folder))
    verdict = pipeline.judge(Candidate("add", text, "test"), task, pipeline.CORRECTNESS)
    assert verdict.outcome is Outcome.FORBIDDEN_DIRECTIVE and "memcmp" in verdict.reason


def test_an_ifunc_resolver_is_never_replaced(tmp_path):
    """gcc's resolver of a target_clones function runs in the dynamic loader: it lives in a
    comdat group, which no candidate may use, gcc's own code included."""
    (tmp_path / "r.c").write_text(
        '__attribute__((target_clones("avx2", "default")))\n'
        "int sum(const int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i];"
        " return s; }\n")
    subprocess.run(["gcc", "-O3", "-S", "r.c"], cwd=tmp_path, check=True)
    module = parse_module((tmp_path / "r.s").read_text())
    name = "sum.resolver"
    text = module.function_text(name)
    finding = check_static(text, name, module, compiler="gcc",
                           march=function_march("gcc", ("-O3",), text, str(tmp_path)),
                           workdir=str(tmp_path))
    assert finding.outcome is Outcome.FORBIDDEN_DIRECTIVE


# -- correct candidates ---------------------------------------------------------------------

CANDIDATE_FLAGS = (("-O3",), ("-O2",), ("-O3", "-funroll-loops"), ("-Os",), ("-O1",),
                   ("-O3", "-fno-tree-vectorize"))


@pytest.mark.parametrize("baseline_flags, extra", [
    (("-O3",), ()), (("-O1",), ()), (("-O3", "-ffunction-sections"), ("-ffunction-sections",)),
])
def test_correct_candidates_keep_passing(tmp_path, baseline_flags, extra):
    """gcc's code under other options passes, read-only data sections (.rodata.cst16,
    .rodata.str1.1) and cold parts (.text.unlikely, .text.unlikely.NAME) the baseline does
    not have included."""
    module = parse_module(_compile(tmp_path, baseline_flags, "base"))
    seen: set[str] = set()
    problems = []
    for n, flags in enumerate(CANDIDATE_FLAGS):
        candidate = _compile(tmp_path, (*flags, *extra), f"c{n}")
        for name in FUNCTIONS:
            text = parse_module(candidate).function_text(name)
            seen.update(line.split()[1].split(",")[0] for line in text.splitlines()
                        if line.strip().startswith(".section"))
            march = function_march("gcc", baseline_flags, module.function_text(name),
                                   str(tmp_path))
            finding = check_static(text, name, module, compiler="gcc", march=march,
                                   workdir=str(tmp_path))
            if finding is not None:
                problems.append(f"{flags} {name}: {finding}")
    assert not problems, "\n".join(problems)
    cold = ".text.unlikely.checked" if extra else ".text.unlikely"
    assert {".rodata.cst16", ".rodata.str1.1", cold} <= seen, seen


# -- what gas makes of section names -------------------------------------------------------

def _attributes(path: Path, name: str) -> tuple[set[str], str]:
    letters = ((0x2, "a"), (0x1, "w"), (0x4, "x"), (0x400, "T"))
    with open(path, "rb") as fh:
        section = ELFFile(fh).get_section_by_name(name)
        flags = {c for bit, c in letters if section["sh_flags"] & bit}
        return flags, section["sh_type"].lower().removeprefix("sht_")


@pytest.mark.parametrize("name", sorted({*GAS_DEFAULTS, *(f"{n}.x" for n in (
    ".text", ".init_array", ".data", ".bss", ".tdata", ".tbss", ".rodata")), ".note.x",
    ".ctors", ".foo"}))
def test_gas_defaults_are_what_gas_does(tmp_path, name):
    """The attributes the text check assumes for a section named without them are the
    installed assembler's."""
    src, obj = tmp_path / "s.s", tmp_path / "s.o"
    src.write_text(f"\t.section\t{name}\n\t.zero\t8\n")
    subprocess.run(["as", str(src), "-o", str(obj)], check=True)
    flags, kind = gas_defaults(name)
    assert _attributes(obj, name) == (set(flags), kind)


def test_the_object_check_reads_what_gas_made(tu, tmp_path):
    """The second layer judges the assembled object alone: text that reaches gas without
    the text checks (here, straight to check_assembles) is still refused."""
    folder, module = tu
    policy = function_policy(module, "add")
    march = function_march("gcc", ("-O3",), module.function_text("add"), str(folder))
    assert check_assembles(module.function_text("add"), "gcc", march, str(tmp_path),
                           policy) is None
    for code, section in (("\t.section\t.init\n\tnop\n", ".init"),
                          ("\t.section\t.init_array\n\t.quad\t0\n", ".init_array"),
                          ('\t.section\t.mytext,"ax"\n\tnop\n', ".mytext"),
                          ('\t.section\t.note.GNU-stack,"x",@progbits\n', ".note.GNU-stack"),
                          ("\t.data\n\t.long\t1\n", ".data")):
        text = module.function_text("add") + code
        finding = check_assembles(text, "gcc", march, str(tmp_path), policy)
        assert finding is not None and finding.outcome is Outcome.FORBIDDEN_DIRECTIVE, code
        assert f"section {section} " in finding.reason
    obj = tmp_path / "candidate.o"
    assert check_object_sections(str(obj), policy) is not None


# -- programs -------------------------------------------------------------------------------

PROGRAM = r"""#include <stdio.h>
#include <stdlib.h>
static int cache[1000];
int total = 5;
long big[10] = {1, 2, 3};
static const char *names[] = {"x", "y"};
_Thread_local int tl;
static int count(void) { static int k; return ++k; }
int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(void)
{
    int n;
    if (scanf("%d", &n) != 1 || n <= 0 || n > 100000) return 1;
    int *a = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) a[i] = (i * 7919) % n;
    qsort(a, n, sizeof(int), cmp);
    cache[n % 1000] += count();
    tl++;
    printf("%d %s %ld %d\n", a[n / 2], names[n & 1], big[n % 10], cache[3] + total + tl);
    return 0;
}
"""


@pytest.fixture(scope="module", params=[("-O3",), ("-O3", "-fcf-protection"),
                                        ("-O2", "-fno-pie", "-fno-common")])
def program(request, tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("program")
    (folder / "p.c").write_text(PROGRAM)
    subprocess.run(["gcc", *request.param, "-S", "p.c"], cwd=folder, check=True)
    return (folder / "p.s").read_text(), folder


def _check(program, text):
    baseline, folder = program
    return check_program(text, baseline, compiler="gcc", workdir=str(folder))


def test_gccs_own_program_passes(program):
    """Its data, bss, thread-local data, commons, .ident and notes are a program's."""
    assert _check(program, program[0]) is None


@pytest.mark.parametrize("code, outcome, words", [
    ("\tsyscall\n", Outcome.FORBIDDEN_INSTRUCTION, "syscall"),
    (SYSCALL, Outcome.FORBIDDEN_INSTRUCTION, "raw data"),
    ("\t.section\t.init\n" + SYSCALL + "\t.text\n", Outcome.FORBIDDEN_DIRECTIVE, ".init"),
    ("\t.section\t.preinit_array\n\t.quad\tmain\n\t.text\n", Outcome.FORBIDDEN_DIRECTIVE,
     ".preinit_array"),
    ('\t.section\t.mytext,"ax"\n\tnop\n\t.text\n', Outcome.FORBIDDEN_DIRECTIVE, ".mytext"),
    ('\t.section\t.note.mine,"a"\n\t.long\t0\n\t.text\n', Outcome.FORBIDDEN_DIRECTIVE,
     ".note.mine"),
    ("\t.globl\tprctl\n", Outcome.FORBIDDEN_DIRECTIVE, "prctl"),
    ("\t.comm\tenviron,8,8\n", Outcome.FORBIDDEN_DIRECTIVE, "environ"),
    ("\t.type\tmain, @gnu_indirect_function\n", Outcome.FORBIDDEN_DIRECTIVE, "indirect"),
    ('\t.include\t"/etc/hostname"\n', Outcome.FORBIDDEN_DIRECTIVE, ".include"),
])
def test_program_attacks_are_refused_before_linking(program, code, outcome, words):
    text = program[0].replace("main:\n", "main:\n" + code, 1)
    finding = _check(program, text)
    assert finding is not None and finding.outcome is outcome, finding
    assert words in finding.reason


def test_a_switch_hidden_in_a_note_is_refused(program):
    """After a note (whose lines the splitter keeps whole), a switch behind a label must
    not slip past: gas would put the bytes after it in code."""
    text = program[0] + '\t.section\t.note.GNU-stack,"",@progbits\nx: .text\n' + SYSCALL
    finding = _check(program, text)
    assert finding is not None and finding.outcome is Outcome.FORBIDDEN_DIRECTIVE
