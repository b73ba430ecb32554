"""The project's cache as one compile (or one queued job of `llmcc optimize`) uses it, opened
from the settings: the one door the driver goes through to the cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from llmcc.cache.budget import BuildBudget
from llmcc.cache.project import ProjectCache, cache_root, evict, project_root

if TYPE_CHECKING:
    from collections.abc import Callable

    from llmcc.cache.decisions import DecisionCache
    from llmcc.cache.objects import ObjectCache
    from llmcc.cache.program import ProgramIndex
    from llmcc.config import Settings
    from llmcc.records import ProgramParts


class Caches:
    """Objects (only single-source ``-c`` compiles), function decisions (made on first use,
    keyed by what the caller says of its proposers: a cache hit never needs them), the
    build's budget (None without limits) and the profile (read on first use)."""

    def __init__(self, project: ProjectCache, objects: ObjectCache | None = None,
                 budget: BuildBudget | None = None, max_bytes: int = 0) -> None:
        self.project = project
        self.objects = objects
        self.budget = budget
        self.max_bytes = max_bytes  # the size limit close keeps now and then (0: none)
        self._decisions: DecisionCache | None = None
        self._samples: dict[str, int] | None = None
        self._samples_read = False

    def decisions(self, proposers: tuple[object, ...]) -> DecisionCache | None:
        """The function decisions, keyed by what ``proposers`` says of the proposers that
        decide (llmcc.propose.decision_identity, from above); None without proposers."""
        if self._decisions is None and proposers:
            from llmcc.cache.decisions import DecisionCache

            self._decisions = DecisionCache(self.project, proposers)
        return self._decisions

    def samples(self) -> dict[str, int] | None:
        """Samples per function from `llmcc profile`, or None without a profile."""
        if not self._samples_read:
            from llmcc.cache.profile import load

            found = load(self.project.folder)
            self._samples = found.functions if found else None
            self._samples_read = True
        return self._samples

    def program(self) -> ProgramIndex:
        """The objects and links of the project's builds (llmcc.cache.program)."""
        from llmcc.cache.program import ProgramIndex

        return ProgramIndex(self.project)

    def program_parts(self, source: str) -> Callable[[], ProgramParts | None]:
        """What a harness of ``source``'s functions may link with, read on the first call
        (most harnesses link without it) and then kept."""
        kept: list[ProgramParts] = []

        def parts() -> ProgramParts:
            if not kept:
                kept.append(self.program().parts(source))
            return kept[0]

        return parts

    def close(self) -> None:
        """Add this compile's counters to the project's; now and then, keep the size limit
        (walking the whole cache on every compile would cost more than it saves)."""
        counts = dict(self._decisions.counts) if self._decisions else {}
        if self.objects:
            counts.update(self.objects.counts)
        self.project.add_counts(counts)
        if self.max_bytes and int.from_bytes(os.urandom(1), "little") < 8:  # 1 in 32
            evict(self.project.root, self.max_bytes)


def open_project(settings: Settings) -> ProjectCache:
    """The cache of the project the current folder belongs to, where the settings keep it."""
    return ProjectCache(cache_root(settings.cache_dir), project_root(Path.cwd(), settings.file))


def open_caches(settings: Settings, compiler: str, *, objects: bool) -> Caches | None:
    """The project's cache for one compile by ``compiler``; None in mode ``off``. With
    ``objects`` (the compile makes one object the cache may keep) its object cache, keyed by
    the settings that can change an object (Settings.object_key)."""
    if settings.mode == "off":
        return None
    project = open_project(settings)
    cached = None
    if objects:
        from llmcc.cache.objects import ObjectCache

        cached = ObjectCache(project, compiler, settings.object_key())
    return Caches(project, cached, BuildBudget.from_config(project.folder, settings),
                  settings.cache_max_size)
