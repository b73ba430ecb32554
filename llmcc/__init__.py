"""llmcc: a gcc wrapper that keeps a function rewrite only when it is verified and faster."""

__version__ = "0.1.0"
