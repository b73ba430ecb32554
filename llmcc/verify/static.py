"""Static checks of a candidate: it parses, assembles, keeps the function's binding, reaches
only what the translation unit reaches, and uses no forbidden or unsupported instruction.

Each check returns a Finding (the Outcome and a reason naming the offending line) or None.
They run on the candidate's own text for the function (``Module.function_text``), so
whole-TU candidates and single-function candidates are judged alike.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.lines import DATA_DIRECTIVES, split_lines
from llmcc.asm.module import Module
from llmcc.asm.parser import parse_statements
from llmcc.asm.rename import is_compiler_local, strip_line_info
from llmcc.asm.syntax import Directive, Instruction, Statement, operand_symbols
from llmcc.errors import AsmModelError, AsmParseError
from llmcc.outcome import Outcome


class Finding(NamedTuple):
    outcome: Outcome
    stage: str  # parse, define, assemble, static
    reason: str


# Instructions that reach outside computing a result: the kernel, the hardware's
# identity or clocks, privileged state. None of them appears in gcc's code for C.
FORBIDDEN = frozenset({
    "syscall", "sysenter", "sysexit", "sysret", "int", "int1", "int3", "into", "iret",
    "iretq", "iretl", "cpuid", "rdtsc", "rdtscp", "rdpmc", "rdrand", "rdseed", "rdpid",
    "rdmsr", "wrmsr", "inb", "inw", "inl", "insb", "insw", "insl", "outb", "outw", "outl",
    "outsb", "outsw", "outsl", "hlt", "cli", "sti", "clts", "invd", "wbinvd", "xgetbv",
    "xsetbv", "swapgs", "vmcall", "vmlaunch", "vmresume", "vmxoff", "vmmcall", "monitor",
    "mwait", "umonitor", "umwait", "tpause", "xbegin", "xend", "xabort", "rdfsbase",
    "rdgsbase", "wrfsbase", "wrgsbase", "wrpkru", "rdpkru", "enclu", "encls", "ptwrite",
})
# the same, for mnemonics that take an AT&T size suffix (smswl, sgdtq, lslq, ...)
FORBIDDEN_STEMS = frozenset({"in", "out", "ins", "outs", "str", "smsw", "lmsw", "sgdt", "sidt",
                             "sldt", "lgdt", "lidt", "lldt", "ltr", "lsl", "lar", "verr",
                             "verw", "invlpg"})
# Instructions that change floating-point, flag or cache state: allowed only where gcc's
# own code for the function uses them (fldcw around x87 conversions, mfence for atomics).
BASELINE_ONLY = frozenset({
    "std", "cld", "ldmxcsr", "vldmxcsr", "fldcw", "fldenv", "frstor", "fxrstor",
    "fxrstor64", "xrstor", "xrstor64", "fninit", "finit", "pushf", "pushfq", "popf", "popfq",
    "clflush", "clflushopt", "clwb", "lfence", "sfence", "mfence", "ud0", "ud1",
})


def _forbidden(word: str) -> bool:
    return word in FORBIDDEN or word in FORBIDDEN_STEMS or (
        word[-1:] in ("b", "w", "l", "q") and word[:-1] in FORBIDDEN_STEMS)


# Directives a function's text may hold. Data directives are further restricted to
# read-only data sections (raw bytes in code would dodge every instruction check).
ALLOWED_DIRECTIVES = frozenset({
    ".text", ".data", ".bss", ".section", ".previous", ".p2align", ".align", ".balign",
    ".globl", ".global",
    ".weak", ".hidden", ".type", ".size", ".loc", ".file",
})

# gcc's ISA macros (gcc -dM -E) -> the GNU as -march extension that allows those instructions
ISA_EXTENSIONS = {
    "__SSE3__": "sse3", "__SSSE3__": "ssse3", "__SSE4_1__": "sse4.1", "__SSE4_2__": "sse4.2",
    "__SSE4A__": "sse4a", "__AVX__": "avx", "__AVX2__": "avx2", "__FMA__": "fma",
    "__FMA4__": "fma4", "__F16C__": "f16c", "__BMI__": "bmi", "__BMI2__": "bmi2",
    "__POPCNT__": "popcnt", "__LZCNT__": "lzcnt", "__ABM__": "abm", "__MOVBE__": "movbe",
    "__AES__": "aes", "__PCLMUL__": "pclmul", "__ADX__": "adx", "__SHA__": "sha",
    "__XSAVE__": "xsave", "__FXSR__": "fxsr", "__MMX__": "mmx", "__CX16__": "cx16",
    "__SAHF__": "sahf", "__PRFCHW__": "prfchw", "__GFNI__": "gfni", "__VAES__": "vaes",
    "__VPCLMULQDQ__": "vpclmulqdq", "__XOP__": "xop", "__TBM__": "tbm",
    "__AVX512F__": "avx512f", "__AVX512BW__": "avx512bw", "__AVX512CD__": "avx512cd",
    "__AVX512DQ__": "avx512dq", "__AVX512VL__": "avx512vl", "__AVX512IFMA__": "avx512ifma",
    "__AVX512VBMI__": "avx512vbmi", "__AVX512VBMI2__": "avx512_vbmi2",
    "__AVX512VNNI__": "avx512_vnni", "__AVX512BITALG__": "avx512_bitalg",
    "__AVX512VPOPCNTDQ__": "avx512_vpopcntdq", "__AVX512BF16__": "avx512_bf16",
    "__AVX512FP16__": "avx512_fp16", "__AVXVNNI__": "avx_vnni",
    # -fcf-protection (the default of Ubuntu's gcc): endbr64, a no-op on CPUs without CET
    "__CET__": "ibt",
}
# Wider ISA levels tried, in order, for a function whose own gcc code needs more than the
# translation unit's flags (a target attribute or pragma): the smallest that fits wins.
WIDER_LEVELS = ("-march=x86-64-v2", "-march=x86-64-v3", "-march=x86-64-v4",
                "-march=sapphirerapids")


def gas_march(compiler: str, flags: tuple[str, ...]) -> str:
    """The GNU as ``-march`` value allowing exactly the ISA that ``flags`` (its -m options)
    enable, read from gcc's own feature macros."""
    target = [f for f in flags if f.startswith(("-m", "-fcf-protection", "-fno-cf-protection"))]
    proc = subproc.run([compiler, *target, "-dM", "-E", "-x", "c", os.devnull], timeout=60)
    macros = {line.split()[1] for line in proc.stdout.decode().splitlines()
              if line.startswith("#define ")}
    extensions = sorted({ext for macro, ext in ISA_EXTENSIONS.items() if macro in macros})
    # gas (2.40) has no extension name for SSE3's fisttp; its CPU "nocona" is x86-64+SSE3
    base = "nocona" if "__SSE3__" in macros else "generic64"
    return "+".join([base, *extensions])


