"""Task set-ups kept per process (a unit compiled, a program built and run on its tests),
each in a private folder of its own: at most a limit, the oldest removed first, every one
removed when the process exits."""

from __future__ import annotations

import atexit
from typing import Generic, Protocol, TypeVar

from llmcc.files import remove_dir


class _InFolder(Protocol):
    @property
    def workdir(self) -> str: ...


S = TypeVar("S", bound=_InFolder)


class Setups(Generic[S]):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: dict[tuple[str, str], S] = {}
        atexit.register(self.clear)

    def get(self, key: tuple[str, str]) -> S | None:
        return self._kept.get(key)

    def keep(self, key: tuple[str, str], setup: S) -> S:
        if len(self._kept) >= self.limit:
            remove_dir(self._kept.pop(next(iter(self._kept))).workdir)  # the oldest first
        self._kept[key] = setup
        return setup

    def clear(self) -> None:
        for setup in self._kept.values():
            remove_dir(setup.workdir)
        self._kept.clear()
