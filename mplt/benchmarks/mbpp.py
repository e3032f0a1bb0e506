"""MultiPL-E's MBPP (benchmark `mbpp`): the sanitized MBPP problems as MultiPL-E translated them into
each language (docs/conventions.md, section 0.1), Hub `nuprl/MultiPL-E`, configs `mbpp-<lang>`, at
the revision the `multipl-e` benchmark pins (docs/conventions.md, section 8). The records have the
HumanEval configs' fields, so the reader is `multipl_e.read_records`.

Its figures are MBPP's: they are labelled `mbpp` and compared with no published figure (the paper's
are HumanEval's, mplt/results/published.py). The languages are the five targets whose `mbpp-<lang>`
configs have known row counts (docs/conventions.md, section 6); others read a local copy
(docs/benchmarks.md, "Not verified here").
"""
from __future__ import annotations

from mplt.benchmarks.contract import Benchmark, BenchmarkOptions, HubSource, ProblemSet
from mplt.benchmarks.multipl_e import DATASET, LOCAL_COPY, MULTIPL_E_NAMES, REVISION, SCHEMA, read_records


def load_mbpp(language: str, options: BenchmarkOptions) -> ProblemSet:
    return read_records(BENCHMARK, language, options)


BENCHMARK = Benchmark(
    name="mbpp",
    description="MultiPL-E's MBPP: sanitized MBPP translated by MultiPL-E (nuprl/MultiPL-E v3.3, mbpp-<lang>)",
    source=HubSource(DATASET, REVISION, config="mbpp-{lang}", names=MULTIPL_E_NAMES),
    schema=SCHEMA,
    languages=("lua", "rkt", "ml", "r", "jl"),
    load=load_mbpp,
    comparable_with=None,      # the published figures are HumanEval's: never set beside them
    problems=397,              # Lua, Racket, R; Julia 390, OCaml 355 (docs/conventions.md, section 6)
    local_copy=LOCAL_COPY,
    standin="records",
)
