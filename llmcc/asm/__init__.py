"""The assembly model: GNU as (AT&T x86-64) text as gcc emits it, taken apart and put back.

Front door (names load on first use, so the compile path pays only for what it uses):
  parse_module(text) -> Module              lossless, fast; functions and what they own
  parse_statements(text) -> [Statement]     the full grammar (grammar/gas.lark)
  rename_symbols / rename_function / uniquify_local_labels   for harnesses and splicing
"""

from importlib import import_module

_EXPORTS = {
    "Function": "llmcc.asm.module",
    "Module": "llmcc.asm.module",
    "parse_module": "llmcc.asm.module",
    "parse_statements": "llmcc.asm.parser",
    "rename_function": "llmcc.asm.rename",
    "rename_symbols": "llmcc.asm.rename",
    "uniquify_local_labels": "llmcc.asm.rename",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'llmcc.asm' has no attribute {name!r}")
