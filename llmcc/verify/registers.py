"""The registers a function's code may write, itself and through what it calls in its unit:
for functions whose callers in the unit rely on gcc's -fipa-ra.

With -fipa-ra gcc lets a caller keep values in registers the ABI calls scratch
(caller-saved) across a call to a function of the same unit whose code, as gcc compiled
it, leaves them alone. A rewrite of such a function is safe for those callers when the
caller-saved registers it may write are among those the baseline writes: ``check_callers``.

Two bounds, one analysis. A candidate's registers are an upper bound (``candidate_writes``):
an instruction it does not know counts every register it names as written, an indirect
call or jump it cannot resolve counts every caller-saved register. The baseline's are a
lower bound (``baseline_writes``), since its complement is what the candidate must leave
alone and what the harness's trampoline checks: an indirect jump there is taken for a
jump table (gcc's), and text it cannot read writes nothing. Calls to functions outside
the unit, indirect calls and calls the linker may bind elsewhere (``@PLT`` to a global,
or a weak function) write every caller-saved register in both bounds: gcc assumes the
same of them. Flags are left out: no caller keeps a value in them across a call.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from llmcc.asm.module import Module
from llmcc.asm.parser import parse_statements
from llmcc.asm.syntax import Decorated, Indirect, Instruction, Memory, Operand, Register, Statement
from llmcc.errors import AsmModelError, AsmParseError
from llmcc.outcome import Outcome
from llmcc.verify.static import Finding

# -- registers ------------------------------------------------------------------------------

_LEGACY = {"rax": ("eax", "ax", "al", "ah"), "rbx": ("ebx", "bx", "bl", "bh"),
           "rcx": ("ecx", "cx", "cl", "ch"), "rdx": ("edx", "dx", "dl", "dh"),
           "rsi": ("esi", "si", "sil"), "rdi": ("edi", "di", "dil"),
           "rbp": ("ebp", "bp", "bpl"), "rsp": ("esp", "sp", "spl")}
_GPR = {alias: reg for reg, aliases in _LEGACY.items() for alias in (reg, *aliases)}
_GPR.update({f"r{n}{s}": f"r{n}" for n in range(8, 16) for s in ("", "d", "w", "b", "l")})
_BYTE = frozenset({"al", "ah", "bl", "bh", "cl", "ch", "dl", "dh", "sil", "dil", "bpl",
                   "spl", *(f"r{n}{s}" for n in range(8, 16) for s in ("b", "l"))})
_VECTOR = re.compile(r"^[xyz]mm(\d+)$")
_K = re.compile(r"%(k[0-7])\b")

GPRS = ("rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11")
VECTORS = tuple(f"xmm{n}" for n in range(32))  # each the whole register: xmm, ymm, zmm
MASKS = tuple(f"k{n}" for n in range(8))
# the registers the System V ABI calls scratch, in the order reasons name them: the x87 and
# MMX registers are one, "st"; AMX tiles are scratch too
CALLER_SAVED = (*GPRS, *VECTORS, *MASKS, "st", *(f"tmm{n}" for n in range(8)))
_CALLER_SAVED = frozenset(CALLER_SAVED)


def canonical(name: str) -> str:
    """The register an operand name is part of: ``eax``/``ax``/``al`` -> ``rax``, ``ymm3``
    and ``zmm3`` -> ``xmm3``, ``st(1)`` and ``mm1`` -> ``st``; other names as they are."""
    name = name.lower()
    if name in _GPR:
        return _GPR[name]
    m = _VECTOR.match(name)
    if m:
        return f"xmm{m.group(1)}"
    if name.startswith("st") or re.fullmatch(r"mm[0-7]", name):
        return "st"
    return name


# -- instructions ---------------------------------------------------------------------------

def _stem(mnemonic: str, stems: frozenset[str]) -> bool:
    """``mnemonic`` is one of ``stems``, or one with an AT&T size suffix."""
    return mnemonic in stems or (mnemonic[-1:] in "bwlq" and mnemonic[:-1] in stems)


# every operand is read, none written (stores write memory only)
_READ_ONLY = frozenset({
    "cmp", "test", "bt", "ucomiss", "ucomisd", "comiss", "comisd", "vucomiss", "vucomisd",
    "vcomiss", "vcomisd", "vucomish", "vcomish", "ptest", "vptest", "vtestps", "vtestpd",
    "ktestb", "ktestw", "ktestd", "ktestq", "kortestb", "kortestw", "kortestd", "kortestq",
    "push", "pushf", "nop", "endbr64", "endbr32", "pause", "ud2", "ud0", "ud1", "lfence",
    "sfence", "mfence", "clflush", "clflushopt", "clwb", "cldemote", "stmxcsr", "vstmxcsr",
    "ldmxcsr", "vldmxcsr", "fxsave", "fxsave64", "xsave", "xsave64", "xsaveopt",
    "xsaveopt64", "xsavec", "xsavec64", "cld", "std", "clc", "stc", "cmc", "sahf", "leave",
    "enter", "ret", "xtest", "maskmovq", "maskmovdqu", "vmaskmovdqu", "movdir64b", "enqcmd",
    "enqcmds", "incsspd", "incsspq", "wait", "fwait", "fnop", "bndcl", "bndcu", "bndcn",
    "serialize", "lock", "clzero",
})
_PREFETCH = re.compile(r"^prefetch")
# each with the registers it writes besides what its operands name
_IMPLICIT = {
    "cbtw": ("rax",), "cwtl": ("rax",), "cltq": ("rax",), "cbw": ("rax",), "cwde": ("rax",),
    "cdqe": ("rax",), "cwtd": ("rdx",), "cltd": ("rdx",), "cqto": ("rdx",), "cwd": ("rdx",),
    "cdq": ("rdx",), "cqo": ("rdx",), "lahf": ("rax",), "xlat": ("rax",), "xlatb": ("rax",),
    "cmpxchg8b": ("rax", "rdx"), "cmpxchg16b": ("rax", "rdx"),
    "pcmpestri": ("rcx",), "pcmpistri": ("rcx",), "vpcmpestri": ("rcx",),
    "vpcmpistri": ("rcx",), "pcmpestriq": ("rcx",), "vpcmpestriq": ("rcx",),
    "pcmpestrm": ("xmm0",), "pcmpistrm": ("xmm0",), "vpcmpestrm": ("xmm0",),
    "vpcmpistrm": ("xmm0",), "pcmpestrmq": ("xmm0",), "vpcmpestrmq": ("xmm0",),
    "vzeroupper": tuple(f"xmm{n}" for n in range(16)),  # the upper halves callers may keep
    "vzeroall": tuple(f"xmm{n}" for n in range(16)),
    "emms": ("st",), "femms": ("st",),
    "cpuid": ("rax", "rbx", "rcx", "rdx"), "rdtsc": ("rax", "rdx"),
    "rdtscp": ("rax", "rcx", "rdx"), "rdpmc": ("rax", "rdx"), "xgetbv": ("rax", "rdx"),
    "rdpkru": ("rax", "rdx"), "rdmsr": ("rax", "rdx"), "syscall": ("rax", "rcx", "r11"),
    "encodekey128": ("rax", *(f"xmm{n}" for n in range(7))),
    "encodekey256": ("rax", *(f"xmm{n}" for n in range(7))),
    "aesencwide128kl": tuple(f"xmm{n}" for n in range(8)),
    "aesencwide256kl": tuple(f"xmm{n}" for n in range(8)),
    "aesdecwide128kl": tuple(f"xmm{n}" for n in range(8)),
    "aesdecwide256kl": tuple(f"xmm{n}" for n in range(8)),
    "tilerelease": tuple(f"tmm{n}" for n in range(8)),
    "ldtilecfg": tuple(f"tmm{n}" for n in range(8)),
}
# whatever they change, it is the state the whole register file holds
_EVERYTHING = frozenset({"fxrstor", "fxrstor64", "xrstor", "xrstor64", "xrstors",
                         "xrstors64", "frstor", "fnsave", "fsave", "int", "int1", "int3",
                         "into", "sysenter", "vmcall", "vmmcall"})
_STRINGS = {"movs": ("rsi", "rdi"), "cmps": ("rsi", "rdi"), "stos": ("rdi",),
            "lods": ("rsi", "rax"), "scas": ("rdi",), "ins": ("rdi",), "outs": ("rsi",)}
_STRING = re.compile(r"^(movs|cmps|stos|lods|scas|ins|outs)[bwldq]?$")
_REPS = frozenset({"rep", "repe", "repz", "repne", "repnz"})
# the x87 instructions (with their size suffixes): they write its stack and, fnstsw, %ax
_X87 = re.compile(
    r"^f(?:n?(?:ld|st|stp|ild|ist|istp|isttp|i?(?:add|sub|subr|mul|div|divr)|(?:add|sub|subr|mul"
    r"|div|divr)p|u?comi?p?p?|icomp?|chs|abs|sqrt|sin|cos|sincos|ptan|patan|2xm1|yl2xp?1?"
    r"|scale|rndint|prem1?|xtract|xch|ld1|ldz|ldpi|ldl2[et]|ldlg2|ldln2|ldcw|stcw|stsw|init"
    r"|clex|free|freep|decstp|incstp|cmovn?[a-z]+|tst|xam|bld|bstp|ldenv|stenv|save|rstor)"
    r")(?:[slqt]|ll)?$")
# instructions whose only written register is the last operand (AT&T order): what gcc emits
# and its families; a mnemonic outside them counts every register it names as written
_ORDINARY = re.compile(
    r"^(?:"
    r"(?:add|sub|adc|sbb|and|or|xor|not|neg|inc|dec|sal|sar|shl|shr|rol|ror|rcl|rcr|shld|shrd"
    r"|imul|lea|mov|movabs|movbe|bswap|pop|popcnt|lzcnt|tzcnt|bsf|bsr|bts|btr|btc|andn"
    r"|bextr|blsi|blsr|blsmsk|bzhi|pdep|pext|rorx|sarx|shlx|shrx|adcx|adox|crc32[bwlq]?"
    r"|rdrand|rdseed|rdsspd|rdsspq|rdpid)[bwlq]?"
    r"|mov[sz][bw][wlq]?|movs(?:lq|xd)|movzx|movsx|cmov[a-z]+|set[a-z]+"
    r"|v[a-z0-9]+|p[a-z0-9]+"  # AVX and AVX-512; SSE integer (exceptions are listed apart)
    r"|(?:add|sub|mul|div|min|max|sqrt|rcp|rsqrt|and|andn|or|xor|cmp[a-z]*|round|blendv?"
    r"|dp|hadd|hsub|addsub|unpck[lh]|shuf|mov|mova|movu|movh|movl|movnt|movmsk|cvt[a-z0-9]*"
    r")(?:ps|pd|ss|sd)?"
    r"|cvt[a-z0-9]+|mov(?:d|q|dqa|dqu|ntdqa?|nti[lq]?|hlps|lhps|ddup|shdup|sldup|dq2q|q2dq)"
    r"|insertps|extractps|lddqu|k[a-z]+[bwdq]|aes[a-z0-9]+|sha[a-z0-9]+|pclmul[a-z]*"
    r"|gf2p8[a-z0-9]+"
    r")$")


class _Effect(NamedTuple):
    sure: tuple[str, ...]  # registers it writes, as gcc's own code would be read
    may: tuple[str, ...]  # registers it may write (a superset)


def _register_of(op: Operand) -> str | None:
    """The register an operand names as itself (not inside a memory address)."""
    while isinstance(op, Decorated):
        op = op.operand
    return canonical(op.name) if isinstance(op, Register) else None


def _masks(op: Operand) -> list[str]:
    """The mask registers in an operand's decorators (``{%k1}``)."""
    out: list[str] = []
    while isinstance(op, Decorated):
        out += _K.findall(op.decorator)
        op = op.operand
    return out


