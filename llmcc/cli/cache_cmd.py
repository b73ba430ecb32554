"""`llmcc cache ...`: what the project's cache holds and knows, and housekeeping.

    llmcc cache stats [--json]      counters: hits, misses, candidates, verdicts, time
    llmcc cache list [--json]       functions decided, with status and best speedup
    llmcc cache show NAME|KEY       every candidate of a function and its evidence
    llmcc cache diff NAME|KEY       the baseline against the chosen rewrite
    llmcc cache clear               remove the project's entries
    llmcc cache evict [--max-size]  apply the size limit to the whole cache now
    llmcc cache zero                reset the project's counters
    llmcc cache export FILE         the project's function decisions, for another machine
    llmcc cache import FILE         take them in; acceptances are re-verified and re-timed
                                    here before a build uses them
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from llmcc.cache.decisions import check_record, describe_speedup
from llmcc.cache.project import ProjectCache, cache_root, evict, project_root
from llmcc.config import load, parse_size
from llmcc.errors import LlmccError


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc cache", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("stats", "list"):
        sub.add_parser(name).add_argument("--json", action="store_true")
    for name in ("show", "diff"):
        sub.add_parser(name).add_argument("function", help="a function name or a key (prefix)")
    sub.add_parser("clear")
    sub.add_parser("zero")
    sub.add_parser("evict").add_argument("--max-size", help="e.g. 500M (default: setting)")
    sub.add_parser("export").add_argument("file", help="JSON Lines file to write")
    sub.add_parser("import").add_argument("file", help="a file `llmcc cache export` wrote")
    opts = parser.parse_args(args)
    config = load()
    project = ProjectCache(cache_root(config.cache_dir), project_root(Path.cwd(), config.file))
    return COMMANDS[opts.command](project, opts, config)


def _stats(project: ProjectCache, opts, config) -> int:
    counts = project.counts()
    entries = {kind: 0 for kind in ("fn", "obj", "man")}
    size = 0
    for entry in project.store.entries():
        entries[entry.kind] = entries.get(entry.kind, 0) + 1
        size += entry.size
    data = {"project": str(project.project), "folder": str(project.folder),
            "counters": counts, "entries": entries, "bytes": size}
    if opts.json:
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print(f"project   {project.project}")
    print(f"cache     {project.folder} ({size / 1e6:.1f} MB)")
    print(f"entries   {entries['fn']} function decisions, {entries['obj']} objects")
    for name in ("object_hits", "object_misses", "function_hits", "function_misses",
                 "functions_retimed", "candidates", "accepted"):
        print(f"{name:<18} {counts.get(name, 0):g}")
    print(f"{'seconds_optimizing':<18} {counts.get('seconds_optimizing', 0):.1f}")
    rejected = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("rejected:")}
    for outcome, value in sorted(rejected.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {outcome:<22} {value:g}")
    skipped = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("skipped:")}
    for outcome, value in sorted(skipped.items()):  # functions a spent budget left untried
        print(f"  skipped  {outcome:<22} {value:g}")
    unheard = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("unheard:")}
    for outcome, value in sorted(unheard.items()):  # proposer failures, offered again later
        print(f"  unheard  {outcome:<22} {value:g}")
    return 0


def _best(record: dict) -> tuple[str, dict | None]:
    chosen = record.get("chosen")
    candidates = record.get("candidates", [])
    if isinstance(chosen, int) and 0 <= chosen < len(candidates):
        return "rewritten", candidates[chosen]
    return ("rejected" if candidates else "no candidates"), None


def _list(project: ProjectCache, opts, config) -> int:
    rows = []
    for record in sorted(project.decisions(), key=lambda r: (r.get("source", ""),
                                                             r.get("function", ""))):
        status, best = _best(record)
        speedup = (best or {}).get("speedup")
        rows.append({"key": record["key"], "function": record.get("function"),
                     "source": record.get("source"), "status": status,
                     "candidates": len(record.get("candidates", [])),
                     "speedup": speedup, "origin": (best or {}).get("origin")})
    if opts.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no function decisions cached for this project")
        return 0
    for r in rows:
        s = r["speedup"]
        told = describe_speedup(s)
        print(f"{r['key'][:12]}  {r['function']:<28} {r['status']:<13} "
              f"{r['candidates']:>3} candidates  {told:<26} {r['origin'] or ''}")
    return 0


def _find(project: ProjectCache, wanted: str) -> dict:
    records = project.decisions()
    found = [r for r in records if r.get("function") == wanted] or \
        [r for r in records if r["key"].startswith(wanted)]
    if not found:
        raise LlmccError(f"no cached decision for {wanted!r} (see `llmcc cache list`)")
    if len(found) > 1:
        keys = ", ".join(r["key"][:12] for r in found)
        raise LlmccError(f"{wanted!r} is ambiguous: {keys}; give a key")
    return found[0]


def _show(project: ProjectCache, opts, config) -> int:
    record = _find(project, opts.function)
    status, _ = _best(record)
    print(f"{record['function']} ({record.get('source')}): {status}; key {record['key']}")
    print(f"timed on {record.get('cpu')}, flags {' '.join(record.get('flags', []))}")
    for note in record.get("notes", []):
        print(f"  note: {note}")
    for n, c in enumerate(record.get("candidates", [])):
        mark = "*" if n == record.get("chosen") else " "
        s = c.get("speedup")
        told = f"; speedup {describe_speedup(s)}" if s else ""
        tests = c.get("tests")
        counted = f"; tests run {tests['run']} valid {tests['valid']} failed {tests['failed']}" \
            if tests else ""
        print(f"{mark} {n}: {c['origin']}: {c['outcome']} at {c['stage']}{counted}{told}")
        if c.get("reason"):
            print(f"      {c['reason']}")
    return 0


def _diff(project: ProjectCache, opts, config) -> int:
    record = _find(project, opts.function)
    _, best = _best(record)
    if best is None:
        print(f"{record['function']}: no rewrite was accepted; nothing to compare")
        return 1
    from llmcc.asm.rename import code_lines

    sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(
        code_lines(record["baseline"]), code_lines(best["text"]),
        f"{record['function']} (gcc -O3)", f"{record['function']} ({best['origin']})",
        lineterm=""))
    return 0


def _clear(project: ProjectCache, opts, config) -> int:
    print(f"removed {project.store.clear()} entries of {project.project}")
    return 0


def _zero(project: ProjectCache, opts, config) -> int:
    project.zero()
    print(f"counters of {project.project} reset")
    return 0


def _evict(project: ProjectCache, opts, config) -> int:
    try:
        limit = parse_size(opts.max_size) if opts.max_size else config.cache_max_size
    except ValueError as exc:
        raise LlmccError(f"--max-size: {exc}") from None
    print(f"removed {evict(project.root, limit)} entries (limit {limit / 1e6:.0f} MB)")
    return 0


def _export(project: ProjectCache, opts, config) -> int:
    records = project.decisions()
    with open(opts.file, "w") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
    accepted = sum(isinstance(r.get("chosen"), int) for r in records)
    print(f"exported {len(records)} decisions ({accepted} rewrites) to {opts.file}")
    return 0


def _import(project: ProjectCache, opts, config) -> int:
    try:
        with open(opts.file) as fh:
            lines = fh.readlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LlmccError(f"{opts.file}: {getattr(exc, 'strerror', None) or exc}") from None
    taken = skipped = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        # every record is checked (its key above all: it names the file it is saved to);
        # a bad one is skipped, and the message never quotes the file
        why = check_record(record) if record is not None else "not JSON"
        if why:
            print(f"llmcc cache import: {opts.file}:{n}: not a decision `llmcc cache export` "
                  f"wrote ({why}); skipped", file=sys.stderr)
            skipped += 1
            continue
        # timed elsewhere, by someone else: a build judges an acceptance again (every
        # stage, on this CPU) before it uses it, since the record is not sealed as its own
        record["cpu"] = f"imported (timed on {record.get('cpu')})"
        project.save_decision(record["key"], record, own=False)
        taken += 1
    print(f"imported {taken} decisions into {project.project}; their rewrites are verified "
          "and timed again here before a build uses them"
          + (f"; {skipped} records skipped" if skipped else ""))
    return 1 if skipped else 0


COMMANDS = {"stats": _stats, "list": _list, "show": _show, "diff": _diff, "clear": _clear,
            "zero": _zero, "evict": _evict, "export": _export, "import": _import}
