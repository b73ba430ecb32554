"""One project's cache: where it lives, its counters, and the two levels of entries
(function decisions, whole objects) on top of the store.

Projects are told apart by their root: the folder of ``llmcc.toml``, else the git work
tree, else the working directory. Each has its own folder under the cache root (setting
``cache_dir``, else the user cache folder), so two projects never see each other's
entries; the size limit applies to the whole root.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from enum import Enum
from pathlib import Path

from llmcc.cache.keys import digest
from llmcc.cache.store import Store, within
from llmcc.cache.trust import MAC, mine, seal, sealed
from llmcc.errors import CacheError
from llmcc.files import replace_text
from llmcc.outcome import Outcome


class Stat(Enum):
    """What a compile counts (`llmcc cache stats`); ``value`` is the name in the counts
    file. The last three are counted per Outcome, with keys ``(Stat, Outcome)``."""

    OBJECT_HITS = "object_hits"
    OBJECT_MISSES = "object_misses"
    FUNCTION_HITS = "function_hits"
    FUNCTION_MISSES = "function_misses"
    FUNCTIONS_RETIMED = "functions_retimed"
    CANDIDATES = "candidates"
    ACCEPTED = "accepted"
    SECONDS_OPTIMIZING = "seconds_optimizing"
    REJECTED = "rejected"  # candidates, by the outcome that rejected them
    SKIPPED = "skipped"  # functions a spent budget left untried, by which budget
    UNHEARD = "unheard"  # proposers not heard on a function, by why (offered again later)


# a counter: a plain Stat, or one of the per-outcome Stats with its Outcome
StatKey = Stat | tuple[Stat, Outcome]
PER_OUTCOME = frozenset({Stat.REJECTED, Stat.SKIPPED, Stat.UNHEARD})


def stat_name(key: StatKey) -> str:
    """The counter's name in the counts file: ``candidates``, ``rejected:test_mismatch``."""
    if isinstance(key, Stat):
        return key.value
    stat, outcome = key
    return f"{stat.value}:{outcome.value}"


def parse_stat(name: str) -> StatKey | None:
    """The counter ``stat_name`` wrote as ``name``; None for a name this llmcc does not know
    (a newer one's), which is then left out."""
    head, _, tail = name.partition(":")
    try:
        stat = Stat(head)
        if not tail:
            return None if stat in PER_OUTCOME else stat
        return (stat, Outcome(tail)) if stat in PER_OUTCOME else None
    except ValueError:
        return None


def per_outcome(counts: dict[StatKey, float], stat: Stat) -> dict[Outcome, float]:
    """The counters of one per-outcome ``stat``, by outcome, in the order of ``counts``."""
    return {key[1]: value for key, value in counts.items()
            if isinstance(key, tuple) and key[0] is stat}


def cache_root(setting: str = "") -> Path:
    if setting:
        return Path(setting)
    env = os.environ.get("LLMCC_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmcc", appauthor=False))


def project_root(cwd: Path, config_file: Path | None) -> Path:
    if config_file is not None:
        return config_file.parent.resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder.resolve()
    return cwd.resolve()


