"""What llmcc knows of gcc's options that every stage needs: which take a value, which are
optimization levels, and how to compile a unit again to another file without touching the
user's outputs. The driver classifies with these; proposers, the verifier and the dataset
recompile with them."""

from __future__ import annotations

# gcc options whose value is the next argument (ccache's compopt table, trimmed to gcc)
TAKES_ARG = frozenset({
    "-o", "-x", "-D", "-U", "-I", "-L", "-l", "-A", "-B", "-T", "-u", "-z", "-e",
    "-MF", "-MT", "-MQ", "-include", "-imacros", "-isystem", "-idirafter", "-iprefix",
    "-iwithprefix", "-iwithprefixbefore", "-isysroot", "-imultilib", "-iquote",
    "-Xlinker", "-Xassembler", "-Xpreprocessor", "-aux-info", "--param", "-dumpbase",
    "-dumpdir", "-dumpbase-ext", "--sysroot", "-wrapper", "-G", "-specs",
})

# Options that write files or stop gcc short of assembly, with how many values follow them:
# a recompile (signature twin, variants, static probes) writes only what it asks for, never
# the user's object or .d file.
_RECOMPILE_DROP = {"-c": 0, "-S": 0, "-E": 0, "-M": 0, "-MM": 0, "-MD": 0, "-MMD": 0,
                   "-MP": 0, "-MG": 0, "-fsyntax-only": 0, "-o": 1, "-MF": 1, "-MT": 1,
                   "-MQ": 1}
_RECOMPILE_DROP_JOINED = ("-o", "-MF", "-MT", "-MQ")  # -ofile, -MFfile ...
# preprocessor options inside -Wp,..., with how many values follow them
_WP_DROP = {"-M": 0, "-MM": 0, "-MP": 0, "-MG": 0, "-MD": 1, "-MMD": 1, "-MF": 1, "-MT": 1,
            "-MQ": 1}


def recompile_flags(args: list[str] | tuple[str, ...]) -> list[str]:
    """Options of a compile (inputs already removed) without output and dependency-file
    options, for compiling the same unit again to another file."""
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _RECOMPILE_DROP:
            i += 1 + _RECOMPILE_DROP[arg]
            continue
        if arg.startswith(_RECOMPILE_DROP_JOINED) and arg not in TAKES_ARG:
            i += 1
            continue
        if arg.startswith("-Wp,"):
            arg = _wp_without_deps(arg)
            if not arg:
                i += 1
                continue
        if arg in TAKES_ARG and i + 1 < len(args):
            out += [arg, args[i + 1]]
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _wp_without_deps(arg: str) -> str:
    """A ``-Wp,...`` option without its dependency-file parts ("" when nothing is left)."""
    parts = arg[len("-Wp,"):].split(",")
    kept: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] in _WP_DROP:
            i += 1 + _WP_DROP[parts[i]]
            continue
        kept.append(parts[i])
        i += 1
    return "-Wp," + ",".join(kept) if kept else ""


_OPT_LEVELS = frozenset({"-O", "-Os", "-Oz", "-Og", "-Ofast"})


def is_opt_level(arg: str) -> bool:
    """Is ``arg`` an optimization level option (-O, -O2, -Os, -Ofast, ...)?"""
    return arg in _OPT_LEVELS or (arg.startswith("-O") and arg[2:].isdigit())
