"""The module model: which lines of a translation unit's assembly belong to which function.

A Function owns its preamble (alignment and symbol attributes), its body from
its label to ``.size``, its ``NAME.cold`` part in ``.text.unlikely``, the jump
tables emitted inside it, and the ``.LC`` constants in read-only data that only
it references. Everything else (section framing, shared data, debug sections)
belongs to the module. Emission is the lines joined back: byte for byte the
text that was parsed, with replaced functions spliced in.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from llmcc.asm.lines import DATA_DIRECTIVES, Line, SectionTracker, is_unanalysed, split_lines
from llmcc.errors import AsmModelError

_FUNCTION_TYPES = ("@function", "%function", "STT_FUNC", "@gnu_indirect_function")
_PREAMBLE_HEADS = frozenset(
    {".p2align", ".align", ".balign", ".globl", ".global", ".weak", ".hidden", ".protected",
     ".internal", ".type"}
)
_SYMBOL_ATTRIBUTES = frozenset({".type", ".size", ".local", ".globl", ".global", ".weak",
                                ".hidden", ".protected", ".internal"})
_BINDING_HEADS = {".globl": "global", ".global": "global", ".weak": "weak"}
_ALIGNMENT = frozenset({".p2align", ".align", ".balign"})


class Function(NamedTuple):
    """A function of the module and the lines it owns.

    ``body`` is the half-open range of line indexes from the first preamble
    line to the ``.size`` line inclusive; ``extra`` holds owned lines outside
    it (the ``.size NAME.cold`` line). The read-only data blocks it alone
    references are ``Module.data_of(name)``, worked out on first use.
    """

    name: str
    binding: str  # "global", "weak" or "local"
    body: range
    label_index: int
    extra: tuple[int, ...]
    cold: str | None  # "NAME.cold" when gcc split off a cold part
    opaque: bool  # holds user inline asm or lines the splitter could not read
    section: str  # the section the function's entry lives in


class Shape(NamedTuple):
    instructions: int
    loops: bool


class _Pending(NamedTuple):
    name: str
    label_index: int
    preamble: int
    section: str


class Module:
    """A translation unit's assembly: its lines and the functions that own them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines, self._tracker = split_lines(text)
        self.functions: dict[str, Function] = self._find_functions()

    # -- reading -----------------------------------------------------------------
    def emit(self) -> str:
        """The module as text; identical to the parsed text until something is replaced."""
        return "\n".join(line.text for line in self.lines)

    def function(self, name: str) -> Function:
        try:
            return self.functions[name]
        except KeyError:
            known = ", ".join(sorted(self.functions)) or "none"
            raise AsmModelError(f"function {name!r} not found (functions: {known})") from None

    def is_code(self, section: str) -> bool:
        return self._tracker.is_code(section)

    # -- analysis ----------------------------------------------------------------
    def _find_functions(self) -> dict[str, Function]:
        lines = self.lines
        func_names: set[str] = set()
        bindings: dict[str, str] = {}
        for line in lines:
            head = line.head
            if head == ".type":
                parts = line.split_args()
                if len(parts) == 2 and parts[1] in _FUNCTION_TYPES:
                    func_names.add(parts[0])
            elif head in _BINDING_HEADS:
                for sym in line.split_args():
                    bindings[sym] = _BINDING_HEADS[head]

        found: dict[str, _Pending] = {}
        order: list[str] = []
        cold_of: dict[str, str] = {}
        size_index: dict[str, int] = {}
        for i, line in enumerate(lines):
            for label in line.labels:
                if label in func_names and label not in found:
                    base = label[: -len(".cold")] if label.endswith(".cold") else None
                    if base and base in func_names:
                        cold_of[label] = base
                        continue
                    found[label] = _Pending(label, i, self._preamble_start(i, label),
                                            line.section)
                    order.append(label)
            if line.head == ".size":
                parts = line.split_args()
                if parts and parts[0] in func_names:
                    size_index[parts[0]] = i

        functions: dict[str, Function] = {}
        for name in order:
            pend = found[name]
            end = size_index.get(name)
            if end is None or end < pend.label_index:
                continue  # not gcc's shape; leave it to the module, never optimize it
            body = range(pend.preamble, end + 1)
            cold = f"{name}.cold" if cold_of.get(f"{name}.cold") == name else None
            extra: tuple[int, ...] = ()
            if cold is not None:
                cold_size = size_index.get(cold)
                if cold_size is not None and cold_size not in body:
                    extra = (cold_size,)
            opaque = any(lines[j].inline or lines[j].odd for j in body)
            functions[name] = Function(
                name=name,
                binding=bindings.get(name, "local"),
                body=body,
                label_index=pend.label_index,
                extra=extra,
                cold=cold,
                opaque=opaque,
                section=pend.section,
            )
        return functions

    def _preamble_start(self, label_index: int, name: str) -> int:
        """Walk back over the alignment and symbol attribute lines that introduce ``name``."""
        i = label_index
        while i > 0:
            prev = self.lines[i - 1]
            if prev.labels or prev.head not in _PREAMBLE_HEADS:
                break
            if prev.head not in (".p2align", ".align", ".balign"):
                args = prev.split_args()
                if not args or args[0] != name:
                    break
            i -= 1
        return i

    def data_of(self, name: str) -> tuple[range, ...]:
        """The read-only data blocks (``.LC`` constants ...) only function ``name`` uses."""
        self.function(name)
        return self._data_claims.get(name, ())

    def owned_lines(self, name: str, with_data: bool = True) -> list[int]:
        """Indexes of every line function ``name`` owns, in order."""
        fn = self.function(name)
        idx = [*fn.body, *fn.extra]
        if with_data:
            for block in self.data_of(name):
                idx.extend(block)
        return sorted(idx)

    @cached_property
    def _owner_of_line(self) -> dict[int, str]:
        """Line index -> the function whose body (or cold part's ``.size``) holds it."""
        owner: dict[int, str] = {}
        for fn in self.functions.values():
            for j in (*fn.body, *fn.extra):
                owner[j] = fn.name
        return owner

    @cached_property
    def _data_users(self) -> dict[str, set[str | None]]:
        """Read-only data label -> the functions whose lines refer to it (None: a line
        outside every function, another block's say)."""
        users: dict[str, set[str | None]] = {label: set() for label in self.data_blocks}
        if not users:
            return users
        owner_of_line = self._owner_of_line
        for i, line in enumerate(self.lines):
            if not line.args or is_unanalysed(line.section) or line.head in _SYMBOL_ATTRIBUTES:
                continue  # .type/.size/.local name a symbol without using it
            for sym in line.symbols():
                if sym in users:
                    users[sym].add(owner_of_line.get(i))
        return users

    @cached_property
    def _data_claims(self) -> dict[str, tuple[range, ...]]:
        """Function name -> the read-only data blocks that only it references."""
        users = self._data_users
        claimed: dict[str, list[range]] = {}
        for label, block in self.data_blocks.items():
            if block.start in self._owner_of_line:
                continue  # a jump table inside a function body is owned with the body
            u = users[label]
            if len(u) == 1:
                (owner,) = u
                if owner is not None:
                    claimed.setdefault(owner, []).append(block)
        return {name: tuple(blocks) for name, blocks in claimed.items()}

    @cached_property
    def data_blocks(self) -> dict[str, range]:
        """Labels (``.LC0``, ``CSWTCH.5`` ...) in read-only data sections.

        A block is the alignment lines just before its label (a copy elsewhere must keep
        them: ``movaps .LC0(%rip)`` faults on a constant that is not 16-byte aligned), its
        label line and the data lines that follow it, up to the next label or any other
        directive.
        """
        blocks: dict[str, range] = {}
        lines = self.lines
        n = len(lines)
        for i, line in enumerate(lines):
            if line.head == ".set":  # an alias of another constant: .set .LC11,.LC12
                name = line.split_args()[0]
                if name.startswith(".L"):
                    blocks[name] = range(i, i + 1)
                continue
            section = line.section
            if (not line.labels or self.is_code(section) or is_unanalysed(section)
                    or self._tracker.is_writable(section)):
                continue
            start = i
            while start > 0 and not lines[start - 1].labels and \
                    lines[start - 1].head in _ALIGNMENT:
                start -= 1
            j = i + 1
            while j < n and not lines[j].labels and (
                    lines[j].head in DATA_DIRECTIVES or not lines[j].head):
                j += 1
            for label in line.labels:
                blocks[label] = range(start, j)
        return blocks

    # -- transformation ----------------------------------------------------------
    def function_text(self, name: str, with_data: bool = True,
                      helpers: tuple[str, ...] | list[str] = ()) -> str:
        """The function's own lines, and copies of all read-only data it uses (shared
        constants too), as stand-alone text; then, as they are, the ``helpers`` (functions
        of this text it brings along: ``helpers``) with the data they use."""
        fn = self.function(name)
        group = {name, *helpers}
        parts: list[tuple[set[int], dict[str, str]]] = []
        for part in (name, *helpers):
            lines = self._text_lines(part, with_data)
            if with_data and helpers:  # and the data only the function and its helpers use
                for label, block in self.referenced_data(part):
                    if self._data_users.get(label, {None}) <= group:
                        lines |= set(block)
            parts.append((lines, {}))
        return self._joined(parts, fn)

    def _text_lines(self, name: str, with_data: bool) -> set[int]:
        """The lines ``function_text`` gives for function ``name`` alone."""
        idx = set(self.owned_lines(name, with_data=with_data))
        if with_data:  # shared .L constants are copied; named shared data stays the unit's
            for label, block in self.referenced_data(name):
                if label.startswith(".L"):
                    idx.update(block)
        return idx

    def _joined(self, parts: list[tuple[set[int], dict[str, str]]], fn: Function) -> str:
        """The lines of each part in turn (the function's first, so it keeps its place at
        the start of its section), each line once, framed by section switches; a part's
        dict moves its lines of a section to another."""
        seen: set[int] = set()
        out: list[str] = []
        for part, placed in parts:
            out += self._framed(sorted(part - seen), fn, placed)
            seen |= part
        return "\n".join(out) + "\n"

    @cached_property
    def names(self) -> frozenset[str]:
        """Every name the text defines or refers to, but its ``.L`` labels (the unit's
        reach: its functions and data, and what it uses from elsewhere)."""
        found: set[str] = set()
        for line in self.lines:
            found.update(line.labels)
            if line.args and line.head:
                found.update(line.symbols())
        return frozenset(n for n in found if not n.startswith(".L"))

    def helpers(self, name: str, unit: Module) -> list[str]:
        """The functions of this text (a candidate) that function ``name`` brings along
        into ``unit``: those it reaches (calls, jumps to, takes the address of), directly or
        through one another, that are not the unit's, in this text's order.

        A function is the unit's when the unit has a function of that name and it is
        global here (a global is never brought along: its calls go to the unit's), or local
        on both sides with the same code, reaching only functions that are the unit's too:
        gcc's -fipa-ra lets a caller keep values in the registers its callee, as compiled
        with it, leaves alone, so a local function with other code comes along (and must
        take a name of its own: the static checks refuse one the unit has)."""
        self.function(name)
        if self.text == unit.text:
            return []
        reached: dict[str, set[str]] = {}  # function -> the functions it reaches directly
        todo, seen = [name], {name}
        while todo:
            current = todo.pop()
            if current != name and self.functions[current].binding != "local" \
                    and current in unit.functions:
                reached[current] = set()  # the unit's: what it calls is the unit's affair
                continue
            uses = self._functions_used(current) - {name}
            if current != name:
                reached[current] = uses
            todo += uses - seen
            seen |= uses
        theirs = {callee for callee in reached if self._is_units(callee, unit, name)}
        changed = True
        while changed:  # a function reaching one that comes along is not the unit's either
            changed = False
            for callee in sorted(theirs):
                if reached[callee] - theirs:
                    theirs.discard(callee)
                    changed = True
        return [fn for fn in self.functions if fn in reached and fn not in theirs]

    def _functions_used(self, name: str) -> set[str]:
        """Functions of this text that function ``name``'s lines (its data included) name,
        directly or by an alias (``function_aliases``)."""
        used: set[str] = set()
        aliases = self.function_aliases
        for j in self._text_lines(name, True):
            line = self.lines[j]
            if line.args and line.head not in _SYMBOL_ATTRIBUTES:
                for sym in line.symbols():
                    sym = aliases.get(sym, sym)
                    if sym in self.functions:
                        used.add(sym)
        return used

    @cached_property
    def function_aliases(self) -> dict[str, str]:
        """Other names of functions: ``.set A, B`` with B a function (gcc's identical code
        folding makes one function of two), A -> B."""
        found: dict[str, str] = {}
        for line in self.lines:
            if line.head in (".set", ".equ"):
                args = line.split_args()
                if len(args) == 2 and args[1] in self.functions:
                    found[args[0]] = args[1]
        return found

    def _is_units(self, callee: str, unit: Module, name: str) -> bool:
        """Whether function ``callee`` of this text, reached from ``name``, stands for the
        unit's (``helpers``), its own callees aside. A name gcc made up (``f.part.0``)
        means something else in another compile: it is the unit's only where the unit's
        code for ``name`` uses it too (as the static checks have it)."""
        from llmcc.asm.rename import is_compiler_local, normalized

        theirs = unit.functions.get(callee)
        if theirs is None:
            return False
        if self.functions[callee].binding != "local":
            return True
        if is_compiler_local(callee) and (name not in unit.functions
                                          or callee not in unit._functions_used(name)):
            return False
        return theirs.binding == "local" and (
            normalized(self.function_text(callee)) == normalized(unit.function_text(callee)))

    def candidate_text(self, name: str, unit: Module, helpers: list[str] | None = None,
                       tag: str = "llmcc") -> str:
        """Function ``name`` as a candidate for ``unit`` (this text being the unit compiled
        otherwise): its ``function_text`` and its ``helpers``, each helper renamed
        ``H.<tag>`` (its cold part ``H.<tag>.cold``) so that it takes no name of the unit's,
        and placed in the function's own code sections (the entry's, and the cold part's
        for the rest).

        Read-only data they name: an object the unit's function owns comes along as it is
        (splicing replaces the unit's); any other C object the unit has is the unit's (the
        same object of the same C file); the rest (objects the unit has not, and names gcc
        made up for this compile, ``LL_Code.17``, which mean something else in another)
        come along as copies renamed ``X.<tag>``. Another name of a function (``.set A, B``:
        gcc's identical code folding) is replaced by that function's."""
        from llmcc.asm.rename import is_compiler_local, rename_symbols

        fn = self.function(name)
        helpers = self.helpers(name, unit) if helpers is None else helpers
        replaced = {label for block in (unit.data_of(name) if name in unit.functions else ())
                    for j in block for label in unit.lines[j].labels}
        cold = ".text.unlikely" + (fn.section[len(".text"):]
                                   if fn.section.startswith(".text.") else "")
        mapping = {old: new for h in helpers
                   for old, new in ((h, f"{h}.{tag}"), (f"{h}.cold", f"{h}.{tag}.cold"))}
        # another name of a function (identical code folding) is that function's
        mapping.update((alias, mapping.get(target, target))
                       for alias, target in self.function_aliases.items())
        parts: list[tuple[set[int], dict[str, str]]] = []
        for part in (name, *helpers):
            lines = self._text_lines(part, True)
            named: dict[range, list[str]] = {}
            for label, block in self.referenced_data(part):
                if not label.startswith(".L"):
                    named.setdefault(block, []).append(label)
            for block, labels in named.items():
                plain = [lb for lb in labels if not is_compiler_local(lb)]
                if any(lb in replaced for lb in plain):
                    lines |= set(block)
                elif any(lb in unit.names for lb in plain):
                    lines -= set(block)  # the unit's own object of that name
                else:
                    lines |= set(block)
                    mapping.update((lb, f"{lb}.{tag}") for lb in labels)
            entry = self.functions[part].section
            placed = {} if part == name else {
                section: fn.section if section == entry else cold
                for section in {self.lines[j].section
                                for j in self.owned_lines(part, with_data=False)}
                if self.is_code(section)}
            parts.append((lines, placed))
        return rename_symbols(self._joined(parts, fn), mapping)

    def shape(self, name: str) -> Shape:
        """How much code the function has (its cold part included) and whether it loops
        (a jump back to a label earlier in its own code)."""
        seen: set[str] = set()
        instructions, loops = 0, False
        for j in sorted(self.owned_lines(name, with_data=False)):
            line = self.lines[j]
            seen.update(line.labels)
            if line.is_instruction:
                instructions += 1
                if line.head.startswith("j") and any(s in seen for s in line.symbols()):
                    loops = True
        return Shape(instructions, loops)

    def loader_bound(self, name: str) -> bool:
        """Is the function's code not surely the one the program runs: it sits in a comdat
        group (the linker may keep another unit's copy) or is an ifunc's resolver (it runs
        inside the dynamic loader, before main)?"""
        fn = self.function(name)
        if "G" in self._tracker.flags.get(fn.section, ""):
            return True
        return name in self._resolvers

    @cached_property
    def _resolvers(self) -> frozenset[str]:
        """Functions named by ``.set IFUNC, NAME`` where IFUNC is a @gnu_indirect_function."""
        ifuncs = {parts[0] for line in self.lines if line.head == ".type"
                  for parts in [line.split_args()]
                  if len(parts) == 2 and parts[1] == "@gnu_indirect_function"}
        return frozenset(parts[1] for line in self.lines if line.head == ".set"
                         for parts in [line.split_args()]
                         if len(parts) == 2 and parts[0] in ifuncs)

    def internal_callers(self, name: str) -> list[str]:
        """Functions of this unit that call ``name``, or jump to it (a tail call: with
        gcc's -fipa-ra, the tail caller's own callers rely on what ``name`` leaves alone)."""
        return list(self._callers.get(name, ()))

    @cached_property
    def _callers(self) -> dict[str, list[str]]:
        """Symbol -> the functions of this unit that call it, in the unit's order: one pass
        (asked per function, a scan each would cost the unit's size squared)."""
        callers: dict[str, list[str]] = {}
        for fn in self.functions.values():
            called = {fn.name}
            for j in fn.body:
                line = self.lines[j]
                if line.head.startswith(("call", "j")):
                    for sym in line.symbols():
                        if sym not in called and (line.head.startswith("call")
                                                  or sym in self.functions):
                            called.add(sym)
                            callers.setdefault(sym, []).append(fn.name)
        return callers

    def referenced_data(self, name: str) -> list[tuple[str, range]]:
        """Every data block (label, lines) function ``name`` refers to, directly or through
        other blocks."""
        blocks = self.data_blocks
        todo = self.owned_lines(name, with_data=False)
        seen: set[str] = set()
        found: list[tuple[str, range]] = []
        while todo:
            line = self.lines[todo.pop()]
            if not line.args:
                continue
            for sym in line.symbols():
                if sym in blocks and sym not in seen:
                    seen.add(sym)
                    found.append((sym, blocks[sym]))
                    todo.extend(blocks[sym])
        return found

    def reached(self, name: str) -> list[int]:
        """Indexes of the lines, outside what function ``name`` owns, that its behaviour
        depends on: the definitions of the unit's data it names (read-only or writable,
        ``.comm`` too), the code of the unit's functions it calls or takes the address of,
        and, in turn, what those name. Symbols defined elsewhere are left out."""
        own = set(self.owned_lines(name))
        found: set[int] = set()
        seen = {name}
        todo = sorted(own)
        while todo:
            line = self.lines[todo.pop()]
            if not line.args:
                continue
            for sym in line.symbols():
                if sym in seen:
                    continue
                seen.add(sym)
                if sym in self.functions:
                    lines = self.owned_lines(sym, with_data=False)
                else:
                    lines = self._definitions.get(sym, [])
                new = [j for j in lines if j not in own and j not in found]
                found.update(new)
                todo.extend(new)
        return sorted(found)

    @cached_property
    def _definitions(self) -> dict[str, list[int]]:
        """Symbol -> the lines that define it as data: its alignment and attributes, its
        label and the data lines after it (any section but code and debug), or its
        ``.comm``/``.lcomm``/``.set`` line."""
        lines = self.lines
        defs: dict[str, list[int]] = {}
        for i, line in enumerate(lines):
            if line.head in (".comm", ".lcomm", ".set", ".equ"):
                args = line.split_args()
                if args:
                    defs.setdefault(args[0], []).append(i)
                continue
            section = line.section
            if not line.labels or self.is_code(section) or is_unanalysed(section):
                continue
            start = i
            while start > 0 and not lines[start - 1].labels and (
                    lines[start - 1].head in _ALIGNMENT or (
                        lines[start - 1].head in _SYMBOL_ATTRIBUTES
                        and lines[start - 1].split_args()[:1] == [line.labels[0]])):
                start -= 1
            end = i + 1
            while end < len(lines) and not lines[end].labels and (
                    lines[end].head in DATA_DIRECTIVES or not lines[end].head):
                end += 1
            for label in line.labels:
                defs.setdefault(label, []).extend(range(start, end))
        return defs

    def _framed(self, indexes: list[int], fn: Function,
                placed: dict[str, str] | None = None) -> list[str]:
        """Lines at ``indexes`` with section switches added so each lands where it did (or
        where ``placed`` moves its section)."""
        out: list[str] = []
        tracker = SectionTracker()
        tracker.current = ""  # so the text opens by switching to its first section
        for j in indexes:
            line = self.lines[j]
            if line.head in (".section", ".text", ".data", ".bss", ".previous",
                             ".pushsection", ".popsection"):
                continue
            section = placed.get(line.section, line.section) if placed else line.section
            if section != tracker.current:
                out.append(self._tracker.directive(section))
                tracker.switch(".section", section)
            out.append(line.text)
        if tracker.current != fn.section:
            out.append(self._tracker.directive(fn.section))
        return out

    def replaced(self, new_texts: dict[str, str]) -> Module:
        """A new module in which each function named in ``new_texts`` is that text.

        Each text must open with a section directive (``function_text`` does).
        Labels an old body defined that the rest of the module still refers to
        (debug info's ``.LFB``/``.LVL`` ranges) stay defined, in their own
        section, at the end of the new function, so the module still assembles.
        """
        starts: dict[int, tuple[Function, str]] = {}
        removed: set[int] = set()
        for name, text in new_texts.items():
            fn = self.function(name)
            starts[fn.body.start] = (fn, text)
            removed.update(fn.body)
            removed.update(fn.extra)
            for block in self.data_of(name):
                removed.update(block)
        still_needed = self._labels_used_outside(removed)
        views = self._views_used_outside(removed)
        out: list[str] = []
        for j, line in enumerate(self.lines):
            if j in starts:
                fn, text = starts[j]
                new_lines, _ = split_lines(text.rstrip("\n"))
                out.extend(line.text for line in new_lines)
                redefined = {label for line in new_lines for label in line.labels}
                owned = self.owned_lines(fn.name)
                for section, labels in _by_section(still_needed, owned, self.lines).items():
                    kept = [label for label in labels if label not in redefined]
                    if kept:
                        out.append(self._tracker.directive(section))
                        out.extend(f"{label}:" for label in kept)
                # the old body may have declared the unit's source files for debug info
                out.extend(self.lines[k].text for k in sorted(removed)
                           if self.lines[k].head == ".file" and k in range(*_span(fn)))
                # debug info's location views of the old body: view 0 from now on
                out.extend(f"\t.set\t{view},0" for view in views.get(fn.name, ()))
                # leave the assembler in the section the old text left it in
                out.append(self._tracker.directive(self.lines[fn.body.stop - 1].section))
            if j not in removed:
                out.append(line.text)
        return Module("\n".join(out))

    def with_candidates(self, candidates: dict[str, str], tag: str) -> Module:
        """Splice each function from its candidate text (a whole TU or just the function),
        with the helpers it brings along (``helpers``).

        The candidates' own ``.L`` labels, made-up names and helpers get ``tag`` and a
        number so they cannot clash.
        """
        from llmcc.asm.rename import strip_line_info, uniquify_local_labels

        snippets = {}
        for n, (name, text) in enumerate(candidates.items()):
            source = Module(text)
            helpers = source.helpers(name, self)
            snippets[name] = uniquify_local_labels(
                strip_line_info(source.function_text(name, helpers=helpers)), f"{tag}{n}",
                keep=(name, f"{name}.cold"), also=helpers)
        return self.replaced(snippets)

    def _views_used_outside(self, removed: set[int]) -> dict[str, list[str]]:
        """Function name -> location-view symbols (``.loc ... view .LVU5``) its removed
        lines define and debug info still refers to."""
        owner = {j: fn.name for fn in self.functions.values() for j in fn.body}
        defined: dict[str, str] = {}
        for j in removed:
            line = self.lines[j]
            if line.head == ".loc" and " view " in line.args:
                view = line.args.rsplit(" view ", 1)[1].split()[0]
                if view.startswith(".L"):
                    defined[view] = owner.get(j, "")
        if not defined:
            return {}
        out: dict[str, list[str]] = {}
        for j, line in enumerate(self.lines):
            if j in removed or not line.args:
                continue
            for sym in line.symbols():
                if sym in defined:
                    out.setdefault(defined.pop(sym), []).append(sym)
        return out

    def _labels_used_outside(self, removed: set[int]) -> dict[int, list[str]]:
        """Line index -> labels defined there that lines outside ``removed`` refer to."""
        defined = {j: self.lines[j].labels for j in removed if self.lines[j].labels}
        if not defined:
            return {}
        wanted = {label for labels in defined.values() for label in labels}
        used: set[str] = set()
        for j, line in enumerate(self.lines):
            if j in removed or not line.args:
                continue
            used.update(sym for sym in line.symbols() if sym in wanted)
        out = {j: [lb for lb in labels if lb in used] for j, labels in defined.items()}
        return {j: labels for j, labels in out.items() if labels}


def _span(fn: Function) -> tuple[int, int]:
    return fn.body.start, fn.body.stop


def _by_section(needed: dict[int, list[str]], owned: list[int], lines: list[Line]
                ) -> dict[str, list[str]]:
    """The still-needed labels among ``owned`` lines, grouped by the section they were in."""
    grouped: dict[str, list[str]] = {}
    for j in sorted(owned):
        if j in needed:
            grouped.setdefault(lines[j].section, []).extend(needed[j])
    return grouped


def parse_module(text: str) -> Module:
    """Split and analyse a translation unit's assembly (never raises on gcc output)."""
    return Module(text)
