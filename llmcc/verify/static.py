"""Static checks of a candidate: it parses, keeps to its function's sections, directives and
names, keeps the function's binding, reaches only what the translation unit reaches, uses no
forbidden or unsupported instruction, and assembles into only the sections it may use.

Each check returns a Finding (the Outcome and a reason naming the offending line) or None.
They run on the candidate's own text for the function (``Module.function_text``) with the
helpers it brings along (``Module.helpers``: functions of the answer it reaches that the unit
has not, or has with other code), which is all of a candidate that ever reaches a harness or
the user's object (text elsewhere in the answer is dropped, except the read-only data the
function and its helpers refer to, which that text holds), so whole-TU candidates and
single-function candidates are judged alike, and a helper meets every check the function
meets (its sections, directives, instructions; local, under a name the unit has not).
Program answers (``check_program``) get the same checks on the whole program.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from llmcc import subproc
from llmcc.asm.lines import (
    DATA_DIRECTIVES,
    DEBUG_CHUNK,
    SECTION_SWITCHES,
    Line,
    SectionTracker,
    split_lines,
)
from llmcc.asm.module import Module
from llmcc.asm.parser import parse_statements
from llmcc.asm.rename import is_compiler_local, strip_line_info
from llmcc.asm.syntax import Directive, Instruction, Statement, operand_symbols
from llmcc.errors import AsmModelError, AsmParseError
from llmcc.files import private_dir, remove_dir
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
# read-only data sections (raw bytes in code would dodge every instruction check), section
# switches to the sections a Policy allows, symbol directives to the function's own names.
# Everything else (.include and .incbin read files, .macro/.rept/.irp make text gas sees
# and no check does, .org/.fill/.subsection move code, .symver/.reloc, ...) is refused.
ALLOWED_DIRECTIVES = frozenset({
    ".text", ".data", ".bss", ".section", ".pushsection", ".popsection", ".previous",
    ".p2align", ".align", ".balign", ".globl", ".global", ".weak", ".hidden", ".protected",
    ".internal", ".type", ".size", ".loc", ".file",
})
# a whole program also holds gcc's bss symbols (.local + .comm) and its .ident
PROGRAM_DIRECTIVES = ALLOWED_DIRECTIVES | {".comm", ".local", ".ident"}
_ALIGN_DIRECTIVES = frozenset({".p2align", ".align", ".balign"})
_GLOBAL_DIRECTIVES = frozenset({".globl", ".global", ".weak", ".comm"})
_VISIBILITY_DIRECTIVES = frozenset({".hidden", ".protected", ".internal"})
# symbol types gcc gives C's functions and objects; not @gnu_indirect_function, whose
# resolver (the candidate's code) the dynamic loader runs before main
SYMBOL_TYPES = frozenset({"@function", "%function", "STT_FUNC", "@object", "%object",
                          "STT_OBJECT", "@notype", "%notype", "STT_NOTYPE"})
# unwind directives as gcc writes them for C; others (.cfi_personality and .cfi_lsda name
# code the unwinder runs) only as gcc's code for the function has them
CFI_DIRECTIVES = frozenset({
    ".cfi_startproc", ".cfi_endproc", ".cfi_def_cfa", ".cfi_def_cfa_offset",
    ".cfi_def_cfa_register", ".cfi_adjust_cfa_offset", ".cfi_offset", ".cfi_rel_offset",
    ".cfi_restore", ".cfi_remember_state", ".cfi_restore_state", ".cfi_register",
    ".cfi_undefined", ".cfi_same_value", ".cfi_escape",
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


def function_text_of(candidate_text: str, name: str, baseline: Module) -> str | Finding:
    """The candidate's own text for function ``name``, with the helpers it brings along
    into ``baseline``'s unit (``Module.helpers``), or why it has none."""
    try:
        source = Module(candidate_text)
        return source.function_text(name, helpers=source.helpers(name, baseline))
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


# -- sections ------------------------------------------------------------------------------

class Policy(NamedTuple):
    """What a candidate may declare besides instructions: the sections its code and data go
    to, and the names it may make global."""

    code: frozenset[str] | None  # code sections allowed by name; None: .text and any .text.*
    program: bool  # a whole program: its writable data and bss, gcc's notes, .comm/.ident
    globals: frozenset[str]  # names it may declare .globl, .weak or .comm


