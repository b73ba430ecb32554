"""The project's program in the cache (llmcc.cache.program): copies of the objects builds
made and the links' library options, read back only when sealed and unchanged, the unit's
own object left out; a symbol decisions waited for drops the cached objects once defined."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from llmcc.cache.keys import digest
from llmcc.cache.program import ProgramIndex
from llmcc.cache.project import ProjectCache


@pytest.fixture(scope="module")
def objects(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("objs")
    texts = {"a": "int mix(int);\nint score(int x) { return mix(x) + 1; }\n",
             "b": "int table[4];\nint mix(int x) { return table[x & 3] ^ x; }\n",
             "b2": "int mix(int x) { return x; }\n",
             "c": "int score(int);\nint main(void) { return score(1); }\n"}
    out = {}
    for name, text in texts.items():
        (folder / f"{name}.c").write_text(text)
        subprocess.run(["gcc", "-O2", "-c", f"{name}.c", "-o", f"{name}.o"], cwd=folder,
                       check=True)
        out[name] = (folder / f"{name}.o").read_bytes()
    return out


@pytest.fixture
def index(tmp_path) -> ProgramIndex:
    return ProgramIndex(ProjectCache(tmp_path / "cache", tmp_path / "proj"))


def test_objects_recorded_and_the_units_own_left_out(index, objects, tmp_path):
    p = tmp_path / "proj"
    for name in ("a", "b", "c"):
        assert index.record_object(str(p / f"{name}.c"), str(p / f"{name}.o"), objects[name])
    assert not index.record_object(str(p / "x.c"), str(p / "x.o"), b"not an object")
    parts = index.parts(str(p / "a.c"))
    assert {Path(o.path).name for o in parts.objects} == {"b.o", "c.o"}
    b = next(o for o in parts.objects if o.path.endswith("b.o"))
    assert b.defines == {"table", "mix"} and parts.read(b) == objects["b"]
    assert parts.libraries == ()


def test_links_give_libraries_and_order(index, objects, tmp_path):
    p = tmp_path / "proj"
    index.record_object(str(p / "a.c"), str(p / "a.o"), objects["a"])
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    # a newer object of another program defining mix as well
    index.record_object(str(p / "other" / "b2.c"), str(p / "other" / "b2.o"), objects["b2"])
    assert index.record_link(["-O2", "-o", "prog", "a.o", "b.o", "-L", "lib", "-lz",
                              "-pthread", "/usr/lib/libq.so.1", "-Wl,-O1"], str(p))
    assert not index.record_link(["-o", "x", "-lm"], str(p))  # no objects: nothing known
    parts = index.parts(str(p / "a.c"))
    # b.o took part in a link with a.o: it comes first, though b2.o is newer
    assert [Path(o.path).name for o in parts.objects] == ["b.o", "b2.o"]
    assert parts.libraries == (f"-L{p}/lib", "-lz", "-pthread", "/usr/lib/libq.so.1")


def test_what_another_writer_changed_is_not_read(index, objects, tmp_path):
    p = tmp_path / "proj"
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    key = digest("program-object", str(p / "b.o"))
    (obj,) = index.objects()
    # the copy replaced: its record's hash no longer matches
    index.store.put("pbin", key, objects["b2"])
    assert index.read(obj) is None
    # the record edited (another definition claimed): its seal no longer holds
    record = index.store.get_json("prog", key)
    index.store.put_json("prog", key, {**record, "defines": ["system"]})
    assert index.objects() == []


def test_an_unchanged_object_is_not_written_again(index, objects, tmp_path):
    p = tmp_path / "proj"
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    path = index.store.path("pbin", digest("program-object", str(p / "b.o")))
    before = path.stat().st_ino
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    assert path.stat().st_ino == before  # not replaced
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b2"])
    assert index.read(index.objects()[0]) == objects["b2"]


def test_a_waited_for_symbol_drops_the_cached_objects(index, objects, tmp_path):
    p = tmp_path / "proj"
    store = index.store
    store.put("obj", "ab" * 32, b"a cached object")
    index.wait_for(("mix",))
    index.record_object(str(p / "c.c"), str(p / "c.o"), objects["c"])  # defines no mix
    assert store.get("obj", "ab" * 32) is not None
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    assert store.get("obj", "ab" * 32) is None  # the waiting unit compiles again
    assert not list(store.entries("wait"))


def test_the_records_are_json_that_names_no_more_than_symbols(index, objects, tmp_path):
    p = tmp_path / "proj"
    index.record_object(str(p / "b.c"), str(p / "b.o"), objects["b"])
    record = index.store.get_json("prog", digest("program-object", str(p / "b.o")))
    assert set(record) == {"source", "path", "object", "saved", "defines", "needs", "calls",
                           "mac"}
    json.dumps(record)
