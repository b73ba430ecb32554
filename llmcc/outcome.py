"""Every way an invocation or a candidate can end, as one enum with a description table.

Logs, statistics, reports and rewards count these values, never free-form text.
"""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    """What happened. ``value`` is the stable name written to logs and caches."""

    # -- invocation: passed through to the compiler untouched
    DISABLED = "disabled"
    NO_INPUT = "no_input"
    QUERY = "query"
    NOT_COMPILING = "not_compiling"
    LINK_ONLY = "link_only"
    STDIN_INPUT = "stdin_input"
    OUTPUT_TO_STDOUT = "output_to_stdout"
    NON_C_INPUT = "non_c_input"
    MISSING_INPUT = "missing_input"
    LTO = "lto"
    NO_SPEED_OPT = "no_speed_opt"
    BUILD_PROBE = "build_probe"
    UNSUPPORTED_OPTION = "unsupported_option"
    UNSUPPORTED_TARGET = "unsupported_target"
    SPECIAL_OUTPUT = "special_output"
    GCC_WOULD_FAIL = "gcc_would_fail"
    # -- invocation: went through the pipeline
    UNCHANGED = "unchanged"
    OPTIMIZED = "optimized"
    CACHED = "cached"
    # -- invocation: fell back to the compiler
    COMPILER_ERROR = "compiler_error"
    INTERNAL_ERROR = "internal_error"
    # -- candidate verdicts
    ACCEPTED = "accepted"
    PARSE_ERROR = "parse_error"
    WRONG_FUNCTION = "wrong_function"
    ASSEMBLE_ERROR = "assemble_error"
    BINDING_MISMATCH = "binding_mismatch"
    UNKNOWN_SYMBOL = "unknown_symbol"
    FORBIDDEN_INSTRUCTION = "forbidden_instruction"
    FORBIDDEN_DIRECTIVE = "forbidden_directive"
    UNSUPPORTED_ISA = "unsupported_isa"
    TEST_MISMATCH = "test_mismatch"
    CANDIDATE_CRASH = "candidate_crash"
    CANDIDATE_TIMEOUT = "candidate_timeout"
    UNTESTABLE = "untestable"
    ABI_VIOLATION = "abi_violation"
    NOT_FASTER = "not_faster"
    SLOWER = "slower"
    MIXED_SPEED = "mixed_speed"
    TIMING_INCONCLUSIVE = "timing_inconclusive"
    NOT_REPRODUCED = "not_reproduced"
    TIMING_FAILED = "timing_failed"
    PROPOSER_FAILED = "proposer_failed"
    PROPOSER_CUT_SHORT = "proposer_cut_short"
    USER_TEST_FAILED = "user_test_failed"
    # -- functions left to gcc untried (logged once per compile, counted per function)
    UNIT_BUDGET_SPENT = "unit_budget_spent"
    BUILD_BUDGET_SPENT = "build_budget_spent"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self][0]

    @property
    def passed_through(self) -> bool:
        return _DESCRIPTIONS[self][1] == "pass"

    @property
    def is_error(self) -> bool:
        return _DESCRIPTIONS[self][1] == "error"


