"""The mutation-test material itself: enough mutants of every kind, each well formed and
different from gcc's text, errors that fail where they should, and correct candidates that
really are correct."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from mutants import (
    CORRECT_FLAG_SETS,
    EDIT_KINDS,
    ERROR_KINDS,
    INSERT_KINDS,
    INVERSE_CONDITION,
    STRING_KINDS,
    WRONG_KINDS,
    FunctionText,
    Mutant,
    assemble,
    baseline_text,
    canonical_text,
    compile_tu,
    corpus_functions,
    differs_from_baseline,
    fits_baseline,
    module_reach,
    select_mutants,
    string_registers,
    unit_of,
    wrong_candidates,
)

from llmcc.asm import parse_module, parse_statements
from llmcc.errors import AsmParseError

MIN_FUNCTIONS = 30
MIN_WRONG = 300
# measured: 49 of 50 functions have correct candidates (not digit_sum, which digital_root
# calls), 171 in all
MIN_FUNCTIONS_WITH_CORRECT = 45
MIN_CORRECT = 150
# measured: every selected edit mutant but a few equivalent ones (about 1% of all edits) is
# shown wrong by its probe
MIN_WITNESSED_SHARE = 0.95


def _workers() -> int:
    return max(2, os.cpu_count() or 2)


def _assembly_problem(mutant: Mutant, workdir) -> str | None:
    """Why the mutant does not parse or assemble cleanly (warnings count), or None."""
    try:
        parse_statements(mutant.text)
    except AsmParseError as exc:
        return f"{mutant.kind} ({mutant.description}): {exc}"
    proc = assemble(mutant.text, workdir)
    if proc.returncode != 0 or proc.stderr:
        return f"{mutant.kind} ({mutant.description}): {proc.stderr.strip()[:300]}"
    return None


# -- the corpus -----------------------------------------------------------------------------


def test_corpus_compiles_to_plain_functions(mutant_cases):
    assert len(mutant_cases) >= MIN_FUNCTIONS
    assert len({case.function for case in mutant_cases}) == len(mutant_cases)
    for case in mutant_cases:
        fn = parse_module(case.asm).function(case.function)
        assert fn.binding == "global" and not fn.opaque, case.function
    texts = {case.function: case.baseline for case in mutant_cases}
    features = {
        "a loop": lambda t: any(f"j{cc}\t.L" in t for cc in INVERSE_CONDITION),
        "a libc call": lambda t: "call\tstrlen" in t or "call\tmemcpy" in t,
        "a call within the unit": lambda t: "call\tdigit_sum" in t,
        "SSE vector code": lambda t: "movdqu" in t or "movups" in t,
        "scalar floating point": lambda t: "mulsd" in t or "addss" in t,
        "a jump table or lookup": lambda t: "CSWTCH" in t or "*.L" in t,
        "a global variable": lambda t: "(%rip)" in t and "counter" in t,
        "a cmov": lambda t: "\tcmov" in t,
        "a setcc": lambda t: "\tset" in t,
    }
    for name, present in features.items():
        assert any(present(t) for t in texts.values()), f"no corpus function has {name}"


def test_corpus_functions_lists_every_function():
    pairs = corpus_functions()
    assert len(pairs) >= MIN_FUNCTIONS
    for source, name in pairs:
        assert f" {name}(" in source and unit_of(name).source == source


# -- wrong mutants --------------------------------------------------------------------------


def test_enough_wrong_mutants_of_every_kind(mutant_cases):
    wrong = [m for case in mutant_cases for m in case.wrong]
    assert len(wrong) >= MIN_WRONG
    assert sum(1 for case in mutant_cases if case.wrong) >= MIN_FUNCTIONS
    kinds = Counter(m.kind for m in wrong)
    assert set(kinds) == set(WRONG_KINDS), f"missing: {set(WRONG_KINDS) - set(kinds)}"


def test_wrong_mutants_parse_and_assemble(mutant_cases, mutant_cache):
    wrong = [m for case in mutant_cases for m in case.wrong]
    with ThreadPoolExecutor(_workers()) as pool:
        problems = [p for p in pool.map(lambda m: _assembly_problem(m, mutant_cache), wrong) if p]
    assert not problems, "\n".join(problems[:10])


def test_all_mutants_of_some_functions_parse_and_assemble(mutant_cases, mutant_cache):
    """Beyond the sample: every mutant of every seventh function (about 400)."""
    everything = [m for case in mutant_cases[::7]
                  for m in wrong_candidates(case.asm, case.function)]
    assert len(everything) > 300
    with ThreadPoolExecutor(_workers()) as pool:
        problems = [p for p in pool.map(lambda m: _assembly_problem(m, mutant_cache), everything)
                    if p]
    assert not problems, "\n".join(problems[:10])


def test_wrong_mutants_differ_from_gcc_and_each_other(mutant_cases):
    for case in mutant_cases:
        raw = parse_module(case.asm).function_text(case.function)
        texts = [m.text for m in case.wrong]
        assert len(set(texts)) == len(texts), case.function
        for m in case.wrong:
            assert m.text not in (case.baseline, raw), (case.function, m.description)
            assert m.kind in WRONG_KINDS and m.description


def test_every_generated_mutant_is_unique_and_labelled(mutant_cases):
    case = next(c for c in mutant_cases if c.function == "sum_clamped")
    everything = wrong_candidates(case.asm, case.function)
    assert len(everything) > 100
    assert len({m.text for m in everything}) == len(everything)
    assert case.baseline not in {m.text for m in everything}
    # sum_clamped takes no string
    assert {m.kind for m in everything} == set(WRONG_KINDS) - set(STRING_KINDS)


def test_every_function_that_takes_a_string_gets_a_string_overread(mutant_cases):
    """Read from each function's prototype; sampled besides the other insertions, so a
    function with a string always has one."""
    assert string_registers(unit_of("my_strcmp"), "my_strcmp") == ("rdi", "rsi")
    assert string_registers(unit_of("to_upper"), "to_upper") == ("rsi",)
    assert string_registers(unit_of("crc8"), "crc8") == ()  # const unsigned char *: bytes
    takes = {c.function for c in mutant_cases if string_registers(c.unit, c.function)}
    assert len(takes) >= 7
    for case in mutant_cases:
        overreads = [m for m in case.wrong if m.kind in STRING_KINDS]
        assert len(overreads) == (case.function in takes), case.function
        for m in overreads:
            assert "movzbl (%r11), %r10d" in " ".join(m.text.split()), m.text


def test_edit_mutants_are_shown_wrong_by_probes(mutant_cases, confirmed_cases):
    edits = sum(1 for case in mutant_cases for m in case.wrong if m.kind in EDIT_KINDS)
    kept = sum(1 for case in confirmed_cases for m in case.wrong if m.kind in EDIT_KINDS)
    assert edits > 0 and kept / edits >= MIN_WITNESSED_SHARE, (kept, edits)
    for before, after in zip(mutant_cases, confirmed_cases, strict=True):
        inserts = [m for m in before.wrong if m.kind in INSERT_KINDS]
        assert [m for m in after.wrong if m.kind in INSERT_KINDS] == inserts
    assert sum(len(case.wrong) for case in confirmed_cases) >= MIN_WRONG


def test_equivalent_edits_are_not_confirmed(mutant_cache):
    """gcd's exits copy %ecx to %eax where both already hold the result; swapping them there
    changes nothing, and the probe must not claim otherwise."""
    unit = unit_of("gcd")
    asm = compile_tu(unit.source, mutant_cache)
    mutants = wrong_candidates(asm, "gcd")
    swaps = [m for m in mutants
             if m.kind == "swap_operands" and m.description.startswith("movl %ecx, %eax")]
    flips = [m for m in mutants if m.kind == "flip_branch"]
    shown = differs_from_baseline(unit, [("gcd", m.text) for m in swaps + flips], mutant_cache)
    assert swaps and not all(shown[:len(swaps)])
    assert flips and all(shown[len(swaps):])


# -- how mutants are made -------------------------------------------------------------------


def test_condition_inverses_pair_up():
    for cc, inverse in INVERSE_CONDITION.items():
        assert INVERSE_CONDITION[inverse] == cc != inverse


def _count(text: str, line: str) -> int:
    return sum(1 for row in text.splitlines() if " ".join(row.split()) == line)


def test_exit_insertions_cover_every_ret_and_keep_labels(mutant_cases):
    case = next(c for c in mutant_cases if c.function == "count_equal")
    fx = FunctionText(case.asm, case.function)
    rets = len(fx.rets)
    assert rets >= 3
    # gcc puts a jump target on a line of its own just before the ret
    targets = [fx.statements[i - 1].labels[0] for i in fx.rets if fx.statements[i - 1].labels]
    assert targets, "count_equal should have a ret that is a jump target"
    mutants = {m.kind: m for m in wrong_candidates(case.asm, case.function)}
    assert _count(mutants["direction_flag"].text, "std") == rets
    assert mutants["infinite_loop"].text.count("jmp\t.Lmutant_spin") == rets
    for kind, inserted in (("direction_flag", "std"), ("infinite_loop", ".Lmutant_spin")):
        rows = [" ".join(r.split()) for r in mutants[kind].text.splitlines()]
        for label in targets:
            assert rows[rows.index(f"{label}:") + 1].startswith(inserted), (kind, label)


def test_labels_on_the_ret_itself_move_onto_the_inserted_code():
    text = "\t.text\n\t.globl\tf\n\t.type\tf, @function\nf:\n\ttestl\t%edi, %edi\n" \
           "\tje\t.L2\n\tmovl\t$1, %eax\n.L2: ret\n\t.size\tf, .-f\n"
    mutant = next(m for m in wrong_candidates(text, "f") if m.kind == "direction_flag")
    rows = [" ".join(r.split()) for r in mutant.text.splitlines()]
    assert rows[rows.index(".L2:") + 1:rows.index(".L2:") + 3] == ["std", "ret"]


def test_entry_insertions_run_once_before_the_body(mutant_cases):
    case = next(c for c in mutant_cases if c.function == "collatz_steps")
    mutant = next(m for m in wrong_candidates(case.asm, case.function) if m.kind == "rdtsc")
    rows = [" ".join(r.split()) for r in mutant.text.splitlines()]
    start = rows.index("collatz_steps:")
    before = rows[start + 1:rows.index("rdtsc")]
    assert all(r.startswith(".cfi") or (r.endswith(":") and r.startswith(".LFB")) for r in before)


def test_constant_edits_leave_the_stack_pointer_alone(mutant_cases):
    for case in mutant_cases:
        for m in wrong_candidates(case.asm, case.function):
            if m.kind in ("const", "bound"):
                assert "%rsp" not in m.description and "%esp" not in m.description, m.description


def test_immediates_are_read_however_the_grammar_lexes_them():
    """``$2`` arrives as a bare memory operand with displacement ``$2`` (the grammar lets
    ``$`` start a symbol); ``$-4`` as an Immediate. Both must be mutated as constants."""
    text = "\t.text\n\t.globl\tf\n\t.type\tf, @function\nf:\n\taddl\t$2, %eax\n" \
           "\tandl\t$-4, %eax\n\tret\n\t.size\tf, .-f\n"
    consts = [m.description for m in wrong_candidates(text, "f") if m.kind == "const"]
    assert "addl $2, %eax: $2 -> $3" in consts
    assert "andl $-4, %eax: $-4 -> $-8" in consts


def test_selection_is_seeded_and_spread_over_kinds(mutant_cases):
    case = next(c for c in mutant_cases if c.function == "sum_clamped")
    everything = wrong_candidates(case.asm, case.function)
    first = select_mutants(everything, 12, seed=0)
    assert first == select_mutants(everything, 12, seed=0)
    assert first != select_mutants(everything, 12, seed=1)
    assert len({m.kind for m in first}) == 12
    assert len(select_mutants(everything, 10_000)) == len(everything)
    only = select_mutants(everything, 5, kinds=["drop"])
    assert len(only) == 5 and {m.kind for m in only} == {"drop"}


# -- error mutants --------------------------------------------------------------------------


def test_error_mutants_fail_where_they_should(mutant_cases, mutant_cache):
    seen = Counter()
    for case in mutant_cases[::4]:
        reach = module_reach(case.asm)
        for m in case.errors:
            seen[m.kind] += 1
            assert m.text != case.baseline
            if m.kind == "parse_error":
                with pytest.raises(AsmParseError):
                    parse_statements(m.text)
                continue
            parse_statements(m.text)
            proc = assemble(m.text, mutant_cache)
            if m.kind == "assemble_error":
                assert proc.returncode != 0 and "Error" in proc.stderr, m.description
            else:
                assert proc.returncode == 0, proc.stderr
                assert not fits_baseline(m.text, reach)
    assert set(seen) == set(ERROR_KINDS)


# -- correct candidates ---------------------------------------------------------------------


def test_correct_candidates_exist_for_most_functions(mutant_cases):
    with_some = [case for case in mutant_cases if case.correct]
    assert len(with_some) >= MIN_FUNCTIONS_WITH_CORRECT
    assert sum(len(case.correct) for case in mutant_cases) >= MIN_CORRECT
    # every flag set but one contributes: -O3 -fno-unroll-loops -fno-peel-loops gives
    # gcc's -O3 code for every corpus function
    used = {m.description for case in mutant_cases for m in case.correct}
    assert len(used) >= len(CORRECT_FLAG_SETS) - 1


def test_correct_candidates_are_distinct_and_fit_the_unit(mutant_cases, mutant_cache):
    candidates = []
    for case in mutant_cases:
        reach = module_reach(case.asm)
        keys = {canonical_text(case.baseline)}
        for m in case.correct:
            assert m.kind == "flags"
            key = canonical_text(m.text)
            assert key not in keys, (case.function, m.description)
            keys.add(key)
            assert fits_baseline(m.text, reach), (case.function, m.description)
            candidates.append(m)
    with ThreadPoolExecutor(_workers()) as pool:
        problems = [p for p in pool.map(lambda m: _assembly_problem(m, mutant_cache), candidates)
                    if p]
    assert not problems, "\n".join(problems[:10])


def test_correct_candidates_behave_like_gcc(mutant_cases, mutant_cache):
    for unit in {case.unit.name: case.unit for case in mutant_cases}.values():
        items = [(case.function, m.text) for case in mutant_cases if case.unit == unit
                 for m in case.correct]
        assert not any(differs_from_baseline(unit, items, mutant_cache)), unit.name


def test_no_correct_candidates_for_a_function_called_within_its_unit(mutant_cases):
    case = next(c for c in mutant_cases if c.function == "digit_sum")
    assert case.correct == ()


def test_canonical_text_ignores_cfi_and_label_names():
    a = "\t.text\nf:\n\t.cfi_startproc\n.L3:\n\tjmp\t.L3\n\t.cfi_endproc\n"
    b = "\t.text\nf:\n.L7:\n\tjmp\t.L7\n"
    c = "\t.text\nf:\n.L7:\n\tjne\t.L7\n"
    assert canonical_text(a) == canonical_text(b) != canonical_text(c)


def test_baseline_text_assembles_like_gcc(mutant_cases, mutant_cache):
    case = mutant_cases[0]
    assert baseline_text(case.asm, case.function) == case.baseline
    assert assemble(case.baseline, mutant_cache).returncode == 0
