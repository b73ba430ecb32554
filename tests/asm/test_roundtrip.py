"""Round trip over the corpus: split/emit is lossless, and the grammar's own rendering
assembles to byte-identical objects."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

from corpus_tools import CorpusTU, assemble

from llmcc.asm import parse_module, parse_statements
from llmcc.asm.lines import DEBUG_CHUNK, split_lines

MIN_CORPUS_TUS = 200


def test_corpus_is_large_enough(corpus):
    assert len(corpus) >= MIN_CORPUS_TUS
    features = {
        "jump table": lambda t: "\t.long\t.L" in t,
        "cold partition": lambda t: ".cold:" in t,
        "inline asm": lambda t: "#APP" in t,
        "AVX-512": lambda t: "%zmm" in t,
        "debug info": lambda t: ".debug_info" in t,
        "PIC": lambda t: "@GOTPCREL" in t or "@PLT" in t,
        "x87": lambda t: "fld" in t,
        "TLS": lambda t: "@tpoff" in t or "@tlsgd" in t or "%fs:" in t,
    }
    for name, present in features.items():
        assert any(present(tu.text) for tu in corpus), f"no corpus TU has {name}"


def test_split_and_emit_are_lossless(corpus):
    for tu in corpus:
        text = tu.text
        lines, _ = split_lines(text)
        assert "\n".join(line.text for line in lines) == text, tu.id
        assert parse_module(text).emit() == text, tu.id


def _check_grammar(tu: CorpusTU) -> list[str]:
    """Parse with the full grammar; the rendering must assemble to the same bytes, and the
    fast splitter must see the same labels and heads on every line."""
    text = tu.text
    statements = parse_statements(text)
    problems = _splitter_disagreements(tu, text, statements)
    rendered = tu.asm.with_suffix(".rendered.s")
    rendered.write_text("\n".join(s.render() for s in statements) + "\n")
    obj = tu.asm.with_suffix(".rendered.o")
    proc = assemble(rendered, obj)
    if proc.returncode != 0:
        problems.append(f"{tu.id}: rendered text does not assemble: {proc.stderr[:300]}")
    elif obj.read_bytes() != tu.obj.read_bytes():
        problems.append(f"{tu.id}: rendered text assembles to different bytes")
    return problems


def _splitter_disagreements(tu: CorpusTU, text: str, statements) -> list[str]:
    lines, _ = split_lines(text)
    by_line: dict[int, list] = {}
    for st in statements:
        by_line.setdefault(st.line, []).append(st)
    problems = []
    number = 0
    for line in lines:
        number += 1
        if line.head == DEBUG_CHUNK:  # a run of DWARF lines the splitter keeps whole
            number += line.text.count("\n")
            continue
        if line.odd:
            continue
        found = by_line.get(number, [])
        labels = tuple(lb for st in found for lb in st.labels)
        bodies = [st.body for st in found if st.body is not None]
        if bodies:
            body = bodies[0]
            head = body.name if hasattr(body, "name") else (
                body.prefixes[0] if body.prefixes else body.mnemonic)
        else:
            head = ""
        if labels != line.labels or head != line.head or len(bodies) > 1:
            problems.append(f"{tu.id}:{number}: splitter and grammar disagree: {line.text!r}")
    return problems


def test_grammar_parses_corpus_and_its_rendering_assembles_identically(corpus):
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = [p for ps in pool.map(_check_grammar, corpus, chunksize=8) for p in ps]

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:10])
