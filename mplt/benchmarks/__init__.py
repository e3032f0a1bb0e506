"""Benchmarks: a registry keyed by name; each gives MultiPL-E problem records for one language.

    multipl-e   official prompts/tests, Hub `nuprl/MultiPL-E` at a pinned revision (or a local copy)
    paper-prompts  the files MultiPL-T's trainer read (GitHub at pinned commits, or a local copy;
                mplt.benchmarks.paper_prompts): the `paper` evaluation protocol's benchmark
    humaneval   our own translation of HumanEval (Hub `openai_humaneval` or a local JSONL(.gz))
    mini        our own mini benchmark in HumanEval format (package data `mplt/data/mini_humaneval.jsonl`)
    humaneval-infilling-single, humaneval-infilling-multi
                Python infilling (openai/human-eval-infilling at a pinned commit, or a local copy via
                `humaneval_path`; mplt.benchmarks.humaneval_infilling): records with a `suffix`

`load_benchmark(name, language, options)` returns a `ProblemSet`: the records (fields `name,
language, prompt, tests, stop_tokens`, ...), where they came from, and the problems our translator
skipped for this language with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mplt.errors import MpltError

MINI_PATH = Path(__file__).resolve().parents[1] / "data" / "mini_humaneval.jsonl"


@dataclass(frozen=True)
class BenchmarkOptions:
    humaneval_path: str | None = None     # local HumanEval JSONL(.gz); None: the Hub
    multipl_e_path: str | None = None     # local MultiPL-E records (file or directory); None: the Hub
    limit: int | None = None              # keep the first K problems


@dataclass(frozen=True)
class ProblemSet:
    benchmark: str
    language: str
    records: list[dict]
    source: str                            # Hub dataset id or local path
    revision: str                          # pinned Hub revision, or "local"
    skipped: list[dict] = field(default_factory=list)   # {"name", "reason"} of untranslatable problems
    sha256: str = ""                       # of the prompt file read, where the benchmark is one file


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    load: Callable[[str, BenchmarkOptions], ProblemSet]


def load_multipl_e_set(language: str, options: BenchmarkOptions) -> ProblemSet:
    from mplt.benchmarks import multipl_e
    records = multipl_e.load_multipl_e(language, options.multipl_e_path)
    local = options.multipl_e_path is not None
    return ProblemSet("multipl-e", language, _limit(records, options.limit),
                      str(options.multipl_e_path) if local else multipl_e.DATASET,
                      "local" if local else multipl_e.REVISION)


def load_paper_prompts_set(language: str, options: BenchmarkOptions) -> ProblemSet:
    from mplt.benchmarks import paper_prompts
    read = paper_prompts.read_paper_prompts(language, options.multipl_e_path)
    return ProblemSet("paper-prompts", language, _limit(read.records, options.limit), read.source, read.revision,
                      sha256=read.sha256)


def load_humaneval_set(language: str, options: BenchmarkOptions) -> ProblemSet:
    from mplt.benchmarks import humaneval
    problems = humaneval.load_problems(options.humaneval_path)
    source = str(options.humaneval_path) if options.humaneval_path else humaneval.HUB_DATASET
    revision = "local" if options.humaneval_path else humaneval.HUB_REVISION
    return _translate("humaneval", language, problems, options.limit, source, revision)


def load_mini_set(language: str, options: BenchmarkOptions) -> ProblemSet:
    from mplt.benchmarks import humaneval
    if not MINI_PATH.exists():
        raise MpltError(f"the mini benchmark file {MINI_PATH} is missing from this installation")
    return _translate("mini", language, humaneval.load_problems(MINI_PATH), options.limit, str(MINI_PATH), "local")


def _translate(benchmark: str, language: str, problems, limit: int | None, source: str, revision: str) -> ProblemSet:
    from mplt.translation import Skip, translate_problem
    from mplt.translation.driver import prefetch_references
    records, skipped = [], []
    problems = _limit(list(problems), limit)
    prefetch_references(problems, [language])   # the reference check, batched (speed only)
    for problem in problems:
        result = translate_problem(problem, language)
        if isinstance(result, Skip):
            skipped.append({"name": result.name, "reason": result.reason})
        else:
            records.append(result.to_record())
    return ProblemSet(benchmark, language, records, source, revision, skipped)


def _infilling_loader(name: str) -> Callable[[str, BenchmarkOptions], ProblemSet]:
    def load(language: str, options: BenchmarkOptions) -> ProblemSet:
        from mplt.benchmarks import humaneval_infilling
        records, source, revision, sha256 = humaneval_infilling.load(name, language, options.humaneval_path)
        return ProblemSet(name, language, _limit(records, options.limit), source, revision, sha256=sha256)
    return load


def _limit(items: list, limit: int | None) -> list:
    return items if limit is None else items[:limit]


BENCHMARKS: dict[str, Benchmark] = {
    "multipl-e": Benchmark("multipl-e", "official MultiPL-E HumanEval prompts and tests (nuprl/MultiPL-E v3.3)",
                           load_multipl_e_set),
    "humaneval": Benchmark("humaneval", "HumanEval translated by mplt.translation", load_humaneval_set),
    "mini": Benchmark("mini", "mplt's own mini benchmark (HumanEval format), translated", load_mini_set),
    "paper-prompts": Benchmark("paper-prompts", "the prompt files MultiPL-T's trainer evaluated on: MultiPL-E "
                               "@2ff3541 humaneval-<lang>-reworded.jsonl, OCaml MultiPL-T's humaneval-ml.jsonl",
                               load_paper_prompts_set),
    "humaneval-infilling-single": Benchmark("humaneval-infilling-single", "HumanEval single-line infilling "
                                            "(openai/human-eval-infilling), Python, pass@1 by execution",
                                            _infilling_loader("humaneval-infilling-single")),
    "humaneval-infilling-multi": Benchmark("humaneval-infilling-multi", "HumanEval multi-line infilling "
                                           "(openai/human-eval-infilling), Python, pass@1 by execution",
                                           _infilling_loader("humaneval-infilling-multi")),
}


def get_benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise MpltError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name]


def load_benchmark(name: str, language: str, options: BenchmarkOptions = BenchmarkOptions()) -> ProblemSet:
    """The problems of benchmark `name` for `language` (a registry key such as "lua")."""
    return get_benchmark(name).load(language, options)
