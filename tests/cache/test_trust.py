"""A cache folder others can write to (shared, or an import) cannot make llmcc write outside
it, load code from it, link an object it holds, or splice a rewrite it vouches for: keys are
checked before they name a file, the parser is never unpickled, objects and decisions are
sealed with a secret of this user's, and anything else is judged again before use."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmcc.cache import trust
from llmcc.cache.keys import cpu_model
from llmcc.cache.project import ProjectCache, Stat
from llmcc.cache.queue import enqueue
from llmcc.cache.store import Store
from llmcc.errors import CacheError

LLMCC = shutil.which("llmcc", path=os.path.dirname(sys.executable))

# a unit whose -O3 code variants cannot better: the first build records a decision quickly
POLY = "long poly(long x) { return x * x * x + 5 * x * x - 7 * x + 11; }\n"
BUILD = ("-O3", "-c", "p.c", "-o", "p.o")


def llmcc(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "LLMCC_CACHE_DIR": str(folder / "cache"),
            "LLMCC_LOG": str(folder / "llmcc.log"), **env}
    return subprocess.run([LLMCC, *args], cwd=folder, env=full, capture_output=True,
                          text=True, timeout=300)


def gcc_object(folder: Path) -> bytes:
    subprocess.run(["gcc", *BUILD[:-1], "gcc.o"], cwd=folder, check=True)
    return (folder / "gcc.o").read_bytes()


# -- keys -----------------------------------------------------------------------------------

BAD_KEYS = {
    "traversal": None,  # ..//<victim>: joined under the store, it named the victim itself
    "not hex": "zz" * 32,
    "upper case": "AB" * 32,
    "too short": "ab" * 31,
    "too long": "ab" * 33,
    "not a string": 12345,
}


def test_store_refuses_keys_that_are_not_digests(tmp_path):
    store = Store(tmp_path / "store")
    victim = tmp_path / "victim"
    for key in [f"../{victim}", *(k for k in BAD_KEYS.values() if k is not None)]:
        with pytest.raises(CacheError):
            store.put("fn", key, b"payload")
        assert store.get("fn", key) is None and store.delete("fn", key) is False
    assert not victim.exists()
    # a stranger planted among the entries is not listed as one (nor cleared, nor evicted)
    store.put("fn", "ab" * 32, b"mine")
    planted = store.root / "fn" / "ab" / "not-a-key"
    planted.write_text("x")
    assert [e.key for e in store.entries()] == ["ab" * 32]


def test_a_link_planted_in_the_cache_folder_does_not_lead_writes_out(tmp_path):
    store = Store(tmp_path / "store")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (store.root / "fn").mkdir(parents=True)
    (store.root / "fn" / "cd").symlink_to(elsewhere)
    with pytest.raises(CacheError):
        store.put("fn", "cd" * 32, b"payload")
    # a whole project's folder, linked elsewhere: no entry, counter or job goes there
    project = ProjectCache(tmp_path / "cache", tmp_path / "project")
    project.folder.parent.mkdir(parents=True)
    project.folder.symlink_to(elsewhere)
    with pytest.raises(CacheError):
        project.store.put("obj", "ab" * 32, b"object")
    project.add_counts({Stat.OBJECT_HITS: 1})
    with pytest.raises(CacheError):
        enqueue(project, "gcc", "p.c", ("-O3",), ("poly",))
    assert list(elsewhere.iterdir()) == []


def test_import_skips_records_with_bad_keys_and_writes_nothing_outside(tmp_path):
    victim_dir = tmp_path / "x"
    victim_dir.mkdir()
    victim = victim_dir / "victim"
    victim.write_text("precious\n")
    good = {"key": "0f" * 32, "function": "poly", "candidates": [], "chosen": None}
    records = [{**good, "key": f"..//{str(victim).lstrip('/')}"}]  # the reported attack
    records += [{**good, "key": key} for key in BAD_KEYS.values() if key is not None]
    records += [good, {**good, "key": "1f" * 32, "chosen": 3}]  # chosen: none of its own
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records)
                                      + "{not json\n")
    done = llmcc(tmp_path, "cache", "import", "d.jsonl")
    assert victim.read_text() == "precious\n" and os.listdir(victim_dir) == ["victim"]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 8  # one per bad record: 6 keys, a bad choice, bad JSON
    for n in range(1, len(BAD_KEYS) + 1):
        assert f"d.jsonl:{n}: not a decision `llmcc cache export` wrote (its key is not a " \
               "cache key (64 hex digits)); skipped" in lines[n - 1]
    assert "d.jsonl:8: " in lines[-2] and "chosen candidate is not one of" in lines[-2]
    assert "d.jsonl:9: " in lines[-1] and "(not JSON)" in lines[-1]
    assert "imported 1 decisions" in done.stdout and "8 records skipped" in done.stdout
    project = ProjectCache(tmp_path / "cache", tmp_path)
    assert [r["key"] for r in project.decisions()] == ["0f" * 32]
    assert not project.own_decision("0f" * 32, project.decision("0f" * 32))  # judged first
    shown = llmcc(tmp_path, "cache", "show", "../x")
    assert shown.returncode == 1 and "no cached decision" in shown.stderr


# -- the parser ----------------------------------------------------------------------------

class Planted:
    """A pickle whose loading creates a file: what a shared folder's writer could plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_parser_cache_planted_in_the_cache_folder_is_never_unpickled(tmp_path):
    marker = tmp_path / "marker"
    planted = b"0" * 64 + b"\n" + pickle.dumps(Planted(marker))
    shared, user_cache = tmp_path / "shared", tmp_path / "user-cache"
    # where llmcc kept lark's cache (LLMCC_CACHE_DIR, else the user cache folder)
    for folder in (shared, user_cache / "llmcc"):
        folder.mkdir(parents=True)
        (folder / "grammar-py{}{}.lark".format(*sys.version_info[:2])).write_bytes(planted)
    env = {**os.environ, "LLMCC_CACHE_DIR": str(shared), "XDG_CACHE_HOME": str(user_cache)}
    for unset in ({}, {"LLMCC_CACHE_DIR": ""}):
        parsed = subprocess.run(
            [sys.executable, "-c", "from llmcc.asm.parser import parse_statements\n"
             "print(len(parse_statements('\\tret\\n')))"],
            env={**env, **unset}, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert parsed.stdout.strip() == "1", parsed.stderr
    assert not marker.exists()


# -- objects and decisions another writer made ----------------------------------------------

def test_an_object_another_writer_put_in_the_cache_is_not_linked(tmp_path):
    (tmp_path / "p.c").write_text(POLY)
    assert llmcc(tmp_path, *BUILD).returncode == 0
    store = ProjectCache(tmp_path / "cache", tmp_path).store
    (result,) = store.entries("res")
    other = POLY.replace("11;", "12;")
    (tmp_path / "other.c").write_text(other)
    subprocess.run(["gcc", "-O3", "-c", "other.c"], cwd=tmp_path, check=True)
    forged = (tmp_path / "other.o").read_bytes()
    # another writer swaps the object, and writes its result the way llmcc writes one
    res = store.get_json("res", result.key)
    store.put("obj", result.key, forged)
    store.put_json("res", result.key, {**res, "object": hashlib.sha256(forged).hexdigest()})
    (tmp_path / "p.o").unlink()
    assert llmcc(tmp_path, *BUILD).returncode == 0
    assert (tmp_path / "p.o").read_bytes() == gcc_object(tmp_path)
    log = (tmp_path / "llmcc.log").read_text()
    assert "outcome=cached" not in log


def forged_record(record: dict, wrong: str) -> dict:
    """``record`` as a forger would have it: a wrong rewrite, accepted, chosen, timed here."""
    return {**record, "cpu": cpu_model(), "chosen": 0, "candidates": [{
        "origin": "forged", "text": wrong, "outcome": "accepted", "stage": "timing",
        "reason": "", "tests": None, "speedup": {"median": 3.0}}]}


def test_a_forged_decision_is_judged_again_and_never_reaches_the_object(tmp_path):
    (tmp_path / "p.c").write_text(POLY)
    env = {"LLMCC_PROPOSERS": "variants"}
    assert llmcc(tmp_path, *BUILD, LLMCC_MODE="sync", **env).returncode == 0
    project = ProjectCache(tmp_path / "cache", tmp_path)
    (entry,) = project.store.entries("fn")
    own = project.store.get_json("fn", entry.key)
    assert project.own_decision(entry.key, own)
    # one more instruction before every return: wrong on every input, and it assembles
    assert own["baseline"].count("\tret\n") == 1
    wrong = own["baseline"].replace("\tret\n", "\taddq\t$1, %rax\n\tret\n")
    expected = gcc_object(tmp_path)

    def another_writer():  # seals the record with a secret of its own
        record = forged_record(own, wrong)
        record[trust.MAC] = trust._mac(os.urandom(trust.SECRET_BYTES), "fn", entry.key, record)
        project.store.put_json("fn", entry.key, record)

    def edited():  # this user's own record, changed: its seal no longer matches
        assert trust.MAC in own
        project.store.put_json("fn", entry.key, forged_record(own, wrong))

    def imported():
        (tmp_path / "d.jsonl").write_text(json.dumps(forged_record(own, wrong)) + "\n")
        assert llmcc(tmp_path, "cache", "import", "d.jsonl").returncode == 0

    for n, forge in enumerate((another_writer, edited, imported), 1):
        forge()
        project.drop_objects()
        (tmp_path / "p.o").unlink()
        built = llmcc(tmp_path, *BUILD, LLMCC_MODE="cache-only", **env)
        assert built.returncode == 0, forge.__name__
        assert (tmp_path / "p.o").read_bytes() == expected, forge.__name__
        again = project.decision(entry.key)  # judged here, and saved as this user's own
        assert again["chosen"] is None and again["candidates"][0]["outcome"] != "accepted"
        assert project.own_decision(entry.key, again), forge.__name__
        log = (tmp_path / "llmcc.log").read_text()
        assert log.count("not this user's record, judged again") == n, forge.__name__


# -- the secret ----------------------------------------------------------------------------

def test_the_secret_is_private_and_one_that_is_not_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(trust, "_secret", None)
    record = {"function": "poly"}
    sealed = trust.seal("fn", "ab" * 32, record)
    folder = tmp_path / "state" / "llmcc" / trust.SECRET_FOLDER
    secret = folder / trust.SECRET_FILE
    assert (folder.stat().st_mode & 0o777, secret.stat().st_mode & 0o777) == (0o700, 0o600)
    assert trust.sealed("fn", "ab" * 32, sealed)
    assert not trust.sealed("fn", "cd" * 32, sealed)  # moved to another key
    assert not trust.sealed("job", "ab" * 32, sealed)  # or to another kind
    assert not trust.sealed("fn", "ab" * 32, {**sealed, "function": "other"})
    for mode in (0o640, 0o604, 0o620):  # others could read it, or write it
        secret.chmod(mode)
        monkeypatch.setattr(trust, "_secret", None)
        assert trust.secret() is None
        assert trust.seal("fn", "ab" * 32, record) == record  # nothing is sealed
        assert not trust.sealed("fn", "ab" * 32, sealed)  # nor trusted
    secret.chmod(0o600)
    folder.chmod(0o770)  # a folder others may write to: they could swap the file
    monkeypatch.setattr(trust, "_secret", None)
    assert trust.secret() is None