# outcome -> (description, kind); kind is "pass" (compiler ran untouched),
# "pipeline" (llmcc compiled), "error" (llmcc fell back), "candidate", "proposer" (a
# proposer was not heard on a function) or "budget"
_DESCRIPTIONS: dict[Outcome, tuple[str, str]] = {
    Outcome.DISABLED: ("LLMCC_DISABLE is set", "pass"),
    Outcome.NO_INPUT: ("no input files", "pass"),
    Outcome.QUERY: ("compiler query (--version, -dump*, -print-*, -v, ...)", "pass"),
    Outcome.NOT_COMPILING: ("not compiling to an object (-E, -S, -M, -fsyntax-only)", "pass"),
    Outcome.LINK_ONLY: ("linking, no C source to compile", "pass"),
    Outcome.STDIN_INPUT: ("source read from standard input", "pass"),
    Outcome.OUTPUT_TO_STDOUT: ("output to standard output (-o -)", "pass"),
    Outcome.NON_C_INPUT: ("an input is not C (assembly, C++, unknown language)", "pass"),
    Outcome.MISSING_INPUT: ("an input file does not exist", "pass"),
    Outcome.LTO: ("link-time optimization (-flto) objects hold no machine code", "pass"),
    Outcome.NO_SPEED_OPT: ("no speed optimization asked for (-O0, -Og, -Os, -Oz or no -O)",
                           "pass"),
    Outcome.BUILD_PROBE: ("build-system probe (conftest, CMake try-compile)", "pass"),
    Outcome.UNSUPPORTED_OPTION: ("an option whose side files llmcc cannot reproduce", "pass"),
    Outcome.UNSUPPORTED_TARGET: ("target is not x86-64 (-m32, -mx32, -m16)", "pass"),
    Outcome.SPECIAL_OUTPUT: ("an output is not a regular file (/dev/null, ...)", "pass"),
    Outcome.GCC_WOULD_FAIL: ("arguments gcc rejects; let gcc say so", "pass"),
    Outcome.UNCHANGED: ("compiled through the pipeline, no function rewritten", "pipeline"),
    Outcome.OPTIMIZED: ("compiled through the pipeline with rewritten functions", "pipeline"),
    Outcome.CACHED: ("the object came from llmcc's cache (nothing compiled)", "pipeline"),
    Outcome.COMPILER_ERROR: ("the compiler reported errors; its own run was replayed", "error"),
    Outcome.INTERNAL_ERROR: ("llmcc failed internally and fell back to the compiler", "error"),
    Outcome.ACCEPTED: ("candidate verified correct and faster", "candidate"),
    Outcome.PARSE_ERROR: ("candidate text is not valid assembly for the grammar", "candidate"),
    Outcome.WRONG_FUNCTION: ("candidate does not define the function it replaces", "candidate"),
    Outcome.ASSEMBLE_ERROR: ("candidate does not assemble", "candidate"),
    Outcome.BINDING_MISMATCH: ("candidate changes the function's binding (global, weak, local)",
                               "candidate"),
    Outcome.UNKNOWN_SYMBOL: ("candidate refers to a symbol the translation unit cannot reach",
                             "candidate"),
    Outcome.FORBIDDEN_INSTRUCTION: ("candidate uses a privileged, environment-reading or "
                                    "self-modifying instruction", "candidate"),
    Outcome.FORBIDDEN_DIRECTIVE: ("candidate reaches outside its function: a section it may "
                                  "not use (code run at load such as .init or .init_array, "
                                  "writable data, notes), a global or borrowed name, or a "
                                  "directive that reads files (.include, .incbin) or is not "
                                  "allowed", "candidate"),
    Outcome.UNSUPPORTED_ISA: ("candidate uses an instruction the target -march does not enable",
                              "candidate"),
    Outcome.TEST_MISMATCH: ("candidate's results differ from the baseline's on a valid input",
                            "candidate"),
    Outcome.CANDIDATE_CRASH: ("candidate crashed (or was stopped by the sandbox) on a valid "
                              "input", "candidate"),
    Outcome.CANDIDATE_TIMEOUT: ("candidate ran past its time limit on a valid input",
                                "candidate"),
    Outcome.ABI_VIOLATION: ("candidate breaks the calling convention (callee-saved registers, "
                            "stack pointer, direction flag, MXCSR, x87 control word), or "
                            "writes a scratch register callers in its unit rely on (-fipa-ra)",
                            "candidate"),
    Outcome.UNTESTABLE: ("the function cannot be tested automatically; left at -O3",
                         "candidate"),
    Outcome.NOT_FASTER: ("correct, but not significantly faster than the baseline by the "
                         "minimum effect", "candidate"),
    Outcome.SLOWER: ("correct, but shown slower than the baseline by more than the minimum "
                     "effect at the same entry offsets", "candidate"),
    Outcome.MIXED_SPEED: ("correct and faster overall, but shown slower by more than the "
                          "minimum effect on some input at some entry offset", "candidate"),
    Outcome.TIMING_INCONCLUSIVE: ("correct; the timer found no clear answer within its budget",
                                  "candidate"),
    Outcome.NOT_REPRODUCED: ("correct; faster in one timing run but not in a reproduction in "
                             "a fresh process", "candidate"),
    Outcome.TIMING_FAILED: ("correct on the tests, but the timing harness could not time it",
                            "candidate"),
    Outcome.PROPOSER_FAILED: ("a proposer failed (an error, a model server down, refusing or "
                              "timing out): the function is not decided and is offered "
                              "again later", "proposer"),
    Outcome.PROPOSER_CUT_SHORT: ("a proposer's budget ended before it offered anything: the "
                                 "function is not decided and is offered again later",
                                 "proposer"),
    Outcome.USER_TEST_FAILED: ("accepted, then found to break the project's own tests by "
                               "llmcc check", "candidate"),
    Outcome.UNIT_BUDGET_SPENT: ("the translation unit's seconds (unit_budget_s) were spent; "
                                "its remaining functions stayed gcc's", "budget"),
    Outcome.BUILD_BUDGET_SPENT: ("the build's budget (build_max_functions, build_budget_s) "
                                 "was spent; the remaining functions stayed gcc's", "budget"),
}