class ProjectCache:
    """The entries and counters of one project."""

    def __init__(self, root: Path, project: Path) -> None:
        self.root = root
        self.project = project
        self.id = digest("project", str(project))[:16]
        self.folder = root / "projects" / self.id
        self.store = Store(self.folder, top=root)
        self.shared = Store(root / "shared", top=root)  # compiler identities: for everyone

    def remember_project(self) -> None:
        """Name the project's folder (for `llmcc cache` listings), once."""
        marker = self.folder / "project.json"
        if not within(self.folder, self.root):
            raise CacheError(f"{self.folder} leads out of the cache folder {self.root}")
        if not marker.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_text(marker, json.dumps({"root": str(self.project)}))

    # -- counters ------------------------------------------------------------------------
    # Each compile appends one line of counts with a single O_APPEND write (atomic for a
    # line this short), so counting takes no lock; `llmcc cache stats` adds the lines up.
    # Counters are StatKeys here; their names (stat_name, parse_stat) only in the file.
    def add_counts(self, counts: dict[StatKey, float]) -> None:
        if not counts:
            return
        named = {stat_name(key): value for key, value in counts.items()}
        line = json.dumps(named, sort_keys=True, separators=(",", ":")) + "\n"
        if not within(self.folder, self.root):
            return  # a planted link: the counters would be appended elsewhere
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / "counts",
                         os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except OSError:
            pass  # counters are a convenience; never fail a compile over them

    def counts(self) -> dict[StatKey, float]:
        total: dict[StatKey, float] = {}
        try:
            text = (self.folder / "counts").read_text()
        except OSError:
            return total
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line a killed process left half-written
            if isinstance(entry, dict):
                for name, value in entry.items():
                    key = parse_stat(name)
                    if key is not None and isinstance(value, (int, float)):
                        total[key] = total.get(key, 0) + value
        return total

    def zero(self) -> None:
        with contextlib.suppress(OSError):
            (self.folder / "counts").unlink()

    # -- function decisions --------------------------------------------------------------
    def decision(self, key: str) -> dict | None:
        record = self.store.get_json("fn", key)
        return record if record and record.get("key") == key else None

    def save_decision(self, key: str, record: dict, own: bool = True) -> None:
        """Record decision ``key``, sealed as this user's own (``own=False``: an import,
        which builds judge again before they use it)."""
        record = {**record, "key": key, "saved": time.time()}
        record = seal("fn", key, record) if own else \
            {k: v for k, v in record.items() if k != MAC}
        self.remember_project()
        self.store.put_json("fn", key, record)

    def own_decision(self, key: str, record: dict) -> bool:
        """Is ``record`` (decision ``key``) this user's own, as this user's llmcc saved it:
        sealed with the user's secret, unchanged, in a file the user owns? Anything else
        (another writer's, an import, an edit) is to be judged again before it is used."""
        return sealed("fn", key, record) and mine(self.store.path("fn", key))

    def reject(self, key: str, reason: str) -> bool:
        """Mark the rewrite chosen for decision ``key`` as failing the project's tests, so
        no build uses it again; the cached objects go too (some hold that rewrite)."""
        record = self.decision(key)
        if record is None or not isinstance(record.get("chosen"), int):
            return False
        candidate = record["candidates"][record["chosen"]]
        candidate.update(outcome="user_test_failed", stage="user_tests", reason=reason)
        self.save_decision(key, {**record, "chosen": None})
        self.drop_objects()
        return True

    def drop_objects(self) -> None:
        """Forget the project's cached objects: they were built with decisions that have
        changed since."""
        for kind in ("obj", "res", "man"):
            for entry in list(self.store.entries(kind)):
                self.store.delete(kind, entry.key)

    def decisions(self) -> list[dict]:
        out = []
        for entry in self.store.entries("fn"):
            record = self.decision(entry.key)
            if record is not None:
                out.append(record)
        return out


def all_projects(root: Path) -> list[ProjectCache]:
    """Every project with entries under ``root``."""
    found = []
    base = root / "projects"
    if base.is_dir():
        for folder in sorted(base.iterdir()):
            try:
                named = json.loads((folder / "project.json").read_text())["root"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            found.append(ProjectCache(root, Path(named)))
    return found


def evict(root: Path, max_bytes: int) -> int:
    """Remove the least recently used entries of all projects under ``root`` until they
    hold at most ``max_bytes``; returns how many went."""
    import filelock

    stores = [p.store for p in all_projects(root)]
    removed = 0
    try:
        with Store(root).lock():
            for store in stores:
                store.remove_stale_temporaries()
            entries = sorted((e for store in stores for e in store.entries()),
                             key=lambda e: e.used)
            total = sum(e.size for e in entries)
            for entry in entries:
                if total <= max_bytes:
                    break
                with contextlib.suppress(OSError):
                    entry.path.unlink()
                    removed += 1
                total -= entry.size
    except filelock.Timeout:
        pass  # someone else is evicting
    return removed