def _effect(ins: Instruction, rep: bool) -> _Effect:
    """The registers one (non-control-flow) instruction writes; ``rep``: it has a rep
    prefix (its own, or on a line of its own before it)."""
    m = ins.mnemonic.lower()
    ops = ins.operands
    named = [r for r in map(_register_of, ops) if r]
    last = [r for r in map(_register_of, ops[-1:]) if r]
    if m in _EVERYTHING:
        return _Effect(CALLER_SAVED, CALLER_SAVED)
    if m in _IMPLICIT:
        regs = (*_IMPLICIT[m], *(last if m.startswith(("rd", "enc")) else ()))
        return _Effect(regs, regs)
    if _stem(m, _READ_ONLY) or _PREFETCH.match(m) or m.startswith("nop"):
        return _Effect((), ())
    string = _STRING.match(m)
    if string and not named:  # movsd %xmm1, %xmm0 is SSE, movsl a string move
        regs = (*_STRINGS[string.group(1)], *(("rcx",) if rep else ()))
        return _Effect(regs, regs)
    if m.startswith("loop"):
        return _Effect(("rcx",), ("rcx",))
    if _stem(m, frozenset({"xchg", "xadd"})):
        return _Effect(tuple(named), tuple(named))
    if _stem(m, frozenset({"cmpxchg"})):
        regs = ("rax", *last)
        return _Effect(regs, regs)
    if _stem(m, frozenset({"mul", "imul", "div", "idiv"})) and len(ops) == 1:
        byte = m in ("mulb", "imulb", "divb", "idivb") or any(
            isinstance(op, Register) and op.name in _BYTE for op in ops)
        regs = ("rax",) if byte else ("rax", "rdx")
        return _Effect(regs, ("rax", "rdx"))
    if _stem(m, frozenset({"mulx"})):
        regs = tuple(named[-2:])
        return _Effect(regs, regs)
    if m.startswith(("vgather", "vpgather")):  # the mask is written too (cleared)
        regs = (*named, *(k for op in ops for k in _masks(op)))
        return _Effect(regs, regs)
    if m.startswith(("vscatter", "vpscatter")):
        regs = tuple(k for op in ops for k in _masks(op))
        return _Effect(regs, regs)
    if m.startswith("vp2intersect") and last and last[0].startswith("k"):
        pair = f"k{int(last[0][1:]) ^ 1}"
        return _Effect((last[0], pair), (last[0], pair))
    if _X87.match(m):
        regs = ("st", *(r for r in last if r != "st"))
        return _Effect(regs, regs)
    if m.startswith("tile"):
        return _Effect(tuple(last), tuple(named))
    if _ORDINARY.match(m):
        return _Effect(tuple(last), tuple(last))
    # an instruction this table does not know: the last operand for gcc's reading, every
    # register it names for a candidate's
    return _Effect(tuple(last), tuple(named))


