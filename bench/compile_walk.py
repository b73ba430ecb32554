"""The walk of one compile through llmcc's code: which of its functions run, in which files,
and how often control comes back to a file it had left. Issue 13 asked for it before and
after the redesign; run it on two checkouts to compare.

    python bench/compile_walk.py [--source examples/checksum.c] [--root CHECKOUT]

It compiles SOURCE in this process (`llmcc gcc -O2 -c` from the driver's front door on:
sync mode, the variants proposer, two functions, a fresh cache) under sys.setprofile, and
prints:

- functions: distinct llmcc functions that ran (not module or class bodies, comprehensions
  or lambdas; with --depth N, only those called at most N
  llmcc frames deep: the walk a reader takes from the front door, N calls down);
- files: distinct llmcc files they live in;
- crossings: distinct (caller, callee) pairs where a function in one file calls one in
  another;
- stops, returns: the files entered in order (each function's first call; a run of calls
  in one file is one stop) and how many of those stops return to a file already left.

Programs llmcc starts (gcc, harnesses) run in other processes and are not counted.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import tempfile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--source", default=os.path.join(here, "examples", "checksum.c"))
    parser.add_argument("--root", default=here, help="the checkout whose llmcc runs")
    parser.add_argument("--depth", type=int, default=0, metavar="N",
                        help="count only calls at most N llmcc frames deep (1 = the driver's "
                        "front door itself; 0 = every call)")
    parser.add_argument("--list", action="store_true", help="print the stops too")
    opts = parser.parse_args()
    root = os.path.abspath(opts.root)
    sys.path.insert(0, root)
    package = os.path.join(root, "llmcc") + os.sep
    source = os.path.abspath(opts.source)
    work = tempfile.mkdtemp(prefix="llmcc-walk-")
    os.environ.update({"LLMCC_MODE": "sync", "LLMCC_PROPOSERS": "variants",
                       "LLMCC_CACHE_DIR": os.path.join(work, "cache"),
                       "LLMCC_LOG": os.path.join(work, "log"), "LLMCC_MAX_FUNCTIONS": "2"})
    os.chdir(work)
    from llmcc.driver.run import compile_main  # what `llmcc gcc ARGS` runs, less os._exit

    seen: set[tuple[str, str]] = set()
    crossings: set[tuple[str, str, str, str]] = set()
    order: list[tuple[str, str]] = []

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if not code.co_filename.startswith(package):
            return
        if not code.co_flags & inspect.CO_NEWLOCALS or "<" in code.co_qualname:
            return  # a module or class body running, a comprehension, a lambda: no stop
        if opts.depth:
            depth, up = 0, frame
            while up is not None and depth <= opts.depth:
                depth += up.f_code.co_filename.startswith(package)
                up = up.f_back
            if depth > opts.depth:
                return
        here = (os.path.relpath(code.co_filename, root), code.co_qualname)
        if here not in seen:
            seen.add(here)
            order.append(here)
        back = frame.f_back
        while back is not None and not back.f_code.co_filename.startswith(package):
            back = back.f_back
        if back is not None:
            caller = os.path.relpath(back.f_code.co_filename, root)
            if caller != here[0]:
                crossings.add((caller, back.f_code.co_qualname, *here))

    sys.setprofile(profile)
    try:
        status = compile_main("gcc", ["-O2", "-c", source, "-o", "out.o"])
    finally:
        sys.setprofile(None)
    stops: list[str] = []
    for file, _ in order:
        if not stops or stops[-1] != file:
            stops.append(file)
    returns = sum(1 for n, f in enumerate(stops) if f in stops[:n])
    files = sorted({f for f, _ in order})
    print(f"compile exit status {status}, {os.path.basename(source)}")
    print(f"functions {len(order)}, files {len(files)}, crossings {len(crossings)}, "
          f"stops {len(stops)}, returns to a file already left {returns}")
    if opts.list:
        print("\n".join(f"{f}:{name}" for f, name in order))
    return 0


if __name__ == "__main__":
    sys.exit(main())