def function_march(compiler: str, flags: tuple[str, ...], baseline_text: str,
                   workdir: str) -> str:
    """The ISA a candidate for this function may use: the unit's, or the smallest wider
    level under which gcc's own code for the function assembles."""
    march = gas_march(compiler, flags)
    if check_assembles(baseline_text, compiler, march, workdir) is None:
        return march
    for level in WIDER_LEVELS:
        wider = _merge(march, gas_march(compiler, (*flags, level)))
        if check_assembles(baseline_text, compiler, wider, workdir) is None:
            return wider
    return march


def _merge(a: str, b: str) -> str:
    parts = dict.fromkeys([*a.split("+"), *b.split("+")[1:]])
    return "+".join(parts)


def function_text_of(candidate_text: str, name: str) -> str | Finding:
    """The candidate's own text for function ``name``, or why it has none."""
    try:
        return Module(candidate_text).function_text(name)
    except AsmModelError as exc:
        return Finding(Outcome.WRONG_FUNCTION, "define", str(exc))


def check_parse(text: str) -> tuple[list[Statement], Finding | None]:
    try:
        return parse_statements(text), None
    except AsmParseError as exc:
        return [], Finding(Outcome.PARSE_ERROR, "parse", str(exc))


def check_binding(candidate_text: str, name: str, baseline: Module) -> Finding | None:
    want = baseline.function(name).binding
    got = Module(candidate_text).function(name).binding
    if got != want:
        return Finding(Outcome.BINDING_MISMATCH, "static",
                       f"{name} is {got} in the candidate but {want} in the baseline")
    return None


def _line_of(st: Statement, text: str) -> str:
    lines = text.splitlines()
    return lines[st.line - 1].strip() if 0 < st.line <= len(lines) else ""


def check_instructions(statements: list[Statement], text: str, baseline_text: str
                       ) -> Finding | None:
    """No forbidden instruction; state-changing ones only if gcc's own code uses them."""
    baseline_heads = {line.head for line in split_lines(baseline_text)[0]}
    for st in statements:
        body = st.body
        if not isinstance(body, Instruction):
            continue
        for word in (*body.prefixes, body.mnemonic):
            if _forbidden(word):
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {st.line}: {word} is not allowed: {_line_of(st, text)}")
            if word in BASELINE_ONLY and word not in baseline_heads:
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {st.line}: {word} changes processor state the baseline "
                               f"leaves alone: {_line_of(st, text)}")
    return None