def function_policy(baseline: Module, name: str) -> Policy:
    """A function's candidate: code only in the sections gcc's code for it uses (its entry's
    and its cold part's: ``.text.unlikely``, or ``.text.unlikely.NAME`` beside a
    ``.text.NAME`` of -ffunction-sections), data only read-only; only itself global."""
    fn = baseline.function(name)
    code = {fn.section, ".text.unlikely"}
    if fn.section.startswith(".text."):
        code.add(".text.unlikely" + fn.section[len(".text"):])
    code.update(baseline.lines[j].section for j in baseline.owned_lines(name, with_data=False)
                if baseline.is_code(baseline.lines[j].section))
    return Policy(frozenset(code), False, frozenset({name}))


def program_policy(baseline: Module) -> Policy:
    """A program answer: code in any ``.text`` section, read-only data, and, as gcc's own
    program has them, writable data and bss and the notes gcc writes (``.note.GNU-stack``,
    which keeps the stack non-executable, and ``.note.gnu.property``). Never .init, .fini,
    .init_array, .preinit_array, .ctors or other code that runs before main, ahead of the
    sandbox's filter, and no other note. Global names only as the baseline program has
    them: a global ``prctl`` or ``memcpy`` of its own would take the place of the C
    library's for every caller, the sandbox's set-up included."""
    names: set[str] = {"main"}
    local: set[str] = set()
    for line in baseline.lines:
        if line.head in _GLOBAL_DIRECTIVES - {".comm"}:
            names.update(line.split_args())
        elif line.head == ".local":
            local.update(line.split_args())
        elif line.head == ".comm" and line.split_args():
            names.add(line.split_args()[0])
    return Policy(None, True, frozenset(names - local))


# gas's attributes for a section named without them (bfd's special sections, measured with
# binutils 2.40 and checked against the installed as by tests/verify/test_sections.py): a
# name, or the name followed by "." and more, -> (flags, type). Other names get neither.
GAS_DEFAULTS: dict[str, tuple[str, str]] = {
    ".text": ("ax", "progbits"), ".init": ("ax", "progbits"), ".fini": ("ax", "progbits"),
    ".plt": ("ax", "progbits"), ".init_array": ("aw", "init_array"),
    ".fini_array": ("aw", "fini_array"), ".preinit_array": ("aw", "preinit_array"),
    ".data": ("aw", "progbits"), ".data1": ("aw", "progbits"), ".bss": ("aw", "nobits"),
    ".tdata": ("awT", "progbits"), ".tbss": ("awT", "nobits"), ".rodata": ("a", "progbits"),
    ".rodata1": ("a", "progbits"), ".got": ("aw", "progbits"),
}
# types gas keeps for these names whatever type the directive says
_FIXED_TYPES = frozenset({"init_array", "fini_array", "preinit_array"})
_DATA_FAMILIES = (".data", ".bss", ".tdata", ".tbss")
# the notes gcc writes into every program (flags, type)
PROGRAM_NOTES = {".note.GNU-stack": ("", "progbits"), ".note.gnu.property": ("a", "note")}
_SECTION_NAME_RE = re.compile(r"[A-Za-z0-9_.$-]+")
_FLAG_LETTERS = frozenset("awxMSGTRo?ed")