# -- one function's own code ----------------------------------------------------------------

class Local(NamedTuple):
    """What one function's text itself writes, and where its calls and jumps leave it."""

    sure: dict[str, str]  # register -> the line that writes it (lower bound)
    may: dict[str, str]  # the same, upper bound
    targets: dict[str, str]  # a symbol it calls or jumps to that it does not define -> the line
    plt: frozenset[str]  # the targets it reaches through the PLT
    everything: str  # why it may write every caller-saved register (both bounds), or ""
    may_everything: str  # the same, for the upper bound only (an unresolved indirect jump)


def _line(st: Statement) -> str:
    return f"line {st.line}: {' '.join(st.body.render().split())}" if st.body \
        else f"line {st.line}"


def _direct_target(op: Operand) -> tuple[str, bool] | None:
    """A direct call or jump's symbol and whether it goes through the PLT."""
    if isinstance(op, Memory) and not op.based and op.disp is not None:
        symbols = op.disp.symbols()
        if len(symbols) == 1:
            return symbols[0], any("@PLT" in tok for tok in op.disp.tokens)
    return None


@functools.lru_cache(maxsize=4096)
def local_writes(text: str) -> Local:
    """The registers the instructions of ``text`` (one function's, as
    ``Module.function_text`` gives it) write, and what they call. Text the grammar
    cannot read writes nothing in the lower bound and everything in the upper."""
    try:
        statements = parse_statements(text)
    except AsmParseError as exc:
        why = f"text the grammar cannot read ({exc})"
        return Local({}, {}, {}, frozenset(), "", why)
    labels = {label for st in statements for label in st.labels}
    tables, used = _layout(text, labels)
    # labels nothing refers to (-g's .LVL and block labels) start no path: the jump table
    # patterns look through them
    statements = [st if set(st.labels) <= used else dataclasses.replace(
        st, labels=tuple(label for label in st.labels if label in used))
        for st in statements]
    sure: dict[str, str] = {}
    may: dict[str, str] = {}
    targets: dict[str, str] = {}
    plt: set[str] = set()
    everything = may_everything = ""
    rep = False
    for i, st in enumerate(statements):
        ins = st.body
        if not isinstance(ins, Instruction):
            continue
        if not ins.mnemonic:  # a prefix on a line of its own applies to the next one
            rep = rep or bool(_REPS & set(ins.prefixes))
            continue
        m = ins.mnemonic.lower()
        here = _line(st)
        if m.startswith(("call", "j", "loop")) and ins.operands:
            op = ins.operands[0]
            if isinstance(op, Indirect):
                if m.startswith("call"):
                    everything = everything or f"{here}, an indirect call"
                elif not _table_jump(statements, i, op, tables):
                    may_everything = may_everything or (
                        f"{here}, an indirect jump to where it cannot tell")
            else:
                target = _direct_target(op)
                if target is None:
                    may_everything = may_everything or f"{here}, a jump it cannot follow"
                elif target[0] not in labels:
                    targets.setdefault(target[0], here)
                    if target[1]:
                        plt.add(target[0])
        effect = _effect(ins, rep or bool(_REPS & set(ins.prefixes)))
        rep = False
        for reg in effect.sure:
            sure.setdefault(reg, here)
        for reg in effect.may:
            may.setdefault(reg, here)
    return Local(sure, may, targets, frozenset(plt), everything, may_everything)


