"""The one-way rule of ARCHITECTURE.md, checked on the code: every import inside ``llmcc/``
(type-only ones under TYPE_CHECKING and those inside functions included) goes from a layer
to a lower one, or stays inside its own part. A new import that points up, or sideways
between two parts of one layer, fails here with the file and line that made it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "llmcc"

# lowest first; parts of one layer may not import each other
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "errors", "outcome"}),
    frozenset({"files", "subproc", "log", "config", "gcc_options"}),
    frozenset({"asm", "grammar", "gguf_export"}),
    frozenset({"records"}),
    frozenset({"verify", "propose", "cache"}),
    frozenset({"timing"}),
    frozenset({"pipeline"}),
    frozenset({"driver"}),
    frozenset({"dataset"}),
    frozenset({"reward"}),
    frozenset({"train"}),
    frozenset({"eval"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
RANK = {part: n for n, layer in enumerate(LAYERS) for part in layer}


def part_of(module: str) -> str:
    """``llmcc.verify.harness`` -> ``verify``; ``llmcc`` itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every llmcc module ``path`` imports, with its line: ``from x import y`` names y too,
    since y may be a module (``from llmcc.cache import queue``)."""
    tree = ast.parse(path.read_text(), str(path))
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            if node.module is None or base == "llmcc":  # names that are modules
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names
                          if (root / a.name).is_dir() or (root / f"{a.name}.py").is_file()]
    return [(line, name) for line, name in found if name.split(".")[0] == "llmcc"]


def violations(root: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        source = part_of(module_name(path, root))
        for line, target in imports(path, root):
            dest = part_of(target)
            if dest == source or (target == "llmcc" and dest == "__init__"):
                continue
            if source not in RANK or dest not in RANK:
                out.append(f"{path.relative_to(root.parent)}:{line}: {target}: "
                           f"a part not in LAYERS ({source if source not in RANK else dest})")
            elif RANK[dest] >= RANK[source]:
                how = "sideways" if RANK[dest] == RANK[source] else "up"
                out.append(f"{path.relative_to(root.parent)}:{line}: {source} imports "
                           f"{target} ({how}: layer {RANK[source]} -> {RANK[dest]})")
    return out


def test_every_import_points_down():
    assert violations() == []


def test_every_part_of_the_package_has_a_layer():
    parts = {part_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert parts <= set(RANK), sorted(parts - set(RANK))


@pytest.mark.parametrize("text, expected", [
    ("from llmcc.pipeline import judge\n", "up"),
    ("from llmcc.cache.keys import digest\n", "sideways"),
    ("def f():\n    from llmcc import pipeline\n", "up"),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from llmcc.timing import T\n",
     "up"),
])
def test_a_new_upward_import_is_caught(tmp_path, text, expected):
    """The check itself: an import the rule forbids, written into a copy of ``verify``."""
    package = tmp_path / "llmcc"
    (package / "verify").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "pipeline.py").write_text("")
    (package / "verify" / "__init__.py").write_text("")
    (package / "verify" / "bad.py").write_text(text)
    found = violations(package)
    assert len(found) == 1 and f"({expected}:" in found[0] and "bad.py" in found[0]
