#!/usr/bin/env python3
"""What each proposer gives, function by function, through the real pipeline stages.

    .venv/bin/python bench/proposers.py [--units examples,corpus] [--max-functions 3]
        [--proposers variants,model] [--model-url URL | --model FILE.gguf | --tiny-model]
        [--samples 2] [--max-tokens 256] [--no-grammar-compare] [--json FILE]

For the examples (examples/*.c) and a few larger corpus units, the functions the pipeline
would offer (``pipeline.offered``, the first --max-functions of each unit) go to every
proposer; each candidate is judged by ``pipeline.judge`` with the real STAGES (static
checks, differential tests, timing), each stage timed. Printed per proposer: functions,
candidates per function, the share of candidates that parse, assemble, pass the tests and
are faster, and seconds per function spent proposing and in each stage.

The model proposer runs when a model is given (a URL, a GGUF that llmcc serves, or the tiny
random test model of tests/tiny_gguf.py), once without and once with the GBNF grammar
(setting model_grammar): for its answers also the share whose ```asm block parses at all,
that define the function, and the served completion tokens per second. With the tiny model
the in-process and served generation rates of bench/model_speed.py are printed too.
Timings come from a shared machine: compare within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from llmcc import pipeline, propose, subproc  # noqa: E402
from llmcc.asm.module import parse_module  # noqa: E402
from llmcc.asm.parser import parse_statements  # noqa: E402
from llmcc.config import Settings  # noqa: E402
from llmcc.outcome import Outcome  # noqa: E402
from llmcc.propose.model import ModelProposer, ModelSettings  # noqa: E402
from llmcc.records import FunctionTask  # noqa: E402

CORPUS_UNITS = ("079_sha256ish.c", "071_fft.c", "070_image_filter.c")
FLAGS = ("-O3",)
BUDGET_S = 120.0  # per proposer and function: generous, the bench measures, not races
# verdict stages in pipeline order; a candidate got past every stage before its own
STAGE_ORDER = ("parse", "define", "assemble", "static", "tests", "abi", "timing")


@dataclass
class Tally:
    """One proposer's results over all functions."""

    functions: int = 0
    candidates: int = 0
    outcomes: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)  # "parse", "assemble", "tests", "faster"
    seconds: Counter = field(default_factory=Counter)  # "propose" and each stage function
    # model answers (before the proposer keeps or drops them)
    answers: int = 0
    answers_parsing: int = 0  # the first ```asm block (or the text) parses, label or not
    answers_defining: int = 0  # extract_assembly found the function in it
    answers_ended: int = 0  # ended by the model (or a stop string), not cut at max_tokens
    completion_tokens: int = 0
    request_s: float = 0.0
    speedups: list[float] = field(default_factory=list)

    def judged(self, verdict: pipeline.Verdict) -> None:
        self.candidates += 1
        self.outcomes[verdict.outcome.value] += 1
        reached = STAGE_ORDER.index(verdict.stage) if verdict.stage in STAGE_ORDER else 0
        if reached > STAGE_ORDER.index("parse"):
            self.passed["parse"] += 1
        if reached > STAGE_ORDER.index("assemble"):
            self.passed["assemble"] += 1
        if verdict.stage == "timing":  # every correctness check passed
            self.passed["tests"] += 1
        if verdict.outcome is Outcome.ACCEPTED:
            self.passed["faster"] += 1
            self.speedups.append(verdict.speedup.median if verdict.speedup else 0.0)


def timed_stages(seconds: Counter) -> list[pipeline.Stage]:
    """pipeline.STAGES, each adding its wall time to ``seconds`` under its name."""

    def wrap(stage: pipeline.Stage) -> pipeline.Stage:
        def run(candidate, task, evidence):
            start = time.perf_counter()
            try:
                return stage(candidate, task, evidence)
            finally:
                seconds[stage.__name__] += time.perf_counter() - start
        return run

    return [wrap(s) for s in pipeline.STAGES]


