"""The assembly model: GNU as (AT&T x86-64) text as gcc emits it, taken apart and put back.

Front door:
  parse_module(text) -> Module        lossless, fast; functions and what they own
  parse_statements(text) -> [Statement]   the full grammar (grammar/gas.lark)
  rename_symbols / rename_function / uniquify_local_labels   for harnesses and splicing
"""

from llmcc.asm.module import Function, Module, parse_module
from llmcc.asm.parser import parse_statements
from llmcc.asm.rename import rename_function, rename_symbols, uniquify_local_labels

__all__ = [
    "Function",
    "Module",
    "parse_module",
    "parse_statements",
    "rename_function",
    "rename_symbols",
    "uniquify_local_labels",
]