def _layout(text: str, labels: set[str]) -> tuple[dict[str, bool], set[str]]:
    """The read-only data blocks of ``text`` -> whether every symbol in them is one of its
    own code labels (a jump table gcc makes: ``.long .L5-.L4`` or ``.quad .L5``); and the
    labels something may enter at: those its instructions and data name, and its names
    that are not ``.L`` labels."""
    used = {label for label in labels if not label.startswith(".L")}
    try:
        module = Module(text)
    except AsmModelError:
        return {}, labels
    for line in module.lines:
        if line.args and line.head and line.head not in _NAMING_ONLY:
            used.update(line.symbols())
    out: dict[str, bool] = {}
    for label, block in module.data_blocks.items():
        names = {s for j in block for s in module.lines[j].symbols()} - {
            own for j in block for own in module.lines[j].labels}
        out[label] = bool(names) and names <= labels - set(module.data_blocks)
    return out, used


# directives that name a symbol without taking its address
_NAMING_ONLY = frozenset({".type", ".size", ".globl", ".global", ".local", ".weak",
                          ".hidden", ".protected", ".internal", ".loc", ".file"})


def _table_jump(statements: list[Statement], at: int, op: Indirect,
                tables: dict[str, bool]) -> bool:
    """Is the indirect jump at ``statements[at]`` gcc's dispatch through one of the text's
    jump tables (a switch, or a computed goto's table of label addresses)? The target is
    read from a table, ``*TABLE(,%i,8)`` or ``*(%b,%i,8)``, or computed as ``movslq
    (%b,%i,4), %r`` then ``addq %a, %r``, where ``%b`` holds a table's address and ``%a``
    that or a code label's of the text (``_holds_table``)."""
    code = {label for st in statements for label in st.labels} - set(tables)
    anchors = {**tables, **dict.fromkeys(code, True)}

    def from_table(mem: Operand, scale: str, before: int) -> bool:
        if not isinstance(mem, Memory) or mem.scale != scale:
            return False
        syms = mem.disp.symbols() if mem.disp is not None else ()
        if mem.base is None:
            return len(syms) == 1 and tables.get(syms[0], False)
        return not syms and _holds_table(statements, before, mem.base, tables)

    target = op.target
    if isinstance(target, Memory):
        return from_table(target, "8", at)
    load = _writer(statements, at, target.name)
    if load is None or not load[1].operands:
        return False
    ins = load[1]
    if ins.mnemonic in ("movq", "mov"):
        return from_table(ins.operands[0], "8", load[0])
    if ins.mnemonic not in ("addq", "add") or not isinstance(ins.operands[0], Register):
        return False
    base = ins.operands[0].name
    offset = _writer(statements, load[0], target.name)
    if offset is None or offset[1].mnemonic not in ("movslq", "movsxd") \
            or not offset[1].operands:
        return False
    mem = offset[1].operands[0]
    return _holds_table(statements, load[0], base, anchors) and from_table(mem, "4", offset[0])