def _family(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def gas_defaults(name: str) -> tuple[str, str]:
    """The flags and type gas gives section ``name`` when the directive names none."""
    if name.startswith(".note"):
        return "", "note"
    for prefix, attributes in GAS_DEFAULTS.items():
        if _family(name, prefix):
            return attributes
    return "", "progbits"


def _section_problem(name: str, flags: str, kind: str, policy: Policy) -> str | None:
    """Why a candidate may not use section ``name`` with these attributes (gas's flag
    letters, the type without its @), or None."""
    letters = set(flags)
    if _family(name, ".text"):
        if ((policy.code is None or name in policy.code) and letters == {"a", "x"}
                and kind == "progbits"):
            return None
    elif _family(name, ".rodata"):
        if "a" in letters and letters <= {"a", "M", "S"} and kind == "progbits":
            return None
    elif policy.program and any(_family(name, p) for p in _DATA_FAMILIES):
        if {"a", "w"} <= letters <= {"a", "w", "T"} and kind in ("progbits", "nobits"):
            return None
    elif policy.program and name in PROGRAM_NOTES:
        want_flags, want_kind = PROGRAM_NOTES[name]
        if letters == set(want_flags) and kind == want_kind:
            return None
    allowed = ("text, read-only data, writable data and bss, and gcc's own notes"
               if policy.program else
               "its own code section" + ("s " if policy.code and len(policy.code) > 1 else " ")
               + f"({', '.join(sorted(policy.code or ()))}) and read-only data")
    return (f"section {name} (flags \"{flags}\", @{kind}) is not one a "
            f"{'program' if policy.program else 'function'} may use: only {allowed}")


class Declared(NamedTuple):
    """What a section switch line says: the section, why it may not be used (None: it
    may), and whether the line itself shows it (attributes given, or a form gcc never
    writes) rather than the section's contents."""

    name: str
    problem: str | None
    explicit: bool


def declared_section(line: Line, policy: Policy) -> Declared | None:
    """The section a switch line (``.section``, ``.pushsection``, ``.text`` ...) goes to,
    judged by the attributes gas gives it; None for ``.previous`` and ``.popsection``, which
    only go back."""
    if line.head in (".previous", ".popsection"):
        return None
    args = line.split_args() if line.args else []
    if line.head in (".text", ".data", ".bss"):
        if args:
            return Declared(line.head, f"{line.head} with a subsection", True)
        args = [line.head]
    raw = args[0].strip() if args else ""
    name = raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == '"' else raw
    if not _SECTION_NAME_RE.fullmatch(name):
        return Declared(name, f"section name {raw or '(none)'}", True)
    default_flags, default_kind = gas_defaults(name)
    flags, kind = default_flags, default_kind
    if len(args) > 1:
        given = args[1]
        if not (len(given) >= 2 and given[0] == given[-1] == '"'
                and set(given[1:-1]) <= _FLAG_LETTERS):
            return Declared(name, f"section {name} with flags {given}", True)
        flags = "".join(dict.fromkeys(default_flags + given[1:-1]))  # gas adds the name's
    if len(args) > 2:
        given = args[2]
        if given[:1] not in ("@", "%") or not given[1:].isalpha():
            return Declared(name, f"section {name} with type {given}", True)
        if default_kind not in _FIXED_TYPES:
            kind = given[1:]
    if len(args) > 3 and not ("M" in flags and len(args) == 4 and args[3].isdigit()):
        return Declared(name, f"section {name} with arguments {', '.join(args[3:])}", True)
    return Declared(name, _section_problem(name, flags, kind, policy), len(args) > 1)


def _each_line(text: str) -> tuple[list[tuple[Line, bool]], SectionTracker]:
    """``text``'s Lines, each with whether the splitter may have read it otherwise than gas
    does; the lines of an unanalysed section's run (a note's) are taken apart like others."""
    lines, tracker = split_lines(text)
    out: list[tuple[Line, bool]] = []
    for line in lines:
        if line.head != DEBUG_CHUNK:
            out.append((line, _unfollowable(line)))
            continue
        for inner in split_lines(line.text)[0]:
            # a switch the splitter's run missed (after a label, say) would move gas on
            out.append((inner._replace(section=line.section),
                        _unfollowable(inner) or inner.head in SECTION_SWITCHES))
    return out, tracker


def _unfollowable(line: Line) -> bool:
    """Whether the line splitter may read ``line`` otherwise than gas does (then no check
    that follows sections can be trusted): several statements on it, a ``/* */`` comment,
    an unterminated string."""
    return line.odd or "/*" in line.head  # a /* in the arguments makes the line odd


def _directive_problem(line: Line, policy: Policy, baseline_lines: set[str],
                       local: set[str]) -> str | None:
    """Why a symbol or unwind directive reaches outside the function (or the program), or
    None; ``local``: the names the text declares ``.local``."""
    head = line.head
    args = line.split_args() if line.args else []
    if head in _GLOBAL_DIRECTIVES:
        names = [n for n in args[:1] if n not in local] if head == ".comm" else args
        outside = [n for n in names if n not in policy.globals]
        if outside:
            return (f"{head} {outside[0]}: a global name its "
                    f"{'program' if policy.program else 'function'} does not have; it would "
                    f"take the place of another definition for every caller")
    elif head in _VISIBILITY_DIRECTIVES and line.text.strip() not in baseline_lines:
        return f"{head} {line.args}: a visibility gcc's code does not give"
    elif head == ".type" and len(args) > 1 and args[1] not in SYMBOL_TYPES:
        return f"symbol type {args[1]}"
    elif head.startswith(".cfi_") and head not in CFI_DIRECTIVES \
            and line.text.strip() not in baseline_lines:
        return f"{head}: unwind information gcc's code does not have"
    return None


def check_directives(text: str, baseline_text: str, policy: Policy) -> Finding | None:
    """Only layout, symbol and data directives, in sections ``policy`` allows (by the
    attributes gas gives them, a name's defaults included); data only where it is not
    code; global names only as ``policy`` has them; nothing that reads a file."""
    lines, tracker = _each_line(text)
    baseline_lines = {line.text.strip() for line in split_lines(baseline_text)[0]}
    allowed = PROGRAM_DIRECTIVES if policy.program else ALLOWED_DIRECTIVES
    # .local makes a .comm symbol the program's own, wherever it stands
    own = {name for line, _ in lines if line.head == ".local" for name in line.split_args()}
    # section -> why it may not be used; a section is judged where something is put in it,
    # or where a switch gives it attributes (an empty .note.GNU-stack,"x" still counts)
    judged: dict[str, str | None] = {}
    for number, (line, unfollowable) in enumerate(lines, start=1):
        if unfollowable:
            return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                           f"line {number}: one statement per line, without /* */ comments, "
                           f"and sections switched only where the checks see it: "
                           f"{line.text.strip()[:80]}")
        head = line.head
        if line.labels or head in DATA_DIRECTIVES or head in _ALIGN_DIRECTIVES or (
                head and not head.startswith(".")):  # it puts something in its section
            section = line.section
            if section not in judged:  # not switched to: gas's defaults for the name
                judged[section] = _section_problem(section, *gas_defaults(section), policy)
            if judged[section]:
                return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                               f"line {number}: {judged[section]}")
        if not head.startswith("."):
            continue
        if head in DATA_DIRECTIVES:
            if tracker.is_code(line.section) and line.text.strip() not in baseline_lines:
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {number}: raw data in code: {line.text.strip()}")
            continue
        if head in _ALIGN_DIRECTIVES and tracker.is_code(line.section) \
                and len(line.split_args()) > 1 and line.split_args()[1]:
            return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                           f"line {number}: fill bytes in code: {line.text.strip()}")
        if head == ".set":
            names = line.split_args()
            if len(names) != 2 or not all(n.startswith(".L") for n in names):
                return Finding(Outcome.FORBIDDEN_INSTRUCTION, "static",
                               f"line {number}: .set may only alias local constants: "
                               f"{line.text.strip()}")
            continue
        if head not in allowed and not head.startswith(".cfi_"):
            return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                           f"line {number}: directive {head} is not allowed in a candidate")
        if head in SECTION_SWITCHES:
            declared = declared_section(line, policy)
            if declared is None:
                continue
            if declared.problem and declared.explicit:
                return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                               f"line {number}: {declared.problem}")
            judged.setdefault(declared.name, declared.problem)  # gas keeps the first
            continue
        why = _directive_problem(line, policy, baseline_lines, own)
        if why:
            return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static", f"line {number}: {why}")
    return None