class RecordingModel(ModelProposer):
    """The model proposer, unchanged, with its answers and their token counts kept for the
    bench (the proposer itself only counts them)."""

    def __init__(self, settings: ModelSettings, marker_dir: str) -> None:
        super().__init__(settings, marker_dir=marker_dir)
        self.answers: list[str] = []
        self.completion_tokens = 0
        self.request_s = 0.0
        self.ended = 0  # answers whose finish_reason is not "length"

    def _request(self, body, deadline, answered):
        start = time.perf_counter()
        data = super()._request(body, deadline, answered)
        self.request_s += time.perf_counter() - start
        with contextlib.suppress(KeyError, TypeError, ValueError):
            self.completion_tokens += int(data["usage"]["completion_tokens"])
        with contextlib.suppress(KeyError, TypeError, IndexError):
            self.ended += data["choices"][0]["finish_reason"] != "length"
        return data

    def answer(self, body, deadline, answered=False):
        text = super().answer(body, deadline, answered)
        self.answers.append(text or "")
        return text


def answer_block(text: str) -> str:
    """The first fenced block of an answer (to its end when unclosed), else the text."""
    opening = text.find("```")
    if opening < 0:
        return text
    start = text.find("\n", opening)
    if start < 0:
        return ""
    end = text.find("\n```", start)
    return text[start + 1:end + 1 if end >= 0 else len(text)]


def parses(text: str) -> bool:
    try:
        parse_statements(text)
    except Exception:
        return False
    return True


