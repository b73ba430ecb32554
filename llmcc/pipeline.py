"""The optimization pipeline of one translation unit: select, propose, check, splice.

The driver hands over a parsed Module and gets one back with accepted
rewrites spliced in, plus a decision per function. Candidates pass through
``STAGES`` in order (static checks, differential tests, timing); the first
stage that rejects a candidate decides its verdict, and only the timer, the
last stage, can accept one: llmcc never keeps a rewrite it has not shown
correct and significantly faster.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from llmcc.asm.module import Function, Module
from llmcc.cache.project import Stat
from llmcc.outcome import Outcome
from llmcc.propose import Proposer, decision_identity
from llmcc.records import (
    Candidate,
    Evidence,
    Failure,
    FunctionDecision,
    FunctionTask,
    ProgramParts,
    Verdict,
)

if TYPE_CHECKING:
    from llmcc.cache.budget import BuildBudget
    from llmcc.cache.caches import Caches
    from llmcc.cache.decisions import DecisionCache, DecisionRecord
    from llmcc.config import Settings

# seconds a proposer may spend on one function before the pipeline moves on
DEFAULT_PROPOSER_BUDGET_S = 30.0
# functions with fewer instructions leave a rewrite almost nothing to win; with more, a
# proposer rarely returns a whole correct function and verifying it takes long
MIN_INSTRUCTIONS = 4
MAX_INSTRUCTIONS = 3000
# in exclude_rewrites (LLMCC_EXCLUDE_REWRITES): leave out every rewrite (llmcc bench)
EXCLUDE_ALL = "all"


class PipelineResult(NamedTuple):
    module: Module
    decisions: list[FunctionDecision]
    missed: tuple[str, ...] = ()  # with cache_only: functions the cache knew nothing of
    over_budget: tuple[str, ...] = ()  # functions left untried because a budget was spent
    budget: Outcome | None = None  # which: UNIT_BUDGET_SPENT or BUILD_BUDGET_SPENT
    unheard: tuple[str, ...] = ()  # functions a proposer failed on: decided by nobody yet

    @property
    def rewritten(self) -> list[str]:
        return [d.name for d in self.decisions if d.chosen is not None]


Stage = Callable[[Candidate, FunctionTask, Evidence], Verdict | None]


def static_checks(candidate: Candidate, task: FunctionTask, evidence: Evidence
                  ) -> Verdict | None:
    """Parse, assemble, ISA, binding, symbols, instructions (llmcc.verify.static); for a
    function with callers in its unit, the caller-saved registers it may write
    (llmcc.verify.registers: gcc's -fipa-ra)."""
    from llmcc.verify import registers, static

    march = _march(task.compiler, task.flags, task.baseline_text, task.workdir)
    finding = static.check_static(candidate.text, task.name, task.module,
                                  compiler=task.compiler, march=march, workdir=task.workdir)
    if finding is None and task.module.internal_callers(task.name):
        finding = registers.check_callers(candidate.text, task.name, task.module)
    if finding is None:
        return None
    return Verdict(candidate, finding.outcome, finding.stage, finding.reason)


@functools.cache
def _march(compiler: str, flags: tuple[str, ...], baseline_text: str, workdir: str) -> str:
    from llmcc.verify.static import function_march

    return function_march(compiler, flags, baseline_text, workdir)


def differential_tests(candidate: Candidate, task: FunctionTask, evidence: Evidence
                       ) -> Verdict | None:
    """Generated inputs through baseline and candidate, ABI checked (llmcc.verify.harness)."""
    from llmcc.verify.harness import run_differential
    from llmcc.verify.signature import SignatureError

    try:
        sig = signature(task.source, task.name, task.compiler, task.flags)
    except SignatureError as exc:  # e.g. a .part.0 clone: DWARF describes no such function
        return Verdict(candidate, Outcome.UNTESTABLE, "tests", f"no signature: {exc}")
    result = run_differential(task.module, sig, candidate.text, compiler=task.compiler,
                              flags=task.flags, workdir=task.workdir, min_valid=task.min_valid,
                              program=task.program)
    evidence.tests = result.counts
    evidence.valid_inputs = result.valid_inputs
    evidence.link = result.link
    evidence.notes = result.notes
    evidence.waiting = result.waiting
    if result.outcome is None:
        return None
    stage = "abi" if result.outcome is Outcome.ABI_VIOLATION else "tests"
    return Verdict(candidate, result.outcome, stage, result.reason)


@functools.cache
def signature(source: str, function: str, compiler: str, flags: tuple[str, ...]):
    """The function's signature from DWARF, once per process (every stage and tool asks)."""
    from llmcc.verify.signature import signature_of

    return signature_of(source, function, compiler, flags)


def timing(candidate: Candidate, task: FunctionTask, evidence: Evidence) -> Verdict:
    """A/B timing against the baseline on the valid inputs (llmcc.timing)."""
    from llmcc.timing import Effort, time_candidate

    sig = signature(task.source, task.name, task.compiler, task.flags)
    result = time_candidate(task.module, sig, candidate.text, evidence.valid_inputs,
                            compiler=task.compiler, flags=task.flags, workdir=task.workdir,
                            effort=Effort(min_effect=task.min_effect), link=evidence.link)
    speedup = result.speedup.as_speedup() if result.speedup is not None else None
    return Verdict(candidate, result.outcome, "timing", result.reason, speedup,
                   timing=result.as_json())


def correct(candidate: Candidate, task: FunctionTask, evidence: Evidence) -> Verdict:
    """Ends CORRECTNESS: a candidate that got here passed every correctness check."""
    return Verdict(candidate, Outcome.ACCEPTED, "tests", "correct on every valid input; "
                   "speed not measured")


STAGES: list[Stage] = [static_checks, differential_tests, timing]
# correctness alone, for measuring the verifier (the mutation suite, bench/verify_rate.py)
CORRECTNESS: list[Stage] = [static_checks, differential_tests, correct]


def selectable(module: Module, fn: Function) -> bool:
    """Functions llmcc may touch at all: gcc-shaped, no user inline asm, not ``main`` (it
    runs once, and its inputs are a whole program's), not in a comdat group or an ifunc's
    resolver (``Module.loader_bound``: another copy may run, or it runs before any
    sandbox). A function called from elsewhere in the unit is offered too: gcc's -fipa-ra
    lets such callers keep values in registers the ABI calls scratch but gcc knows this
    callee leaves alone, so its candidates must leave them alone as well (static_checks,
    and the harness's trampoline, check that)."""
    return not fn.opaque and fn.name != "main" and not module.loader_bound(fn.name)


def offered(module: Module, min_instructions: int = MIN_INSTRUCTIONS,
            samples: Mapping[str, int] | None = None, only_sampled: bool = False
            ) -> list[Function]:
    """The functions worth offering to proposers, best first: selectable, neither tiny nor
    huge, those with loops (where the time goes) before straight-line code, larger before
    smaller. With a profile's ``samples`` (function -> samples, llmcc.cache.profile), the
    functions it saw run come first, hottest first, and with ``only_sampled`` only they."""
    samples = samples or {}
    only_sampled = only_sampled and bool(samples)  # no profile: the default policy
    ranked = []
    for fn in module.functions.values():
        if not selectable(module, fn):
            continue
        heat = samples.get(fn.name, 0)
        if only_sampled and not heat:
            continue
        shape = module.shape(fn.name)
        if min_instructions <= shape.instructions <= MAX_INSTRUCTIONS:
            ranked.append((-heat, not shape.loops, -shape.instructions, fn.label_index, fn))
    return [fn for *_, fn in sorted(ranked, key=lambda r: r[:4])]


@dataclass(frozen=True)
class UnitTask:
    """One translation unit to optimize and all ``optimize`` needs for it (ccache's one
    context per invocation): made from the settings in one place for builds and for `llmcc
    optimize` (``configured``); tests make their own."""

    module: Module  # gcc's assembly of the unit, at the baseline level
    source: str  # the C file
    compiler: str
    flags: tuple[str, ...]  # the options that shape its code (driver.compile.unit_flags)
    workdir: str  # a private scratch folder
    proposers: list[Proposer]
    min_valid: int = 10  # setting min_valid_inputs
    min_effect: float = 0.03  # setting min_effect
    max_functions: int = 8  # offered at most
    unit_budget_s: float = 120.0  # no function is started once these are spent
    budget_s: float = DEFAULT_PROPOSER_BUDGET_S  # one function's proposers, at most
    min_instructions: int = MIN_INSTRUCTIONS  # smaller functions are not offered
    cache: DecisionCache | None = None  # function decisions, made before and new
    cache_only: bool = False  # use what the cache knows, offer nothing new
    exclude: tuple[str, ...] = ()  # decision keys (or prefixes) whose rewrites are left out
    samples: Mapping[str, int] | None = None  # a profile: functions offered in its order
    only_sampled: bool = False  # with a profile, offer only the functions it has samples of
    build_budget: BuildBudget | None = None  # shared by the compiles of a build
    # the rest of the unit's program, for harnesses that need it (Caches.program_parts)
    program: Callable[[], ProgramParts | None] | None = None

    @classmethod
    def configured(cls, module: Module, *, source: str, compiler: str,
                   flags: tuple[str, ...], workdir: str, settings: Settings,
                   proposers: list[Proposer], caches: Caches | None, build: bool) -> UnitTask:
        """The unit as the settings configure it, with the project's ``caches`` (None: no
        cache). ``build``: a build's compile, where modes async and cache-only only use what
        the cache knows and exclude_rewrites holds; else `llmcc optimize`, which decides
        what builds queued."""
        return cls(module, source, compiler, flags, workdir, proposers,
                   min_valid=settings.min_valid_inputs, min_effect=settings.min_effect,
                   max_functions=settings.max_functions, unit_budget_s=settings.unit_budget_s,
                   cache=caches.decisions(decision_identity(settings)) if caches else None,
                   cache_only=build and settings.mode in ("cache-only", "async"),
                   exclude=settings.exclude_rewrites if build else (),
                   samples=caches.samples() if caches and proposers else None,
                   only_sampled=settings.profile_only,
                   build_budget=caches.budget if caches else None,
                   program=caches.program_parts(source) if caches else None)


def optimize(unit: UnitTask, stages: list[Stage] | None = None) -> PipelineResult:
    """Offer the unit's functions (``offered``, in a profile's order when ``samples`` are
    given) to every proposer, judge each candidate in ``stages`` (default STAGES), and splice
    in the fastest accepted one per function. At most ``max_functions`` are offered, none
    once ``unit_budget_s`` seconds are spent, and each new one is claimed from
    ``build_budget`` (shared by the compiles of a build); the rest stay gcc's, named in the
    result's ``over_budget``.

    With a ``cache``, a function decided before is not offered again: its recorded choice
    is used (re-timed first if it was timed on another CPU model), and new decisions are
    recorded. A decision some proposer was not heard on (FunctionDecision.final) is not
    recorded: the function is named in the result's ``unheard``, and offered again by a
    later compile. ``cache_only`` uses what the cache knows and offers nothing new. Rewrites
    whose decision key starts with one of ``exclude`` are left out (``llmcc check``)."""
    module, proposers, cache, build_budget = (unit.module, unit.proposers, unit.cache,
                                              unit.build_budget)
    stages = STAGES if stages is None else stages
    decisions: list[FunctionDecision] = []
    if not proposers:
        return PipelineResult(module, decisions)
    chosen: dict[str, str] = {}
    missed: list[str] = []
    over_budget: list[str] = []
    unheard: list[str] = []
    budget: Outcome | None = None
    deadline = time.monotonic() + unit.unit_budget_s
    selected = offered(module, unit.min_instructions, unit.samples,
                       unit.only_sampled)[:unit.max_functions]
    for n, fn in enumerate(selected):
        if time.monotonic() >= deadline:
            over_budget += [f.name for f in selected[n:]]
            budget = budget or Outcome.UNIT_BUDGET_SPENT  # the first reason is the news
            break
        task = FunctionTask(module, fn, unit.source, unit.compiler, unit.flags, unit.workdir,
                            unit.min_valid, unit.min_effect, unit.program)
        key = cache.key(task) if cache is not None else ""
        record = cache.lookup(key) if cache is not None else None
        provided = _provided(unit, record.waiting) if record is not None else []
        if provided:  # decided with stand-ins for what the project defines now: again
            record = None
        start = time.monotonic()
        if record is not None:
            decision = _recorded(record, key, task, stages, cache)
        elif unit.cache_only:
            missed.append(fn.name)
            continue
        else:
            # once the build's budget refused a function it stays spent for this compile;
            # later functions are still looked up, since a recorded decision costs nothing
            granted = unit.budget_s
            if build_budget is not None:
                granted = None if budget is Outcome.BUILD_BUDGET_SPENT \
                    else build_budget.claim(unit.budget_s)
                if granted is None:
                    over_budget.append(fn.name)
                    budget = Outcome.BUILD_BUDGET_SPENT
                    continue
            decision = _decide(task, proposers, stages, min(granted, deadline - start))
            if provided:
                decision.notes.insert(0, "decided again: the project defines "
                                      + ", ".join(provided) + " now (stand-ins before)")
            if build_budget is not None:
                build_budget.spend(time.monotonic() - start)
            if not decision.final:
                unheard.append(fn.name)
            if cache is not None:
                if decision.final:
                    cache.save(key, task, decision, time.monotonic() - start)
                for failure in decision.unheard.values():
                    cache.count((Stat.UNHEARD, failure.outcome))
                cache.count(Stat.SECONDS_OPTIMIZING, time.monotonic() - start)
                _count_verdicts(cache, decision)
        if decision.chosen is not None and key and (EXCLUDE_ALL in unit.exclude
                                                    or key.startswith(unit.exclude)):
            decision.notes.append("left out: exclude_rewrites (llmcc check, llmcc bench)")
            decision.chosen = None
        if decision.chosen is not None:
            chosen[fn.name] = decision.chosen.candidate.text
        decisions.append(decision)
    result = module.with_candidates(chosen, "llmcc") if chosen else module
    if cache is not None and over_budget:
        cache.count((Stat.SKIPPED, budget), len(over_budget))
    return PipelineResult(result, decisions, tuple(missed), tuple(over_budget), budget,
                          tuple(unheard))


def _provided(unit: UnitTask, waiting: tuple[str, ...]) -> list[str]:
    """Those of the stand-ins ``waiting`` (a recorded decision's) the unit's program now
    defines."""
    if not waiting or unit.program is None:
        return []
    try:
        parts = unit.program()
    except Exception:  # an unreadable cache: the recorded decision stands
        return []
    defined = {s for obj in parts.objects for s in obj.defines} if parts else set()
    return [s for s in waiting if s in defined]


def _decide(task: FunctionTask, proposers: list[Proposer], stages: list[Stage],
            budget_s: float) -> FunctionDecision:
    """Every proposer's candidates for ``task``, judged; the fastest accepted one chosen.
    A proposer that raises, reports a Failure (``last_failure``) or gets no time at all is
    not heard (``decision.unheard``)."""
    decision = FunctionDecision(task.name)
    for proposer in proposers:
        start = time.monotonic()
        if budget_s <= 0:
            decision.unheard[proposer.name] = Failure(Outcome.PROPOSER_CUT_SHORT,
                                                      "no time left for it")
            decision.notes.append(f"{proposer.name}: {Outcome.PROPOSER_CUT_SHORT.value}")
            continue
        try:
            candidates = proposer.propose(task, budget_s)
        except Exception as exc:  # a proposer must never break a build
            decision.unheard[proposer.name] = Failure(Outcome.PROPOSER_FAILED, str(exc))
            decision.notes.append(f"{proposer.name}: {Outcome.PROPOSER_FAILED.value}: {exc}")
            continue
        why = getattr(proposer, "last_error", None)  # e.g. a budget spent after 3 samples
        failure = getattr(proposer, "last_failure", None)  # e.g. a model server that is down
        if isinstance(failure, Failure):
            decision.unheard[proposer.name] = failure
            why = f"{failure.outcome.value}: {why or failure.reason}"
        # what became of the answers (the model proposer's: answers, no_assembly, ...)
        counts = getattr(proposer, "last_counts", None) or {}
        fates = ", ".join(f"{k}={v}" for k, v in counts.items() if v and k != "requests")
        decision.notes.append(
            f"{proposer.name}: {len(candidates)} candidates in "
            f"{time.monotonic() - start:.2f}s" + (f" ({why})" if why else "")
            + (f" [{fates}]" if fates else "")
        )
        for cand in candidates:
            decision.verdicts.append(judge(cand, task, stages, decision))
    _choose(decision)
    return decision


def _choose(decision: FunctionDecision) -> None:
    accepted = [v for v in decision.verdicts if v.accepted]
    decision.chosen = max(accepted, key=lambda v: v.speedup.median if v.speedup else 0.0) \
        if accepted else None


def _recorded(record: DecisionRecord, key: str, task: FunctionTask, stages: list[Stage],
              cache: DecisionCache) -> FunctionDecision:
    """The decision as the cache recorded it. Its choice is used as it stands only when the
    record is this user's own, unchanged, and timed on this CPU model; otherwise (another
    CPU, another writer's record, an import, an edit) every acceptance in it is judged
    again by all ``stages`` here, and the record saved as this user's own."""
    decision = FunctionDecision(task.name)
    decision.verdicts = list(record.verdicts)
    decision.notes.append("cache: decided before")
    if record.own and record.timed_here:
        decision.chosen = record.chosen_verdict
        return decision
    why = "re-timed on this CPU" if record.own else "not this user's record, judged again"
    accepted = [i for i, v in enumerate(decision.verdicts) if v.accepted]
    for i in accepted:
        decision.verdicts[i] = judge(decision.verdicts[i].candidate, task, stages)
        decision.notes.append(f"cache: {why}: {decision.verdicts[i].outcome.value}")
    _choose(decision)
    if accepted:
        cache.count(Stat.FUNCTIONS_RETIMED)
        cache.save(key, task, decision, 0.0)
    return decision


def _count_verdicts(cache: DecisionCache, decision: FunctionDecision) -> None:
    cache.count(Stat.CANDIDATES, len(decision.verdicts))
    for v in decision.verdicts:
        cache.count(Stat.ACCEPTED if v.accepted else (Stat.REJECTED, v.outcome))


def judge(candidate: Candidate, task: FunctionTask, stages: list[Stage] | None = None,
          decision: FunctionDecision | None = None) -> Verdict:
    """Pass ``candidate`` through ``stages`` (default STAGES) until one decides. What the
    harness says of itself goes to ``decision``: its notes (how it was linked, why inputs
    were not valid), each once, and the stand-ins it lost inputs to."""
    evidence = Evidence()
    for stage in STAGES if stages is None else stages:
        verdict = stage(candidate, task, evidence)
        if verdict is not None:
            if decision is not None:
                decision.notes.extend(n for n in evidence.notes if n not in decision.notes)
                decision.waiting.update(evidence.waiting)
            return verdict._replace(tests=evidence.tests)
    raise AssertionError("the last stage must decide")


def verify_candidate(source: str, function: str, candidate_text: str, *, compiler: str,
                     flags: tuple[str, ...], min_valid: int = 10, min_effect: float = 0.03
                     ) -> Verdict:
    """Every stage (static checks, differential tests, timing) on one candidate for
    ``function`` of the C file ``source``, at ``flags`` with the -O level set to -O3
    (`llmcc verify`, `llmcc bench-function`). Raises LlmccError for bad input (no such
    source or function, gcc errors), never for a bad candidate."""
    from llmcc.files import private_dir, remove_dir
    from llmcc.verify.candidate import baseline_flags, compile_baseline

    flags = baseline_flags(flags)
    workdir = private_dir("")
    try:
        baseline = compile_baseline(source, compiler, flags, workdir)
        fn = baseline.function(function)
        signature(source, function, compiler, flags)  # a missing signature is bad input
        task = FunctionTask(baseline, fn, source, compiler, flags, workdir, min_valid,
                            min_effect)
        return judge(Candidate(function, candidate_text, "file"), task)
    finally:
        remove_dir(workdir)