def check_object_sections(path: str, policy: Policy) -> Finding | None:
    """The assembled candidate at ``path`` holds only sections ``policy`` allows, judged by
    the attributes gas gave them: a second look, at what gas made of the text."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as fh:
        for section in ELFFile(fh).iter_sections():
            why = _object_section_problem(section, policy)
            if why:
                return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                               f"the assembled candidate has {why}")
    return None


# sh_flags bits as gas's letters; any other bit shows as "?" and is refused
_ELF_FLAGS = ((0x2, "a"), (0x1, "w"), (0x4, "x"), (0x10, "M"), (0x20, "S"), (0x400, "T"),
              (0x200, "G"))
_ELF_BOOKKEEPING = frozenset({"SHT_NULL", "SHT_SYMTAB", "SHT_STRTAB", "SHT_RELA", "SHT_REL"})
_INFO_LINK = 0x40  # relocation sections name the section they apply to


def _object_section_problem(section, policy: Policy) -> str | None:
    name, kind, bits = section.name, section["sh_type"], section["sh_flags"]
    if kind in _ELF_BOOKKEEPING and not bits & ~_INFO_LINK:
        return None
    flags = "".join(letter for bit, letter in _ELF_FLAGS if bits & bit)
    if bits & ~sum(bit for bit, _ in _ELF_FLAGS):
        flags += "?"
    kind = kind.lower().removeprefix("sht_") if isinstance(kind, str) else str(kind)
    # sections gas makes of its own: the default three (empty), unwind tables from .cfi
    # lines, line tables from .loc lines, the notes of the stack's and the ISA's use
    if name in (".text", ".data", ".bss") and section["sh_size"] == 0:
        return None
    if (name, flags) == (".eh_frame", "a") and kind in ("progbits", "amd64_unwind"):
        return None
    if name.startswith(".debug_") and not set(flags) & {"a", "w", "x", "?"}:
        return None
    if (name, flags, kind) in ((".note.GNU-stack", "", "progbits"),
                               (".note.gnu.property", "a", "note")):
        return None
    if policy.program and name == ".comment" and not set(flags) - {"M", "S"}:
        return None  # .ident
    return _section_problem(name, flags, kind, policy)


def reachable_symbols(baseline: Module) -> frozenset[str]:
    """Global names the translation unit defines or refers to (its reach)."""
    return baseline.names


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


def check_definitions(statements: list[Statement], name: str, baseline: Module,
                      baseline_text: str) -> Finding | None:
    """The candidate defines no name of the unit's but those gcc's code for the function
    defines: a label ``strlen`` would take the unit's calls to strlen in the same assembly
    file (the harness's copy of the baseline, the user's other functions)."""
    own = {label for line in split_lines(baseline_text)[0] for label in line.labels}
    reach = reachable_symbols(baseline)
    for st in statements:
        for label in st.labels:
            if label in reach and label not in own:
                return Finding(Outcome.FORBIDDEN_DIRECTIVE, "static",
                               f"line {st.line}: the candidate defines {label}, a name of the "
                               f"translation unit that gcc's code for {name} does not define")
    return None


def check_assembles(text: str, compiler: str, march: str | None, workdir: str,
                    policy: Policy | None = None) -> Finding | None:
    """It assembles at all, into only the sections ``policy`` allows (when given), and with
    only the target's ISA extensions (``march``, when given). Run it after every check of
    the text: gas reads what ``.include`` names and quotes it in its errors."""
    src = os.path.join(workdir, "candidate.s")
    with open(src, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(strip_line_info(text))  # its .loc lines name files the unit declares
    obj = os.path.join(workdir, "candidate.o")
    base = [compiler, "-c", "-x", "assembler", src, "-o", obj]
    proc = subproc.run(base, timeout=60)
    if not proc.ok:
        return Finding(Outcome.ASSEMBLE_ERROR, "assemble", _first_error(proc.stderr))
    finding = check_object_sections(obj, policy) if policy is not None else None
    if finding or march is None:
        return finding
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
    """Every static check in order; the first finding decides. All that read the text come
    before gas sees it (``check_assembles`` last)."""
    _, finding = check_parse(candidate_text)
    if finding:
        return finding
    text = function_text_of(candidate_text, name, baseline)
    if isinstance(text, Finding):
        return text
    statements, finding = check_parse(text)
    baseline_text = baseline.function_text(name)
    policy = function_policy(baseline, name)
    return (finding
            or check_directives(text, baseline_text, policy)
            or check_binding(text, name, baseline)
            or check_instructions(statements, text, baseline_text)
            or check_symbols(statements, text, baseline, baseline_text)
            or check_definitions(statements, name, baseline, baseline_text)
            or check_assembles(text, compiler, march, workdir, policy))


def check_program(text: str, baseline_text: str, *, compiler: str, workdir: str
                  ) -> Finding | None:
    """The static checks of a whole program answer (``program_policy``: its sections and
    global names), run before it is linked: directives, instructions (no system call of
    its own), symbols (no function the baseline program never calls: system, unlink), and
    the sections of the assembled object. Text gas rejects is left to the link to report."""
    statements, finding = check_parse(text)
    if finding:
        return finding
    baseline = Module(baseline_text)
    policy = program_policy(baseline)
    finding = (check_directives(text, baseline_text, policy)
               or check_instructions(statements, text, baseline_text)
               or check_symbols(statements, text, baseline, baseline_text))
    if finding:
        return finding
    scratch = private_dir(workdir)
    try:
        finding = check_assembles(text, compiler, None, scratch, policy)
    finally:
        remove_dir(scratch)
    return None if finding and finding.outcome is Outcome.ASSEMBLE_ERROR else finding