def check_directives(text: str, baseline_text: str) -> Finding | None:
    """Only layout and symbol directives; data only in read-only sections."""
    lines, tracker = split_lines(text)
    baseline_lines = {line.text.strip() for line in split_lines(baseline_text)[0]}
    for number, line in enumerate(lines, start=1):
        head = line.head
        if not head.startswith(".") or head.startswith(".cfi_"):
            continue
        if head in DATA_DIRECTIVES:
            writable = tracker.is_writable(line.section)
            if tracker.is_code(line.section) and line.text.strip() not in baseline_lines:
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {number}: raw data in code: {line.text.strip()}")
            if writable:
                return Finding(Outcome.UNKNOWN_SYMBOL, "static",
                               f"line {number}: candidate defines writable data in "
                               f"{line.section}")
            continue
        if head == ".set":
            names = line.split_args()
            if len(names) != 2 or not all(n.startswith(".L") for n in names):
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {number}: .set may only alias local constants: "
                               f"{line.text.strip()}")
            continue
        if head == ".section":
            flags = line.split_args()[1].strip('"') if len(line.split_args()) > 1 else ""
            if "x" in flags and "w" in flags:
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {number}: writable code section: {line.text.strip()}")
            continue
        if head not in ALLOWED_DIRECTIVES:
            return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                           f"line {number}: directive {head} is not allowed in a candidate")
    return None


def reachable_symbols(baseline: Module) -> set[str]:
    """Global names the translation unit defines or refers to (its reach)."""
    names: set[str] = set()
    for line in baseline.lines:
        names.update(line.labels)
        if line.args and line.head:
            names.update(line.symbols())
    return {n for n in names if not n.startswith(".L")}


def check_symbols(statements: list[Statement], text: str, baseline: Module,
                  baseline_text: str) -> Finding | None:
    """Names must be the candidate's own, or the unit's; made-up local ones only as gcc's
    own code for the function uses them."""
    baseline_uses = {sym for line in split_lines(baseline_text)[0]
                     for sym in line.symbols() if not line.head.startswith(".")}
    defined = {label for st in statements for label in st.labels}
    defined.update(st.body.args[0] for st in statements
                   if isinstance(st.body, Directive) and st.body.name == ".set" and st.body.args)
    reach = reachable_symbols(baseline)
    for st in statements:
        body = st.body
        if isinstance(body, Instruction):
            names = [s for op in body.operands for s in operand_symbols(op)]
        elif isinstance(body, Directive) and body.name in DATA_DIRECTIVES | {".size"}:
            names = [s for line in split_lines(body.render())[0] for s in line.symbols()]
        else:
            continue
        for name in names:
            if name in defined or name == ".":
                continue
            # gcc's made-up names (.L5, CSWTCH.17) mean something else in another compile:
            # the candidate must bring its own, or use them as gcc's code for it does
            made_up = name.startswith(".L") or is_compiler_local(name)
            if (made_up and name not in baseline_uses) or name not in reach:
                return Finding(Outcome.UNKNOWN_SYMBOL, "static",
                               f"line {st.line}: {name} is not defined by the candidate or "
                               f"reachable from the translation unit")
    return None


def check_assembles(text: str, compiler: str, march: str, workdir: str) -> Finding | None:
    """It assembles at all, and with only the target's ISA extensions."""
    src = os.path.join(workdir, "candidate.s")
    with open(src, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(strip_line_info(text))  # its .loc lines name files the unit declares
    obj = os.path.join(workdir, "candidate.o")
    base = [compiler, "-c", "-x", "assembler", src, "-o", obj]
    proc = subproc.run(base, timeout=60)
    if not proc.ok:
        return Finding(Outcome.ASSEMBLE_ERROR, "assemble", _first_error(proc.stderr))
    proc = subproc.run([*base, f"-Wa,-march={march}"], timeout=60)
    if not proc.ok:
        return Finding(Outcome.UNSUPPORTED_ISA, "static", _first_error(proc.stderr))
    return None


def _first_error(stderr: bytes) -> str:
    for line in stderr.decode(errors="replace").splitlines():
        if "Error:" in line:
            where, _, what = line.partition("Error:")
            number = where.rstrip(": ").rsplit(":", 1)[-1]
            return f"line {number}: {what.strip()}" if number.isdigit() else what.strip()
    return stderr.decode(errors="replace").strip()[:300]


def check_static(candidate_text: str, name: str, baseline: Module, *, compiler: str,
                 march: str, workdir: str) -> Finding | None:
    """Every static check in order; the first finding decides."""
    _, finding = check_parse(candidate_text)
    if finding:
        return finding
    text = function_text_of(candidate_text, name)
    if isinstance(text, Finding):
        return text
    statements, finding = check_parse(text)
    baseline_text = baseline.function_text(name)
    return (finding
            or check_assembles(text, compiler, march, workdir)
            or check_binding(candidate_text, name, baseline)
            or check_directives(text, baseline_text)
            or check_instructions(statements, text, baseline_text)
            or check_symbols(statements, text, baseline, baseline_text))
