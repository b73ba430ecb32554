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
from llmcc.cache.decisions import describe_speedup
from llmcc.cache.project import ProjectCache, cache_root, project_root
from llmcc.config import load


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc report", description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="store_true", help="HTML instead of Markdown")
    parser.add_argument("-o", "--output", help="write to FILE instead of standard output")
    opts = parser.parse_args(args)
    config = load()
    project = ProjectCache(cache_root(config.cache_dir), project_root(Path.cwd(), config.file))
    text = markdown(project)
    if opts.html:
        text = to_html(text, f"llmcc report: {project.project}")
    if opts.output:
        Path(opts.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def markdown(project: ProjectCache) -> str:
    records = sorted(project.decisions(), key=lambda r: (r.get("source", ""), r["function"]))
    counts = project.counts()
    accepted = [r for r in records if isinstance(r.get("chosen"), int)]
    out = [f"# llmcc report: {project.project}", ""]
    out.append(f"{len(records)} functions decided, {len(accepted)} rewritten; "
               f"{counts.get('candidates', 0):g} candidates judged in "
               f"{counts.get('seconds_optimizing', 0):.0f} s; objects from the cache "
               f"{counts.get('object_hits', 0):g} times, compiled "
               f"{counts.get('object_misses', 0):g} times.")
    out += ["", "## Accepted rewrites", ""]
    if not accepted:
        out.append("None.")
    for r in accepted:
        best = r["candidates"][r["chosen"]]
        s = best.get("speedup") or {}
        out += [f"### `{r['function']}` ({r.get('source')})", "",
                f"- from `{best['origin']}`, timed on {r.get('cpu')}",
                f"- speedup {describe_speedup(s)} (median and 95% interval, against the "
                "baseline at its best entry offset)",
                f"- tests: {best.get('tests')}", "", "```diff"]
        out += difflib.unified_diff(code_lines(r["baseline"]), code_lines(best["text"]),
                                    "gcc -O3", best["origin"], lineterm="")
        out += ["```", ""]
    out += ["## Every function", "", "| function | source | candidates | result | time |",
            "|---|---|---|---|---|"]
    for r in records:
        outcomes: dict[str, int] = {}
        for c in r.get("candidates", []):
            outcomes[c["outcome"]] = outcomes.get(c["outcome"], 0) + 1
        told = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none proposed"
        out.append(f"| `{r['function']}` | {r.get('source')} | {len(r.get('candidates', []))} "
                   f"| {told} | {r.get('seconds', 0):.1f} s |")
    rejected = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("rejected:")}
    out += ["", "## Rejections by reason", ""]
    out += [f"- {name}: {value:g}" for name, value in sorted(rejected.items(),
                                                             key=lambda kv: -kv[1])] or ["None."]
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
