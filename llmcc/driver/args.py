"""Argument classification: is this invocation "compile C to objects", or a pass-through?

``classify`` returns either a CompileJob (what llmcc will build, and how) or a
PassThrough naming the Outcome that explains why gcc runs untouched. Anything
not understood passes through: gcc then behaves, and fails, as it always does.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from llmcc.gcc_options import TAKES_ARG, is_opt_level
from llmcc.outcome import Outcome

QUERY_EXACT = frozenset({
    "--version", "-v", "-###", "--help", "--target-help", "-dumpversion", "-dumpfullversion",
    "-dumpmachine", "-dumpspecs", "-Q",
})
QUERY_PREFIXES = ("-print-", "--help=", "--print-")
NOT_COMPILING = frozenset({"-E", "-S", "-M", "-MM", "-fsyntax-only"})

# Options with side files named after the output, or whose output depends on
# the command line itself: llmcc's two-step compile cannot reproduce them.
UNSUPPORTED_EXACT = frozenset({
    "--coverage", "-fprofile-arcs", "-ftest-coverage", "-gsplit-dwarf", "-fstack-usage",
    "-frecord-gcc-switches", "-save-temps", "-time", "-ftime-report", "-fcompare-debug",
    "-fprofile-generate", "-fprofile-use", "-fauto-profile", "-pg", "-p", "-Wa,-a",
    "-fcallgraph-info", "-pipe-to", "-fsave-optimization-record",
})
UNSUPPORTED_PREFIXES = (
    "-save-temps=", "-fdump-", "-fprofile-generate=", "-fprofile-use=", "-fauto-profile=",
    "-fcallgraph-info=", "-fcompare-debug=", "-fprofile-dir=", "-fprofile-update",
    "-fdebug-types-section", "-fcompare-debug-second", "-Wa,-a", "-Wa,--MD",
    "-fplugin", "-wrapper",
)
UNSUPPORTED_TARGET = frozenset({"-m32", "-mx32", "-m16"})

C_SUFFIXES = {".c": "c", ".i": "cpp-output"}
# languages (``-x``) llmcc compiles; everything else passes through
C_LANGUAGES = {"c", "cpp-output"}
LINK_SUFFIXES = frozenset({".o", ".a", ".so", ".obj", ".lo", ".la"})

# C files a build system compiles to learn about the compiler, not to ship
PROBE_NAMES = frozenset({
    "conftest.c", "CMakeCCompilerId.c", "CheckFunctionExists.c", "CheckSymbolExists.c",
    "CheckIncludeFile.c", "testCCompiler.c", "src.c",
})
PROBE_DIRS = ("CMakeScratch", "CMakeTmp", "TryCompile-")


class PassThrough(NamedTuple):
    outcome: Outcome
    detail: str = ""


class Source(NamedTuple):
    path: str  # as written on the command line
    language: str  # gcc's name for it, e.g. "c"
    index: int  # position in the argument list
    explicit_language: bool  # a -x option names its language


class DepOptions(NamedTuple):
    """Dependency-file options, to hand gcc exactly what it would compute itself."""

    driver_md: bool  # -MD or -MMD given to the driver
    depfile: str | None  # -MF value
    has_target: bool  # -MT or -MQ given
    wp_md: bool  # -Wp,-MD,path or -Wp,-MMD,path


class CompileJob(NamedTuple):
    """An invocation llmcc builds itself.

    ``args`` is the whole argument list after @file expansion; ``sources`` the
    C inputs; ``output`` the -o value; ``link`` is True when gcc would also link
    (no -c); ``opt_index`` the positions of -O options and ``opt_level`` the
    one in effect.
    """

    args: tuple[str, ...]
    sources: tuple[Source, ...]
    output: str | None
    link: bool
    opt_level: str
    opt_index: tuple[int, ...]
    deps: DepOptions
    assembler_flags: tuple[str, ...] = ()
    link_inputs: tuple[int, ...] = ()  # positions of object/library inputs

    def object_name(self, source: Source) -> str:
        """The object gcc writes for ``source`` with -c."""
        if self.output is not None and not self.link:
            return self.output
        return os.path.splitext(os.path.basename(source.path))[0] + ".o"


def expand_response_files(args: list[str], depth: int = 0) -> list[str]:
    """Expand ``@file`` arguments the way gcc does (whitespace, quotes, backslashes)."""
    out: list[str] = []
    for arg in args:
        if arg.startswith("@") and len(arg) > 1 and depth < 10:
            try:
                with open(arg[1:]) as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                out.append(arg)  # gcc keeps an unreadable @file as a literal argument
                continue
            out.extend(expand_response_files(_split_response(text), depth + 1))
        else:
            out.append(arg)
    return out


def _split_response(text: str) -> list[str]:
    args: list[str] = []
    cur: list[str] = []
    have = False
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i + 1])
            have = True
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"":
            quote = ch
            have = True
        elif ch.isspace():
            if have:
                args.append("".join(cur))
                cur, have = [], False
        else:
            cur.append(ch)
            have = True
        i += 1
    if have:
        args.append("".join(cur))
    return args


def classify(args: list[str]) -> CompileJob | PassThrough:
    """Decide what to do with a compiler command line (already @file-expanded)."""
    if not args:
        return PassThrough(Outcome.NO_INPUT)
    compile_only = False
    output: str | None = None
    language: str | None = None
    sources: list[Source] = []
    other_inputs: list[int] = []
    opt_index: list[int] = []
    opt_level = ""
    driver_md = wp_md = has_target = False
    depfile: str | None = None
    asm_flags: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        if arg in QUERY_EXACT or arg.startswith(QUERY_PREFIXES):
            return PassThrough(Outcome.QUERY, arg)
        if arg in NOT_COMPILING:
            return PassThrough(Outcome.NOT_COMPILING, arg)
        if arg in UNSUPPORTED_EXACT or arg.startswith(UNSUPPORTED_PREFIXES):
            return PassThrough(Outcome.UNSUPPORTED_OPTION, arg)
        if arg in UNSUPPORTED_TARGET:
            return PassThrough(Outcome.UNSUPPORTED_TARGET, arg)
        if arg == "-flto" or arg.startswith("-flto="):
            return PassThrough(Outcome.LTO, arg)
        if arg == "-":
            return PassThrough(Outcome.STDIN_INPUT)
        if arg == "-c":
            compile_only = True
        elif arg in ("-MD", "-MMD"):
            driver_md = True
        elif arg.startswith(("-Wp,-MD,", "-Wp,-MMD,")):
            wp_md = True
        elif arg.startswith("-Wp,") and ("-M" in arg):
            return PassThrough(Outcome.UNSUPPORTED_OPTION, arg)
        elif is_opt_level(arg):
            opt_index.append(i)
            opt_level = arg
        elif arg in ("-m64", "-msse2avx", "-mavx", "-w") or arg.startswith(
                ("-Wa,", "-g", "-specs=", "--specs=")) or (
            arg.startswith(("-B", "-I")) and len(arg) > 2
        ):
            # what gcc's asm spec forwards to `as` (gcc -dumpspecs: *asm, asm_options:
            # -w, -I, the -g level and DWARF version, -gz; -mavx decides -msse2avx), and
            # what changes that spec or the `as` it runs (-specs files, -B prefixes)
            asm_flags.append(arg)
        if arg in ("-Xassembler", "-B", "-I", "-specs") and i + 1 < n:
            asm_flags.extend(args[i:i + 2])
        if arg in TAKES_ARG:
            if i + 1 >= n:
                return PassThrough(Outcome.GCC_WOULD_FAIL, f"{arg} needs a value")
            value = args[i + 1]
            if arg == "-o":
                if output is not None:
                    return PassThrough(Outcome.GCC_WOULD_FAIL, "two -o options")
                output = value
            elif arg == "-x":
                language = None if value == "none" else value
            elif arg == "-MF":
                depfile = value
            elif arg in ("-MT", "-MQ"):
                has_target = True
            i += 2
            continue
        if arg.startswith("-o") and len(arg) > 2:
            if output is not None:
                return PassThrough(Outcome.GCC_WOULD_FAIL, "two -o options")
            output = arg[2:]
        elif arg.startswith("-x") and len(arg) > 2:
            language = None if arg[2:] == "none" else arg[2:]
        elif arg.startswith("-MF") and len(arg) > 3:
            depfile = arg[3:]
        elif arg.startswith(("-MT", "-MQ")) and len(arg) > 3:
            has_target = True
        elif not arg.startswith("-") or arg == "-":
            # an input: its language is the -x in effect, else its suffix
            suffix = os.path.splitext(arg)[1]
            lang = language or C_SUFFIXES.get(suffix)
            if not os.path.isfile(arg):
                return PassThrough(Outcome.MISSING_INPUT, arg)
            if lang in C_LANGUAGES:
                sources.append(Source(arg, lang, i, language is not None))
            elif lang is None and (suffix in LINK_SUFFIXES or suffix == ""
                                   or ".so." in arg):
                other_inputs.append(i)
            elif lang is None and suffix not in (".s", ".S", ".h", ".cc", ".cpp", ".cxx",
                                                 ".C", ".m", ".f", ".f90", ".go", ".d",
                                                 ".ii", ".mi", ".F", ".sx", ".hpp"):
                other_inputs.append(i)  # gcc hands unknown suffixes to the linker
            else:
                return PassThrough(Outcome.NON_C_INPUT, arg)
        i += 1

    if not sources:
        return PassThrough(Outcome.LINK_ONLY if other_inputs else Outcome.NO_INPUT)
    if output == "-":
        return PassThrough(Outcome.OUTPUT_TO_STDOUT)
    if output is not None:
        # gcc refuses ("input file is the same as output file"); llmcc would overwrite it
        real_output = os.path.realpath(output)
        for index in (*(s.index for s in sources), *other_inputs):
            if os.path.realpath(args[index]) == real_output:
                return PassThrough(Outcome.GCC_WOULD_FAIL, "input file is the output file")
    for src in sources:
        name = os.path.basename(src.path)
        if name in PROBE_NAMES or any(part in src.path for part in PROBE_DIRS):
            return PassThrough(Outcome.BUILD_PROBE, src.path)
    if opt_level in ("", "-O0", "-Os", "-Oz", "-Og"):
        return PassThrough(Outcome.NO_SPEED_OPT, opt_level or "no -O")
    if compile_only:
        if other_inputs:
            return PassThrough(Outcome.LINK_ONLY, "non-C inputs with -c")
        if output is not None and len(sources) > 1:
            return PassThrough(Outcome.GCC_WOULD_FAIL, "-o with -c and several sources")
        if len(sources) > 1 and (depfile or has_target):
            return PassThrough(Outcome.UNSUPPORTED_OPTION, "-MF/-MT with several sources")
    elif driver_md or wp_md or depfile:
        return PassThrough(Outcome.UNSUPPORTED_OPTION, "dependency files while linking")
    job = CompileJob(
        args=tuple(args),
        sources=tuple(sources),
        output=output,
        link=not compile_only,
        opt_level=opt_level,
        opt_index=tuple(opt_index),
        deps=DepOptions(driver_md, depfile, has_target, wp_md),
        assembler_flags=tuple(asm_flags),
        link_inputs=tuple(other_inputs),
    )
    for path in _outputs(job):
        if os.path.lexists(path) and not os.path.isfile(path):
            return PassThrough(Outcome.SPECIAL_OUTPUT, path)
    return job


def _outputs(job: CompileJob) -> list[str]:
    if job.link:
        return [job.output or "a.out"]
    return [job.object_name(src) for src in job.sources]
