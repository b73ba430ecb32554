"""`llmcc report [--html] [-o FILE]`: one page on what llmcc did for this project: the
accepted rewrites with their speedup intervals and diffs, what was rejected and why, and
where the time went."""

from __future__ import annotations

import argparse
import difflib
import html
import sys
from pathlib import Path

from llmcc.asm.rename import code_lines
from llmcc.cache.caches import open_project
from llmcc.cache.decisions import read_records
from llmcc.cache.project import ProjectCache, Stat, per_outcome
from llmcc.config import load


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc report", description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="store_true", help="HTML instead of Markdown")
    parser.add_argument("-o", "--output", help="write to FILE instead of standard output")
    opts = parser.parse_args(args)
    config = load()
    project = open_project(config)
    text = markdown(project)
    if opts.html:
        text = to_html(text, f"llmcc report: {project.project}")
    if opts.output:
        Path(opts.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def markdown(project: ProjectCache) -> str:
    records = sorted(read_records(project), key=lambda r: (r.source, r.function))
    counts = project.counts()
    accepted = [r for r in records if r.chosen is not None]
    out = [f"# llmcc report: {project.project}", ""]
    out.append(f"{len(records)} functions decided, {len(accepted)} rewritten; "
               f"{counts.get(Stat.CANDIDATES, 0):g} candidates judged in "
               f"{counts.get(Stat.SECONDS_OPTIMIZING, 0):.0f} s; objects from the cache "
               f"{counts.get(Stat.OBJECT_HITS, 0):g} times, compiled "
               f"{counts.get(Stat.OBJECT_MISSES, 0):g} times.")
    out += ["", "## Accepted rewrites", ""]
    if not accepted:
        out.append("None.")
    for r in accepted:
        best = r.chosen_verdict
        origin = best.candidate.origin
        out += [f"### `{r.function}` ({r.source})", "",
                f"- from `{origin}`, timed on {r.cpu}",
                f"- speedup {best.speedup.describe() if best.speedup else '-'} (median and "
                "95% interval, against the baseline at its best entry offset)",
                f"- tests: {best.tests.as_json() if best.tests else None}", "", "```diff"]
        out += difflib.unified_diff(code_lines(r.baseline), code_lines(best.candidate.text),
                                    "gcc -O3", origin, lineterm="")
        out += ["```", ""]
    out += ["## Every function", "", "| function | source | candidates | result | time |",
            "|---|---|---|---|---|"]
    for r in records:
        outcomes: dict[str, int] = {}
        for v in r.verdicts:
            outcomes[v.outcome.value] = outcomes.get(v.outcome.value, 0) + 1
        told = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none proposed"
        out.append(f"| `{r.function}` | {r.source} | {len(r.verdicts)} "
                   f"| {told} | {r.seconds:.1f} s |")
    rejected = per_outcome(counts, Stat.REJECTED)
    out += ["", "## Rejections by reason", ""]
    out += [f"- {outcome.value}: {value:g}" for outcome, value in
            sorted(rejected.items(), key=lambda kv: -kv[1])] or ["None."]
    return "\n".join(out) + "\n"


def to_html(markdown_text: str, title: str) -> str:
    """A small, dependency-free rendering: headings, lists, tables and code blocks."""
    body, in_code, in_table = [], False, False
    for line in markdown_text.splitlines():
        if line.startswith("```"):
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
            continue
        if in_code:
            cls = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
            body.append(f'<span class="{cls}">{html.escape(line)}</span>')
            continue
        if line.startswith("|"):
            if set(line) <= {"|", "-"}:
                continue
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        level = len(line) - len(line.lstrip("#"))
        if level and line[level:level + 1] == " ":
            body.append(f"<h{level}>{html.escape(line[level + 1:])}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line:
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:auto}pre{background:#f6f6f6;"
             "padding:1em;overflow:auto}.add{color:#060}.del{color:#a00}"
             "td{border:1px solid #ccc;padding:2px 6px}")
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>{style}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