def _loads_table(ins: Instruction, tables: dict[str, bool]) -> bool:
    """``leaq TABLE(%rip), %reg`` for one of ``tables`` (a symbol -> whether it counts)."""
    ops = ins.operands
    return (ins.mnemonic in ("leaq", "lea") and len(ops) == 2 and isinstance(ops[0], Memory)
            and ops[0].base == "rip" and ops[0].disp is not None
            and len(ops[0].disp.symbols()) == 1
            and tables.get(ops[0].disp.symbols()[0], False))


def _holds_table(statements: list[Statement], before: int, reg: str,
                 tables: dict[str, bool]) -> bool:
    """Does ``reg`` hold a jump table's address at ``statements[before]``: its last writer on
    the straight line into it loads one, or (a label comes first: a loop's hoisted load)
    every instruction of the text that writes it does, one of them earlier?"""
    last = _writer(statements, before, reg)
    if last is not None:
        return _loads_table(last[1], tables)
    want, early = canonical(reg), False
    for j, st in enumerate(statements):
        ins = st.body
        if isinstance(ins, Instruction) and ins.mnemonic and want in _effect(ins, False).may:
            if not _loads_table(ins, tables):
                return False
            early = early or j < before
    return early


def _writer(statements: list[Statement], before: int, reg: str
            ) -> tuple[int, Instruction] | None:
    """The last instruction before ``statements[before]`` on the straight line into it
    that writes ``reg``; None when a label comes first."""
    want = canonical(reg)
    if statements[before].labels:
        return None
    for j in range(before - 1, -1, -1):
        st = statements[j]
        ins = st.body
        if isinstance(ins, Instruction) and ins.mnemonic:
            if ins.mnemonic.startswith(("call", "j", "loop")):
                return None
            if want in _effect(ins, False).may:
                return j, ins
        if st.labels:
            return None
    return None


