"""The one exception family of llmcc; the CLI turns these into `llmcc: error: ...`."""

from __future__ import annotations


class LlmccError(Exception):
    """A failure llmcc can explain to its user in one line."""


class ConfigError(LlmccError):
    """llmcc.toml or an LLMCC_* variable holds something llmcc cannot use."""


class ToolError(LlmccError):
    """gcc or another external program failed or could not be run."""


class CacheError(LlmccError):
    """A cache record llmcc refuses: a key that is not one of its digests, an entry that
    is not what llmcc wrote."""


class AsmParseError(LlmccError):
    """Assembly text that the grammar rejects, with where and why.

    ``line`` and ``column`` are 1-based positions in the text that was parsed.
    """

    def __init__(self, message: str, line: int, column: int, context: str = "") -> None:
        self.reason = message
        self.line = line
        self.column = column
        self.context = context
        super().__init__(f"line {line}, column {column}: {message}")

    def pretty(self) -> str:
        """The message followed by the offending line and a caret under the column."""
        if not self.context:
            return str(self)
        caret = " " * (self.column - 1) + "^"
        return f"{self}\n    {self.context}\n    {caret}"


class AsmModelError(LlmccError):
    """Assembly that parses but that the module model cannot take apart safely."""
