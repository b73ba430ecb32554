"""Keys carry every input (llmcc issue 12, hole 7). A function's decision key: the named data
it reads, the code of the in-unit functions it calls, and its in-unit callers' code (gcc's
-fipa-ra). An object's key: the assembler gcc runs, -B prefixes, -specs files, and the CPU
under -march=native; a warm rebuild after any of those changed does not reuse the object."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from llmcc.asm import parse_module
from llmcc.asm.rename import normalized
from llmcc.cache import keys
from llmcc.cache.decisions import DecisionCache
from llmcc.cache.objects import ObjectCache
from llmcc.cache.project import ProjectCache
from llmcc.records import FunctionTask

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))
AS = shutil.which("as")

# -- the decision key ----------------------------------------------------------------------

TABLE = """static const int table[8] = {{{values}}};
int f(int x) {{ return table[x & 7] * 3 + x; }}
int g(int x) {{ return table[(x >> 3) & 7]; }}
"""
COUNTER = """static int seeded = {start};
static int counter;
int f(int x) {{ counter++; seeded += x; return seeded * 3 + counter; }}
"""
HELPER = """__attribute__((noinline)) static int helper(int x) {{ return x * {factor} + 1; }}
int f(int x) {{ return helper(x) + helper(x + 1) * 5; }}
"""
CALLER = """__attribute__((noinline)) int leaf(int x) {{ return x * 7 + 3; }}
int caller(int x) {{ return leaf(x) {op} leaf(x + 1); }}
"""
UNRELATED = """static const int table[4] = {{1, 2, 3, 4}};
int f(int x) {{ return table[x & 3] * 3 + x; }}
int other(int x) {{ return x * {factor}; }}
"""


def decision_key(folder: Path, source: str, function: str) -> tuple[str, str]:
    """The decision key of ``function`` in ``source`` compiled by gcc -O3, and the
    function's normalized code (what the key held before it carried the rest)."""
    folder.mkdir()
    (folder / "u.c").write_text(source)
    subprocess.run(["gcc", "-O3", "-S", "u.c", "-o", "u.s"], cwd=folder, check=True)
    unit = parse_module((folder / "u.s").read_text())
    task = FunctionTask(unit, unit.function(function), str(folder / "u.c"), "gcc", ("-O3",),
                        str(folder))
    cache = DecisionCache(ProjectCache(folder.parent / "cache", folder.parent), ("variants",))
    return cache.key(task), normalized(task.baseline_text)


@pytest.mark.parametrize("template, function, before, after", [
    (TABLE, "f", {"values": "3, 1, 4, 1, 5, 9, 2, 6"}, {"values": "3, 1, 4, 1, 5, 9, 2, 7"}),
    (COUNTER, "f", {"start": 5}, {"start": 6}),
    (HELPER, "f", {"factor": 7}, {"factor": 9}),
    (CALLER, "leaf", {"op": "+"}, {"op": "^"}),
], ids=["static-table", "static-variable", "static-helper", "in-unit-caller"])
def test_what_a_function_reaches_in_its_unit_is_in_its_decision_key(
        tmp_path, template, function, before, after):
    old_key, old_code = decision_key(tmp_path / "before", template.format(**before), function)
    new_key, new_code = decision_key(tmp_path / "after", template.format(**after), function)
    assert old_code == new_code  # the function's own code is the same: only the key can tell
    assert old_key != new_key


def test_what_a_function_does_not_reach_is_not_in_its_key(tmp_path):
    old_key, _ = decision_key(tmp_path / "before", UNRELATED.format(factor=7), "f")
    new_key, _ = decision_key(tmp_path / "after", UNRELATED.format(factor=9), "f")
    assert old_key == new_key  # an edit elsewhere in the unit keeps f's decision


# -- the object key ------------------------------------------------------------------------

UNIT = "long sum(const int *v, int n)\n" \
       "{ long s = 0; for (int i = 0; i < n; i++) s += v[i] * 3; return s; }\n"