# -- a function and what it calls -----------------------------------------------------------

class Writes(NamedTuple):
    """The caller-saved registers a function may write, each with where."""

    registers: frozenset[str]
    evidence: dict[str, str]  # register -> the line, or the call, that writes it


def _closure(name: str, local_of: Callable[[str], list[tuple[Local, str]] | None],
             upper: bool) -> Writes:
    """What function ``name`` writes with everything it reaches (the union over them, which
    is the fixed point for recursion too): ``local_of`` gives each function's own Locals,
    each with the function's binding (None: not a function of the unit)."""
    evidence: dict[str, str] = {}

    def add(regs: Iterable[str], why: str) -> None:
        for reg in regs:
            if reg in _CALLER_SAVED and reg not in evidence:
                evidence[reg] = why

    seen = {name}
    todo = [name]
    while todo:
        fn = todo.pop()
        where = f" in {fn}" if fn != name else ""
        for local, _ in local_of(fn) or ():
            own = local.may if upper else local.sure
            for reg, line in own.items():
                add((reg,), line + where)
            whole = local.everything or (local.may_everything if upper else "")
            if whole:
                add(CALLER_SAVED, whole + where)
            for target, line in local.targets.items():
                reached = local_of(target)
                if reached is None:
                    add(CALLER_SAVED, f"{line}{where}, to {target} outside the unit")
                elif any(binding == "weak" or (binding != "local" and target in local.plt)
                         for _, binding in reached):
                    add(CALLER_SAVED, f"{line}{where}, to {target}, which the linker may "
                                      f"bind to another definition")
                elif target not in seen:
                    seen.add(target)
                    todo.append(target)
    return Writes(frozenset(evidence), evidence)


