"""Where a project's programs spend their time: samples per function that `llmcc profile`
took with perf, kept in the project's cache folder for builds to offer the hottest first.

Only samples in binaries under the project's root count (its programs and libraries, not
the C library or the kernel): those are the functions a build of the project can rewrite.
Functions are known by their symbol name, which is the name of their label in gcc's
assembly (clones included: ``f.constprop.0``), so a build matches them without addresses.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from llmcc.files import replace_text

PROFILE_FILE = "profile.json"
PROFILE_FORMAT = 1  # bump when the record changes meaning; older records are ignored

# one sample of `perf script -F ip,sym,dso`: "    55d6a3e5621e spin (/tmp/p/prog)"
_SAMPLE_RE = re.compile(r"^\s*[0-9a-f]+\s+(\S.*?)\s+\((.*)\)\s*$")
UNKNOWN = "[unknown]"


class Samples(NamedTuple):
    """One recording, counted (``parse_script``)."""

    functions: Counter[str]  # function -> samples, in the project's binaries
    binaries: Counter[str]  # binary path -> samples, for the project's binaries
    unnamed: int  # samples in the project's binaries with no symbol (stripped)
    total: int  # every sample, kernel and libraries included


class Profile(NamedTuple):
    """The project's profile as stored."""

    functions: dict[str, int]  # function -> samples in the project's binaries
    samples: int  # samples in the project's binaries, named or not
    total: int  # every sample of the commands
    commands: tuple[str, ...]  # the commands recorded (several when added up)
    recorded: float  # time.time() of the latest recording

    def ranked(self) -> list[tuple[str, int]]:
        """Functions hottest first (ties by name, so the order is stable)."""
        return sorted(self.functions.items(), key=lambda kv: (-kv[1], kv[0]))

    def share(self, samples: int) -> float:
        """``samples`` as a fraction of all the commands' samples."""
        return samples / self.total if self.total else 0.0


def parse_script(text: str, project: Path) -> Samples:
    """Count the samples of ``perf script -F ip,sym,dso`` output per function of the
    binaries under ``project``."""
    functions: Counter[str] = Counter()
    binaries: Counter[str] = Counter()
    unnamed = total = 0
    inside: dict[str, bool] = {}  # binary path -> under the project (asked once per path)
    for line in text.splitlines():
        match = _SAMPLE_RE.match(line)
        if match is None:
            continue
        total += 1
        symbol, binary = match.groups()
        binary = binary.removesuffix(" (deleted)")
        if binary not in inside:
            inside[binary] = binary.startswith("/") and _under(Path(binary), project)
        if not inside[binary]:
            continue
        binaries[binary] += 1
        if symbol == UNKNOWN:
            unnamed += 1
        else:
            functions[symbol] += 1
    return Samples(functions, binaries, unnamed, total)


def _under(path: Path, folder: Path) -> bool:
    with contextlib.suppress(OSError):
        path = path.resolve()
    return path.is_relative_to(folder)


def profile_of(samples: Samples, command: str) -> Profile:
    return Profile(dict(samples.functions), sum(samples.binaries.values()), samples.total,
                   (command,), time.time())


def added(old: Profile, new: Profile) -> Profile:
    """Two recordings as one (``llmcc profile --add``): samples add up."""
    functions = Counter(old.functions)
    functions.update(new.functions)
    return Profile(dict(functions), old.samples + new.samples, old.total + new.total,
                   old.commands + new.commands, new.recorded)


def load(folder: Path) -> Profile | None:
    """The project's profile, or None when there is none (or one this llmcc cannot read).
    Builds call this once per compile: one small file read."""
    try:
        data = json.loads((folder / PROFILE_FILE).read_text())
        if data.get("format") != PROFILE_FORMAT:
            return None
        functions = {str(k): int(v) for k, v in data["functions"].items() if int(v) > 0}
        return Profile(functions, int(data["samples"]), int(data["total"]),
                       tuple(data["commands"]), float(data["recorded"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(folder: Path, profile: Profile) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"format": PROFILE_FORMAT, **profile._asdict()}
    replace_text(folder / PROFILE_FILE, json.dumps(record, indent=1))


def clear(folder: Path) -> bool:
    """Remove the project's profile; False when there was none."""
    try:
        (folder / PROFILE_FILE).unlink()
    except FileNotFoundError:
        return False
    return True