def units(names: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in names:
        if name == "examples":
            out += sorted(p for p in (ROOT / "examples").glob("*.c")
                          if not p.name.startswith(("tk", "tool")))  # the library, not mains
        elif name == "corpus":
            out += [ROOT / "tests" / "corpus" / n for n in CORPUS_UNITS]
        else:
            out.append(Path(name).resolve())
    return out


def model_settings(opts, grammar: bool) -> ModelSettings | None:
    if opts.model_url:
        return ModelSettings(url=opts.model_url.rstrip("/"), samples=opts.samples,
                             max_tokens=opts.max_tokens, timeout_s=opts.timeout_s,
                             api=opts.api, grammar=grammar)
    if opts.model:
        from llmcc.propose.server import ServeSettings

        # a long context: the tiny model's small vocabulary spends many tokens on a prompt
        serve = ServeSettings(str(Path(opts.model).resolve()), opts.port, idle_s=300,
                              ctx=opts.ctx)
        return ModelSettings(url=serve.url, samples=opts.samples, max_tokens=opts.max_tokens,
                             timeout_s=opts.timeout_s, api=opts.api, serve=serve,
                             grammar=grammar)
    return None


def run(opts) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    with tempfile.TemporaryDirectory(prefix="llmcc-pbench-") as tmp_name:
        tmp = Path(tmp_name)
        if opts.tiny_model:
            from tiny_gguf import write_tiny_gguf

            opts.model = write_tiny_gguf(tmp / "tiny.gguf")
        proposers: list[tuple[str, object]] = []
        if "variants" in opts.proposers:
            proposers += [("variants", p)
                          for p in propose.load(Settings(proposers=("variants",)))]
        if "model" in opts.proposers:
            modes = (False, True) if opts.grammar_compare else (opts.grammar,)
            for grammar in modes:
                settings = model_settings(opts, grammar)
                if settings is not None:
                    name = "model+grammar" if grammar else "model"
                    proposers.append((name, RecordingModel(settings, str(tmp / "markers"))))
        try:
            for source in units(opts.units):
                asm = tmp / (source.stem + ".s")
                proc = subproc.run(["gcc", *FLAGS, "-S", str(source), "-o", str(asm)],
                                   timeout=120)
                if not proc.ok:
                    print(f"{source}: gcc failed; skipped", file=sys.stderr)
                    continue
                module = parse_module(asm.read_text())
                for fn in pipeline.offered(module)[:opts.max_functions]:
                    for name, proposer in proposers:
                        work = tmp / f"{source.stem}-{fn.name}-{name}"
                        work.mkdir()
                        task = FunctionTask(module, fn, str(source), "gcc", FLAGS, str(work))
                        one_function(name, proposer, task, tallies[name], opts)
        finally:
            if opts.model and not opts.model_url:
                from llmcc.propose import server

                server.stop(opts.port)
        if opts.tiny_model:
            from model_speed import tokens_per_second

            opts.speed = tokens_per_second(str(opts.model), rounds=2)
            opts.grammar_rates = grammar_cost(str(opts.model))
    return tallies


def grammar_cost(model: str, tokens: int = 200, rounds: int = 3) -> tuple[float, float]:
    """Generated tokens per second in this process (median of ``rounds`` answers of
    ``tokens``, a short prompt) without and with the grammar: what sampling under it
    costs."""
    import llama_cpp

    from llmcc.propose import gbnf

    llm = llama_cpp.Llama(model, n_ctx=1024, verbose=False, seed=0)
    rates = []
    try:
        for grammar in (None, llama_cpp.LlamaGrammar.from_string(gbnf.grammar(function="f"))):
            per = []
            for seed in range(rounds):
                start = time.perf_counter()
                out = llm.create_completion("Rewrite f:\n", max_tokens=tokens, seed=seed,
                                            temperature=0.8, grammar=grammar,
                                            logit_bias={llm.token_eos(): -100.0})
                per.append(out["usage"]["completion_tokens"] / (time.perf_counter() - start))
            rates.append(statistics.median(per))
    finally:
        llm.close()
    return rates[0], rates[1]


def one_function(name: str, proposer, task: FunctionTask, tally: Tally, opts) -> None:
    tally.functions += 1
    if isinstance(proposer, RecordingModel):
        proposer.answers.clear()
        tokens, spent, ended = (proposer.completion_tokens, proposer.request_s,
                                proposer.ended)
    start = time.perf_counter()
    candidates = proposer.propose(task, BUDGET_S)
    tally.seconds["propose"] += time.perf_counter() - start
    why = getattr(proposer, "last_error", None)
    if why:
        print(f"  {task.source}:{task.name}: {name}: {why}", file=sys.stderr)
    if isinstance(proposer, RecordingModel):
        from llmcc.propose.prompt import extract_assembly

        tally.answers += len(proposer.answers)
        tally.answers_parsing += sum(parses(answer_block(a)) for a in proposer.answers)
        tally.answers_defining += sum(extract_assembly(a, task.name) is not None
                                      for a in proposer.answers)
        tally.completion_tokens += proposer.completion_tokens - tokens
        tally.request_s += proposer.request_s - spent
        tally.answers_ended += proposer.ended - ended
    stages = timed_stages(tally.seconds)
    for cand in candidates:
        verdict = pipeline.judge(cand, task, stages)
        tally.judged(verdict)
        if opts.verbose:
            print(f"  {Path(task.source).name}:{task.name}: {cand.origin}: "
                  f"{verdict.outcome.value}" + (f" {verdict.speedup.median:.3f}x"
                                                 if verdict.speedup else ""))


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def report(tallies: dict[str, Tally], opts) -> None:
    stages = [s.__name__ for s in pipeline.STAGES]
    print(f"functions offered: the first {opts.max_functions} per unit of "
          f"{', '.join(opts.units)}; flags {' '.join(FLAGS)}; shares are of candidates")
    head = (f"{'proposer':<14}{'funcs':>6}{'cands':>6}{'c/fn':>6}{'parse':>7}{'asm':>7}"
            f"{'tests':>7}{'faster':>7}  s/fn: {'propose':>8}" +
            "".join(f"{s[:8]:>9}" for s in stages))
    print(head)
    for name, t in tallies.items():
        n = t.functions or 1
        print(f"{name:<14}{t.functions:6d}{t.candidates:6d}{t.candidates / n:6.1f}"
              f"{share(t.passed['parse'], t.candidates):>7}"
              f"{share(t.passed['assemble'], t.candidates):>7}"
              f"{share(t.passed['tests'], t.candidates):>7}"
              f"{share(t.passed['faster'], t.candidates):>7}        "
              f"{t.seconds['propose'] / n:8.2f}" +
              "".join(f"{t.seconds[s] / n:9.2f}" for s in stages))
    for name, t in tallies.items():
        rejected = ", ".join(f"{k} {v}" for k, v in t.outcomes.most_common())
        print(f"  {name}: {rejected or 'no candidates'}")
        if t.speedups:
            print(f"  {name}: accepted speedups (median) {statistics.median(t.speedups):.3f}x")
    models = {k: t for k, t in tallies.items() if k.startswith("model")}
    if models:
        print("model answers (before the proposer keeps any):")
        print(f"{'':<14}{'answers':>8}{'ended':>7}{'block parses':>14}{'defines fn':>12}"
              f"{'assembles':>11}{'tokens':>8}{'per answer':>11}{'tokens/s':>10}")
        for name, t in models.items():
            rate = t.completion_tokens / t.request_s if t.request_s else 0.0
            print(f"{name:<14}{t.answers:8d}{share(t.answers_ended, t.answers):>7}"
                  f"{share(t.answers_parsing, t.answers):>14}"
                  f"{share(t.answers_defining, t.answers):>12}"
                  f"{share(t.passed['assemble'], t.answers):>11}"
                  f"{t.completion_tokens:8d}{t.completion_tokens / (t.answers or 1):11.0f}"
                  f"{rate:10.1f}")
        print("  (ended: not cut at --max-tokens; tokens/s: completion tokens over the "
              "requests' wall time, prompts included)")
    speed = getattr(opts, "speed", None)
    if speed is not None:
        print(f"tiny model (bench/model_speed.py): in process {speed.generate_tps:,.0f} "
              f"tokens/s generated, prompt {speed.prompt_tps:,.0f} tokens/s; served "
              f"{speed.served_tps:,.0f} tokens/s")
    rates = getattr(opts, "grammar_rates", None)
    if rates is not None:
        print(f"tiny model in process, 200-token answers: {rates[0]:,.0f} tokens/s without "
              f"the grammar, {rates[1]:,.0f} with it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="examples,corpus",
                        help="comma-separated: examples, corpus, or C files")
    parser.add_argument("--max-functions", type=int, default=3, help="per unit")
    parser.add_argument("--proposers", default="variants,model")
    parser.add_argument("--model-url", default="", help="an OpenAI-compatible server")
    parser.add_argument("--model", default="", help="a GGUF file that llmcc serves")
    parser.add_argument("--tiny-model", action="store_true",
                        help="serve the random tiny test model (tests/tiny_gguf.py)")
    parser.add_argument("--port", type=int, default=8493, help="for --model / --tiny-model")
    parser.add_argument("--api", default="chat", choices=("chat", "completions"))
    parser.add_argument("--samples", type=int, default=2, help="model answers per function")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--timeout-s", type=float, default=60.0)
    parser.add_argument("--ctx", type=int, default=32768,
                        help="context window of the served --model / --tiny-model")
    parser.add_argument("--grammar", action="store_true",
                        help="with --no-grammar-compare: the model with the grammar")
    parser.add_argument("--no-grammar-compare", dest="grammar_compare",
                        action="store_false",
                        help="run the model once (see --grammar), not with and without")
    parser.add_argument("--json", help="also write the tallies here")
    parser.add_argument("--verbose", "-v", action="store_true", help="every verdict")
    opts = parser.parse_args()
    opts.units = [u for u in opts.units.split(",") if u]
    opts.proposers = [p for p in opts.proposers.split(",") if p]
    start = time.perf_counter()
    tallies = run(opts)
    report(tallies, opts)
    print(f"wall time {time.perf_counter() - start:.0f} s (shared, noisy machine)")
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as fh:
            json.dump({k: {**asdict(t), "outcomes": dict(t.outcomes),
                           "passed": dict(t.passed), "seconds": dict(t.seconds)}
                       for k, t in tallies.items()}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
