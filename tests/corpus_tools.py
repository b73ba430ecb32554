"""The C corpus (tests/corpus) compiled with gcc under every flag set in its FLAGS file."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
# a static helper -O2 calls and -O3 inlines: the helpers a candidate brings along
INLINED_HELPER = CORPUS / "101_inlined_helper.c"


@dataclass(frozen=True)
class CorpusTU:
    source: Path
    flags: tuple[str, ...]
    asm: Path  # gcc -S output
    obj: Path  # that output assembled, the reference object

    @property
    def id(self) -> str:
        return f"{self.source.name}[{' '.join(self.flags)}]"

    @property
    def text(self) -> str:
        return self.asm.read_text()


def corpus_flag_sets() -> list[tuple[str, ...]]:
    lines = (CORPUS / "FLAGS").read_text().splitlines()
    return [tuple(line.split()) for line in lines if line.strip() and not line.startswith("#")]


def assemble(asm: Path, obj: Path, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["gcc", *[f for f in flags if f in ("-m64",)], "-c", "-x", "assembler", str(asm),
         "-o", str(obj)],
        capture_output=True, text=True,
    )


def _build(args: tuple[Path, tuple[str, ...], Path]) -> CorpusTU:
    source, flags, out = args
    stem = f"{source.stem}-{'_'.join(f.strip('-').replace('=', '') for f in flags)}"
    asm, obj = out / f"{stem}.s", out / f"{stem}.o"
    subprocess.run(["gcc", *flags, "-S", str(source), "-o", str(asm)], check=True,
                   capture_output=True)
    proc = assemble(asm, obj)
    assert proc.returncode == 0, proc.stderr
    return CorpusTU(source, flags, asm, obj)


def compile_corpus(out: Path) -> list[CorpusTU]:
    """Every corpus file under every flag set, compiled to assembly in ``out``."""
    jobs = [(src, flags, out) for src in sorted(CORPUS.glob("*.c"))
            for flags in corpus_flag_sets()]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(_build, jobs))


def compile_levels(folder: Path, name: str, source: str,
                   flag_sets: list[tuple[str, ...]]) -> tuple[str, dict[tuple[str, ...], str]]:
    """``source`` written to ``folder/name.c`` and compiled with ``gcc -S`` under each flag
    set: the C file's path and the assembly text per flag set."""
    src = folder / f"{name}.c"
    src.write_text(source)
    texts = {}
    for flags in flag_sets:
        out = folder / f"{name}{''.join(flags)}.s"
        subprocess.run(["gcc", *flags, "-S", str(src), "-o", str(out)], check=True)
        texts[flags] = out.read_text()
    return str(src), texts


def compile_unit(folder: Path, name: str, text: str, flags: tuple[str, ...] = ("-O3",)):
    """C ``text`` written to ``folder/name`` and compiled there with gcc -S: its Module."""
    from llmcc.asm import parse_module

    source = folder / name
    source.write_text(text)
    asm = source.with_suffix(".s")
    subprocess.run(["gcc", *flags, "-S", str(source), "-o", str(asm)], check=True)
    return parse_module(asm.read_text())
