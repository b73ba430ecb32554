"""Every corpus function can be extracted and spliced back: the module still assembles and
every function's machine code is unchanged."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from corpus_tools import CorpusTU, assemble

from llmcc.asm import parse_module
from llmcc.asm.objfile import function_bytes


def _splice_every_function(tu: CorpusTU) -> list[str]:
    module = parse_module(tu.text)
    names = [fn.name for fn in module.functions.values() if not fn.opaque]
    spliced = module.with_candidates({n: module.function_text(n) for n in names}, "t")
    asm = tu.asm.with_suffix(".spliced.s")
    obj = asm.with_suffix(".o")
    asm.write_text(spliced.emit())
    proc = assemble(asm, obj)
    if proc.returncode != 0:
        return [f"{tu.id}: {proc.stderr.strip()[:300]}"]
    reference, got = function_bytes(tu.obj), function_bytes(obj)
    problems = []
    for name in names:
        fn = module.functions[name]
        for sym in (fn.name, fn.cold):
            if sym and got.get(sym) != reference.get(sym):
                problems.append(f"{tu.id}: machine code of {sym} changed")
    return problems


def test_every_function_splices_back_to_the_same_machine_code(corpus):
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = [p for ps in pool.map(_splice_every_function, corpus) for p in ps]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:15])


def test_corpus_functions_are_found(corpus):
    """Every sized function symbol in each object is a Function of the module, its cold
    part, or an alias made with ``.set``."""
    for tu in corpus:
        module = parse_module(tu.text)
        names = set(module.functions) | {f.cold for f in module.functions.values() if f.cold}
        aliases = {line.split_args()[0] for line in module.lines if line.head == ".set"}
        assert set(function_bytes(tu.obj)) - aliases <= names, tu.id
