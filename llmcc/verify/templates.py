"""The C and assembly texts of the harnesses, shipped as package data beside the code that
fills them (as grammar/gas.lark is): each read once, its placeholders filled explicitly.

A placeholder is a name in capitals between at signs, ``@TESTS@``. Filling checks both
ways: a placeholder without a value and a value without a placeholder each raise
ValueError, so a renamed or forgotten placeholder fails loudly instead of leaving its
text in the C, or a value silently unused.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import NamedTuple

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


class Template(NamedTuple):
    """One shipped text (``where``: package/file, for messages) and its placeholders."""

    where: str
    text: str
    placeholders: frozenset[str]

    def fill(self, **values: object) -> str:
        """The text with each placeholder replaced by ``str`` of its value, in one pass (a
        value is never searched for placeholders itself)."""
        missing = self.placeholders - values.keys()
        unused = values.keys() - self.placeholders
        if missing or unused:
            raise ValueError(f"{self.where}: no value for {sorted(missing)}"
                             if missing else f"{self.where}: no placeholder for {sorted(unused)}")
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.text)


@functools.cache
def load(package: str, name: str) -> Template:
    """The file ``name`` of ``package`` (read once per process)."""
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return Template(f"{package.replace('.', '/')}/{name}", text,
                    frozenset(PLACEHOLDER.findall(text)))
