"""A function whose unit refers to other units' symbols is tested inside its own program:
linked with the project's objects when they are known, with stand-ins when they are not
(llmcc.verify.harness.link); why inputs were not valid is counted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from program_tools import B_C

from llmcc.asm.module import parse_module
from llmcc.asm.objfile import object_symbols
from llmcc.outcome import Outcome
from llmcc.records import Counts, LinkedObject, ProgramParts
from llmcc.verify.harness import run_differential
from llmcc.verify.harness.link import UNKNOWN_SIZE, needed, stand_ins
from llmcc.verify.signature import External, external_declarations, signature_of

# a.c's function calls b.c's and reads b.c's table; c.c has main (as a project's would)
A_C = """\
extern const unsigned weights[16];
extern unsigned hits[];
unsigned mix(unsigned x);
unsigned bias(void);

unsigned score(unsigned x) {
    unsigned s = weights[x & 15] * x + hits[x & 3];
    if (x > 1000)
        s = mix(s) + bias();
    return s;
}
"""
C_C = """\
unsigned score(unsigned x);
unsigned bias(void) { return 7; }
int main(void) { return (int)score(3); }
"""
# the same function, calling mix twice: its result is the same, b.c's state is not
TWICE = A_C.replace("s = mix(s) + bias();", "{ mix(s); s = mix(s) + bias(); }")
# calling mix on more inputs than the baseline does
EARLIER = A_C.replace("x > 1000", "x > 100")


class Unit:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for name, text in (("a.c", A_C), ("b.c", B_C), ("c.c", C_C), ("twice.c", TWICE),
                           ("earlier.c", EARLIER)):
            (folder / name).write_text(text)
        for name in ("a", "twice", "earlier"):
            subprocess.run(["gcc", "-O3", "-S", f"{name}.c", "-o", f"{name}.s"], cwd=folder,
                           check=True)
        for name in ("b", "c"):
            subprocess.run(["gcc", "-O2", "-c", f"{name}.c", "-o", f"{name}.o"], cwd=folder,
                           check=True)
        self.module = parse_module((folder / "a.s").read_text())
        self.sig = signature_of(str(folder / "a.c"), "score", "gcc", ("-O3",))

    def text(self, name: str) -> str:
        return (self.folder / f"{name}.s").read_text()

    def program(self, names=("b", "c")) -> ProgramParts:
        objects = []
        for name in names:
            path = self.folder / f"{name}.o"
            found = object_symbols(path.read_bytes())
            objects.append(LinkedObject(str(path), str(self.folder / f"{name}.c"), str(path),
                                        found.defines, found.needs, found.calls))
        return ProgramParts(tuple(objects), ("-lm",), lambda o: Path(o.key).read_bytes())

    def run(self, candidate: str, tmp: Path, program: ProgramParts | None = None, **kw):
        return run_differential(self.module, self.sig, candidate, compiler="gcc",
                                flags=("-O3",), workdir=str(tmp),
                                program=(lambda: program) if program else None, **kw)


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> Unit:
    return Unit(tmp_path_factory.mktemp("link"))


def test_the_unit_alone_gets_stand_ins_and_inputs_reaching_one_are_not_valid(unit, tmp_path):
    result = unit.run(unit.text("a"), tmp_path)
    assert result.outcome is None, result.reason
    counts = result.counts
    assert 0 < counts.stand_in < counts.run and counts.valid + counts.stand_in <= counts.run
    assert counts.invalid().startswith(f"{counts.stand_in} reached a stand-in")
    notes = " ".join(result.notes)
    assert "functions mix, bias (an input that reaches one is not valid)" in notes
    assert "weights (64 zero bytes)" in notes
    assert f"hits (size unknown: {UNKNOWN_SIZE} zero bytes)" in notes
    assert f"stand-ins reached: mix on {counts.stand_in}" in notes
    # the decision waits for mix (reached) and the data the function names
    assert set(result.waiting) == {"mix", "weights", "hits"}
    assert any(p.endswith("stand_ins.s") for p in result.link)


def test_too_few_valid_inputs_names_the_stand_in_reached(unit, tmp_path):
    result = unit.run(unit.text("a"), tmp_path, min_valid=1000)
    assert result.outcome is Outcome.UNTESTABLE
    assert "reached a stand-in (mix)" in result.reason, result.reason


def test_a_candidate_reaching_a_stand_in_the_baseline_does_not_fails(unit, tmp_path):
    result = unit.run(unit.text("earlier"), tmp_path)
    assert result.outcome is Outcome.TEST_MISMATCH
    assert "stand-in" in result.reason and "[the stand-in reached: mix]" in result.reason


def test_with_the_projects_objects_every_input_is_valid(unit, tmp_path):
    result = unit.run(unit.text("a"), tmp_path, unit.program())
    assert result.outcome is None, result.reason
    assert result.counts.stand_in == 0 and result.counts.valid == result.counts.run
    # c.o defines main too: made local there, the harness's own is the program's
    assert result.notes[0].startswith("harness linked with 2 of the project's objects "
                                      "(b.o, c.o)"), result.notes
    assert result.waiting == ()
    assert any(p.endswith(".a") for p in result.link) and "-lm" in result.link


def test_another_units_state_is_compared(unit, tmp_path):
    # twice.c returns what a.c returns, but counts b.c's mixes differently: told apart
    assert unit.run(unit.text("twice"), tmp_path, unit.program()).outcome \
        is Outcome.TEST_MISMATCH


def test_the_objects_a_harness_needs_and_theirs_in_turn():
    def obj(name, defines, needs=()):
        return LinkedObject(name, name, name, frozenset(defines), frozenset(needs),
                            frozenset())

    newer_b, b, c, d = (obj("newer_b", {"mix"}, {"table"}), obj("b", {"mix", "other"}),
                        obj("c", {"table"}, {"mix"}), obj("d", {"unused"}))
    assert needed((newer_b, b, c, d), ["mix"]) == [newer_b, c]
    assert needed((b, newer_b, c, d), ["mix", "nowhere"]) == [b]


def _alone(folder: Path, source: str, function: str, program=None):
    """The baseline of ``function`` in the C text ``source`` against itself."""
    (folder / "u.c").write_text(source)
    subprocess.run(["gcc", "-O3", "-S", "u.c", "-o", "u.s"], cwd=folder, check=True)
    module = parse_module((folder / "u.s").read_text())
    sig = signature_of(str(folder / "u.c"), function, "gcc", ("-O3",))
    work = folder / "work"
    work.mkdir()
    return run_differential(module, sig, module.emit(), compiler="gcc", flags=("-O3",),
                            workdir=str(work), program=program)


def test_the_symbol_that_stops_the_harness_is_named(tmp_path):
    # a versioned reference: no stand-in can be made for it, and the reason says which
    result = _alone(tmp_path, '__asm__(".symver old_f, f@VER_1");\nint old_f(int);\n'
                    "int g(int x) { return x > 5 ? old_f(x) : x + 1; }\n", "g")
    assert result.outcome is Outcome.UNTESTABLE
    assert "f@VER_1" in result.reason, result.reason


def test_declarations_give_the_stand_ins_their_shape(unit):
    found = external_declarations(str(unit.folder / "a.c"), "gcc", ("-O3",))
    assert found["mix"].function and found["weights"] == External("weights", False, 64, 4)
    assert found["hits"].size is None  # an array of unknown bound
    text, functions, told = stand_ins(["mix", "weights", "hits", "tls_var", "called"], found,
                                      {"called"}, {"tls_var"})
    assert functions == ("mix", "called")
    assert ".tbss" in text and "\t.zero\t64" in text and f"\t.zero\t{UNKNOWN_SIZE}" in text
    assert told == (f"weights (64 zero bytes), hits (size unknown: {UNKNOWN_SIZE} zero bytes), "
                    f"tls_var (size unknown: {UNKNOWN_SIZE} zero bytes); functions mix, called "
                    "(an input that reaches one is not valid)")


def test_counts_read_back_from_older_records():
    assert Counts.from_json({"run": 3, "valid": 2, "failed": 0}) == Counts(3, 2, 0)
    counts = Counts(10, 4, 0, crashed=1, stand_in=5)
    assert Counts.from_json(counts.as_json()) == counts
    assert counts.as_json() == {"run": 10, "valid": 4, "failed": 0, "crashed": 1,
                                "stand_in": 5}
    assert counts.invalid() == "5 reached a stand-in, 1 crashed the baseline"
    assert Counts(3, 3, 0).invalid() == ""


@pytest.mark.skipif(not os.path.exists("/usr/bin/objcopy"), reason="needs binutils")
def test_object_symbols_of_an_object(unit):
    found = object_symbols((unit.folder / "b.o").read_bytes())
    assert found.defines == {"weights", "hits", "mixes", "mix"} and not found.needs
    assert ".bss" in found.writable
    assert object_symbols(b"not an object") is None


def test_an_object_that_cannot_be_read_is_left_out(unit, tmp_path):
    parts = unit.program()
    gone = parts.objects[0]._replace(key=str(tmp_path / "evicted.o"))
    readable = ProgramParts((gone, *parts.objects), parts.libraries,
                            lambda o: Path(o.key).read_bytes() if Path(o.key).exists()
                            else None)
    result = unit.run(unit.text("a"), tmp_path, readable)
    assert result.outcome is None and result.counts.stand_in == 0, result.reason


def test_objects_compiled_without_pie_link_into_a_harness_without_pie(unit, tmp_path):
    folder = tmp_path / "nopie"
    folder.mkdir()
    # the address of a string in a register: a 32-bit absolute relocation, which no PIE
    # takes
    (folder / "b.c").write_text(B_C + 'const char *mix_name(void) { return "mix"; }\n')
    subprocess.run(["gcc", "-O2", "-fno-pie", "-c", "b.c", "-o", "b.o"], cwd=folder,
                   check=True)
    found = object_symbols((folder / "b.o").read_bytes())
    obj = LinkedObject(str(folder / "b.o"), str(folder / "b.c"), str(folder / "b.o"),
                       found.defines, found.needs, found.calls)
    parts = ProgramParts((obj,), (), lambda o: Path(o.key).read_bytes())
    result = unit.run(unit.text("a"), tmp_path, parts)
    assert result.outcome is None, result.reason
    assert "-no-pie" in result.link


def test_another_programs_object_that_defines_the_function_too(unit, tmp_path):
    # an object of another program of the project defines score (the unit's) and mix: the
    # harness's and the unit's definitions are kept
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "other.c").write_text(B_C + "unsigned bias(void) { return 1; }\n"
                                    "unsigned score(unsigned x) { return x; }\n")
    subprocess.run(["gcc", "-O2", "-c", "other.c"], cwd=folder, check=True)
    found = object_symbols((folder / "other.o").read_bytes())
    other = LinkedObject(str(folder / "other.o"), str(folder / "other.c"),
                         str(folder / "other.o"), found.defines, found.needs, found.calls)
    parts = ProgramParts((other,), (), lambda o: Path(o.key).read_bytes())
    result = unit.run(unit.text("a"), tmp_path, parts)
    assert result.outcome is None and result.counts.stand_in == 0, result.reason
    assert "defined twice, the unit's or the harness's kept: score" in result.notes


def test_the_projects_libraries_alone_resolve_what_no_object_defines(tmp_path):
    # the unit calls zlib's crc32: no object of the project defines it, its links take -lz
    parts = ProgramParts((), ("-lz",), lambda o: None)
    result = _alone(tmp_path,
                    "unsigned long crc32(unsigned long, const unsigned char *, unsigned);\n"
                    "unsigned long sum(const unsigned char *p, unsigned n) "
                    "{ return crc32(0, p, n); }\n", "sum", lambda: parts)
    if "cannot find -lz" in result.reason:
        pytest.skip("no zlib to link with here")
    assert result.outcome is None and result.counts.stand_in == 0, result.reason
    assert result.notes[0] == "harness linked with the project's libraries: -lz"


def test_a_library_that_is_gone_is_left_out(unit, tmp_path):
    parts = unit.program()._replace(libraries=("-lllmcc_no_such_library",))
    result = unit.run(unit.text("a"), tmp_path, parts)
    assert result.outcome is None and result.counts.stand_in == 0, result.reason
    assert any(n.startswith("the project's libraries left out:") for n in result.notes)
