"""The on-disk store: round trips, damaged entries are misses and go, concurrent writers
killed mid-write leave only whole entries, eviction keeps the most recently used."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from llmcc.cache.project import ProjectCache, Stat, all_projects, evict, per_outcome
from llmcc.cache.store import Store
from llmcc.outcome import Outcome


def test_round_trip_and_damage(tmp_path):
    store = Store(tmp_path)
    store.put("obj", "ab" * 32, b"object bytes")
    assert store.get("obj", "ab" * 32) == b"object bytes"
    assert store.get("obj", "cd" * 32) is None
    path = store.path("obj", "ab" * 32)
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # one bit flipped
    assert store.get("obj", "ab" * 32) is None and not path.exists()  # a miss, and gone
    store.put("obj", "ab" * 32, b"object bytes")
    path.write_bytes(path.read_bytes()[:-3])  # truncated by a crash
    assert store.get("obj", "ab" * 32) is None
    store.put("obj", "ab" * 32, b"repaired")
    assert store.get("obj", "ab" * 32) == b"repaired"


WRITER = """
import sys, time
from llmcc.cache.store import Store
store = Store(sys.argv[1])
n, i, end = int(sys.argv[2]), 0, time.monotonic() + 1.5
while time.monotonic() < end:  # writing the whole time, so a kill lands mid-write
    key = f"{(i * 7 + n) % 50:064x}"
    store.put("obj", key, (key * (200 + i % 300)).encode())
    i += 1
"""


def test_concurrent_writers_killed_mid_write_leave_a_consistent_store(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)])
             for n in range(6)]
    time.sleep(0.4)
    for proc in procs[::2]:
        proc.send_signal(signal.SIGKILL)
    for proc in procs:
        proc.wait()
    store = Store(tmp_path)
    entries = list(store.entries("obj"))
    assert entries  # the survivors wrote
    for entry in entries:
        data = store.get("obj", entry.key)
        assert data is not None and data.startswith(entry.key.encode())


def test_eviction_keeps_the_most_recently_used(tmp_path):
    a = ProjectCache(tmp_path, tmp_path / "a")
    b = ProjectCache(tmp_path, tmp_path / "b")
    for project in (a, b):
        project.remember_project()
    keys = [f"{i:064x}" for i in range(10)]
    for n, key in enumerate(keys):
        (a if n % 2 else b).store.put("obj", key, b"x" * 1000)
        os.utime((a if n % 2 else b).store.path("obj", key), (1000 + n, 1000 + n))
    assert {p.project for p in all_projects(tmp_path)} == {a.project, b.project}
    assert evict(tmp_path, 4500) == 6  # 10 entries of about 1.1 kB: 4 stay
    kept = {e.key for p in (a, b) for e in p.store.entries()}
    assert kept == set(keys[6:])


def test_projects_are_separate(tmp_path):
    a = ProjectCache(tmp_path, tmp_path / "a")
    b = ProjectCache(tmp_path, tmp_path / "b")
    a.store.put("fn", "00" * 32, b"a's")
    a.add_counts({Stat.OBJECT_HITS: 2})
    a.add_counts({Stat.OBJECT_HITS: 1, Stat.CANDIDATES: 4})
    assert b.store.get("fn", "00" * 32) is None and b.counts() == {}
    assert a.counts() == {Stat.OBJECT_HITS: 3, Stat.CANDIDATES: 4}
    a.zero()
    assert a.counts() == {}


def test_counters_keep_their_names_on_disk_and_skip_unknown_ones(tmp_path):
    """The counts file names counters as every llmcc wrote them (``rejected:<outcome>``);
    names this llmcc does not know (a newer one's) are left out, not fatal."""
    project = ProjectCache(tmp_path, tmp_path / "p")
    project.add_counts({Stat.ACCEPTED: 1, (Stat.REJECTED, Outcome.TEST_MISMATCH): 2,
                        (Stat.SKIPPED, Outcome.UNIT_BUDGET_SPENT): 3})
    line = json.loads((project.folder / "counts").read_text())
    assert line == {"accepted": 1, "rejected:test_mismatch": 2, "skipped:unit_budget_spent": 3}
    with open(project.folder / "counts", "a") as fh:
        fh.write('{"rejected:test_mismatch":1,"rejected:from_the_future":5,"new_stat":1,'
                 '"rejected":2,"candidates":"x"}\n')
    assert project.counts() == {Stat.ACCEPTED: 1, (Stat.REJECTED, Outcome.TEST_MISMATCH): 3,
                                (Stat.SKIPPED, Outcome.UNIT_BUDGET_SPENT): 3}
    assert per_outcome(project.counts(), Stat.REJECTED) == {Outcome.TEST_MISMATCH: 3}
