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

from llmcc.cache.caches import open_project
from llmcc.cache.decisions import DecisionRecord, check_record, read_records
from llmcc.cache.project import (
    ProjectCache,
    Stat,
    evict,
    per_outcome,
    stat_name,
)
from llmcc.config import Settings, load, parse_size
from llmcc.errors import LlmccError
from llmcc.records import Verdict


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
    project = open_project(config)
    return COMMANDS[opts.command](project, opts, config)


def _stats(project: ProjectCache, opts, config: Settings) -> int:
    counts = project.counts()
    entries = {kind: 0 for kind in ("fn", "obj", "man")}
    size = 0
    for entry in project.store.entries():
        entries[entry.kind] = entries.get(entry.kind, 0) + 1
        size += entry.size
    data = {"project": str(project.project), "folder": str(project.folder),
            "counters": {stat_name(key): value for key, value in counts.items()},
            "entries": entries, "bytes": size}
    if opts.json:
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print(f"project   {project.project}")
    print(f"cache     {project.folder} ({size / 1e6:.1f} MB)")
    print(f"entries   {entries['fn']} function decisions, {entries['obj']} objects")
    for stat in (Stat.OBJECT_HITS, Stat.OBJECT_MISSES, Stat.FUNCTION_HITS,
                 Stat.FUNCTION_MISSES, Stat.FUNCTIONS_RETIMED, Stat.CANDIDATES, Stat.ACCEPTED):
        print(f"{stat.value:<18} {counts.get(stat, 0):g}")
    print(f"{Stat.SECONDS_OPTIMIZING.value:<18} {counts.get(Stat.SECONDS_OPTIMIZING, 0):.1f}")
    rejected = per_outcome(counts, Stat.REJECTED)
    for outcome, value in sorted(rejected.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {outcome.value:<22} {value:g}")
    # functions a spent budget left untried; proposer failures, offered again later
    for stat, label in ((Stat.SKIPPED, "skipped "), (Stat.UNHEARD, "unheard ")):
        by_name = sorted(per_outcome(counts, stat).items(), key=lambda kv: kv[0].value)
        for outcome, value in by_name:
            print(f"  {label} {outcome.value:<22} {value:g}")
    return 0


def _status(record: DecisionRecord) -> str:
    if record.chosen is not None:
        return "rewritten"
    return "rejected" if record.verdicts else "no candidates"


def _told(v: Verdict | None) -> str:
    return v.speedup.describe() if v is not None and v.speedup is not None else "-"


def _list(project: ProjectCache, opts, config: Settings) -> int:
    records = sorted(read_records(project), key=lambda r: (r.source, r.function))
    if opts.json:
        rows = []
        for record in records:
            best = record.chosen_verdict
            rows.append({"key": record.key, "function": record.function,
                         "source": record.source, "status": _status(record),
                         "candidates": len(record.verdicts),
                         "speedup": best.as_json()["speedup"] if best else None,
                         "origin": best.candidate.origin if best else None})
        print(json.dumps(rows, indent=2))
        return 0
    if not records:
        print("no function decisions cached for this project")
        return 0
    for record in records:
        best = record.chosen_verdict
        print(f"{record.key[:12]}  {record.function:<28} {_status(record):<13} "
              f"{len(record.verdicts):>3} candidates  {_told(best):<26} "
              f"{best.candidate.origin if best else ''}")
    return 0


def _find(project: ProjectCache, wanted: str) -> DecisionRecord:
    records = read_records(project)
    found = [r for r in records if r.function == wanted] or \
        [r for r in records if r.key.startswith(wanted)]
    if not found:
        raise LlmccError(f"no cached decision for {wanted!r} (see `llmcc cache list`)")
    if len(found) > 1:
        keys = ", ".join(r.key[:12] for r in found)
        raise LlmccError(f"{wanted!r} is ambiguous: {keys}; give a key")
    return found[0]


def _show(project: ProjectCache, opts, config: Settings) -> int:
    record = _find(project, opts.function)
    print(f"{record.function} ({record.source}): {_status(record)}; key {record.key}")
    print(f"timed on {record.cpu}, flags {' '.join(record.flags)}")
    for note in record.notes:
        print(f"  note: {note}")
    for n, v in enumerate(record.verdicts):
        mark = "*" if n == record.chosen else " "
        told = f"; speedup {_told(v)}" if v.speedup is not None else ""
        t = v.tests
        counted = f"; tests run {t.run} valid {t.valid} failed {t.failed}" if t else ""
        if t and t.invalid():
            counted += f" (not valid: {t.invalid()})"
        print(f"{mark} {n}: {v.candidate.origin}: {v.outcome.value} at {v.stage}"
              f"{counted}{told}")
        if v.reason:
            print(f"      {v.reason}")
    return 0


def _diff(project: ProjectCache, opts, config: Settings) -> int:
    record = _find(project, opts.function)
    best = record.chosen_verdict
    if best is None:
        print(f"{record.function}: no rewrite was accepted; nothing to compare")
        return 1
    from llmcc.asm.rename import code_lines

    sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(
        code_lines(record.baseline), code_lines(best.candidate.text),
        f"{record.function} (gcc -O3)", f"{record.function} ({best.candidate.origin})",
        lineterm=""))
    return 0


def _clear(project: ProjectCache, opts, config: Settings) -> int:
    print(f"removed {project.store.clear()} entries of {project.project}")
    return 0


def _zero(project: ProjectCache, opts, config: Settings) -> int:
    project.zero()
    print(f"counters of {project.project} reset")
    return 0


def _evict(project: ProjectCache, opts, config: Settings) -> int:
    try:
        limit = parse_size(opts.max_size) if opts.max_size else config.cache_max_size
    except ValueError as exc:
        raise LlmccError(f"--max-size: {exc}") from None
    print(f"removed {evict(project.root, limit)} entries (limit {limit / 1e6:.0f} MB)")
    return 0


def _export(project: ProjectCache, opts, config: Settings) -> int:
    records = project.decisions()
    with open(opts.file, "w") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
    accepted = sum(isinstance(r.get("chosen"), int) for r in records)
    print(f"exported {len(records)} decisions ({accepted} rewrites) to {opts.file}")
    return 0


def _import(project: ProjectCache, opts, config: Settings) -> int:
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