def tool(path: Path, extra: str = "") -> None:
    """An assembler: the system's, with ``extra`` options (a new version of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec {AS} {extra} "$@"\n')
    path.chmod(0o755)


def has_line_info(obj: Path) -> bool:
    with open(obj, "rb") as fh:
        return ELFFile(fh).get_section_by_name(".debug_line") is not None


class Build:
    """llmcc compiles of unit.c in ``folder`` (no proposer: the object cache alone)."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        (folder / "unit.c").write_text(UNIT)
        self.env = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"),
                    "LLMCC_LOG": str(folder / "llmcc.log"), "LLMCC_MODE": "sync",
                    "LLMCC_PROPOSERS": "none", **(env or {})}

    def compile(self, *flags: str) -> str:
        """The outcome of ``llmcc -O2 FLAGS -c unit.c``."""
        done = subprocess.run([LLMCC, "-O2", *flags, "-c", "unit.c", "-o", "unit.o"],
                              cwd=self.folder, env=self.env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        last = [ln for ln in (self.folder / "llmcc.log").read_text().splitlines()
                if " compile " in ln][-1]
        return last.split("outcome=")[1].split()[0]

    def line_info(self) -> bool:
        return has_line_info(self.folder / "unit.o")


def test_a_new_assembler_on_path_is_not_served_a_stale_object(tmp_path):
    (tmp_path / "bin").mkdir()
    build = Build(tmp_path, {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert build.compile() == "unchanged" and build.compile() == "cached"
    tool(tmp_path / "bin" / "as")  # another assembler, found first on PATH
    assert build.compile() != "cached" and not build.line_info()
    assert build.compile() == "cached"
    tool(tmp_path / "bin" / "as", "--gen-debug")  # upgraded in place
    assert build.compile() != "cached" and build.line_info()
    assert build.compile() == "cached" and build.line_info()


@pytest.mark.parametrize("prefix", [["-Btools/"], ["-B", "tools"]], ids=["joined", "separate"])
def test_the_tools_of_a_B_prefix_are_in_the_object_key(tmp_path, prefix):
    (tmp_path / "tools").mkdir()
    build = Build(tmp_path)
    assert build.compile(*prefix) == "unchanged" and build.compile(*prefix) == "cached"
    tool(tmp_path / "tools" / "as")  # gcc now runs this one
    assert build.compile(*prefix) != "cached" and build.compile(*prefix) == "cached"
    tool(tmp_path / "tools" / "as", "--gen-debug")
    assert build.compile(*prefix) != "cached" and build.line_info()


def test_the_contents_of_a_specs_file_are_in_the_object_key(tmp_path):
    (tmp_path / "my.specs").write_text("")
    build = Build(tmp_path)
    assert build.compile("-specs=my.specs") == "unchanged" and not build.line_info()
    assert build.compile("-specs=my.specs") == "cached"
    (tmp_path / "my.specs").write_text("*asm:\n+ --gen-debug\n")
    assert build.compile("-specs=my.specs") != "cached" and build.line_info()
    gcc = subprocess.run(["gcc", "-O3", "-specs=my.specs", "-c", "unit.c", "-o", "gcc.o"],
                         cwd=tmp_path)
    assert gcc.returncode == 0 and has_line_info(tmp_path / "gcc.o")


def test_the_cpu_is_in_the_object_key_only_for_native(tmp_path, monkeypatch):
    """Another machine, as /proc/cpuinfo would describe it: one feature flag less."""
    (tmp_path / "unit.c").write_text(UNIT)
    with open("/proc/cpuinfo") as fh:
        first = fh.read().split("\n\n")[0]
    (tmp_path / "here").write_text(first + "\n\n")
    flags = next(ln for ln in first.splitlines() if ln.startswith("flags"))
    (tmp_path / "there").write_text(first.replace(flags, flags.rsplit(" ", 1)[0]) + "\n\n")
    objects = ObjectCache(ProjectCache(tmp_path / "cache", tmp_path), "gcc", ())
    monkeypatch.chdir(tmp_path)

    def key(cpuinfo: str, *args: str) -> str:
        monkeypatch.setattr(keys, "_CPUINFO", str(tmp_path / cpuinfo))
        monkeypatch.setattr(keys, "_CPU_ID", None)
        return objects.direct_key(["-O2", *args, "-c", "unit.c"], "unit.c")

    for native in ("-march=native", "-mtune=native"):
        assert key("here", native) != key("there", native)
        assert key("here", native) == key("here", native)
    assert key("here", "-march=haswell") == key("there", "-march=haswell")