def _unit_local(module: Module, name: str) -> list[tuple[Local, str]] | None:
    fn = module.functions.get(name)
    if fn is None:
        return None
    return [(local_writes(module.function_text(name)), fn.binding)]


def baseline_writes(module: Module, name: str) -> Writes:
    """The caller-saved registers gcc's code for ``name`` writes, itself or through what it
    calls (a lower bound: see the module docstring)."""
    return _closure(name, functools.partial(_unit_local, module), upper=False)


def candidate_writes(candidate_text: str, name: str, module: Module) -> Writes:
    """The caller-saved registers a candidate for ``name`` may write, itself or through
    what it calls (an upper bound). ``name`` is the candidate's; another function is the
    unit's where the unit has it and the candidate's text has no local one of that name
    (a global of the text never replaces the unit's), the text's where only the text has it
    (a helper it brings along), and both where both have it."""
    own = Module(candidate_text)
    own.function(name)  # raises AsmModelError when the text has no such function

    def local_of(fn: str) -> list[tuple[Local, str]] | None:
        found = []
        mine = own.functions.get(fn)
        if mine is not None and (fn == name or mine.binding == "local"
                                 or fn not in module.functions):
            found.append((local_writes(own.function_text(fn)), mine.binding))
        if fn != name:
            found += _unit_local(module, fn) or []
        return found or None

    return _closure(name, local_of, upper=True)


def preserved_for_callers(module: Module, name: str) -> frozenset[str]:
    """The caller-saved registers that callers of ``name`` in its unit may keep live across
    a call (those gcc's code for it leaves alone); empty when it has no such callers."""
    if not module.internal_callers(name):
        return frozenset()
    return _CALLER_SAVED - baseline_writes(module, name).registers


def check_callers(candidate_text: str, name: str, module: Module) -> Finding | None:
    """A candidate for ``name``, which has callers in its unit, writes no caller-saved
    register the baseline leaves alone (the static side of -fipa-ra's contract)."""
    kept = preserved_for_callers(module, name)
    if not kept:
        return None
    try:
        cand = candidate_writes(candidate_text, name, module)
    except AsmModelError as exc:
        return Finding(Outcome.WRONG_FUNCTION, "define", str(exc))
    for reg in CALLER_SAVED:
        if reg in kept and reg in cand.registers:
            callers = ", ".join(module.internal_callers(name)[:3])
            return Finding(Outcome.ABI_VIOLATION, "abi",
                           f"may write {reg} ({cand.evidence[reg]}), which callers in this unit "
                           f"({callers}) may keep live across the call (-fipa-ra): the "
                           f"baseline leaves it alone")
    return None
