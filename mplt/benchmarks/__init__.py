"""Benchmarks: a registry keyed by name, one module per benchmark (docs/benchmarks.md).

Every module of this package other than the support modules in `SUPPORT` declares one benchmark as
`BENCHMARK = Benchmark(...)` (mplt.benchmarks.contract). The registry is built on first use, not at
import (docs/style.md, rule 3): it imports each module, checks its declaration against the contract
and keys it by name, so adding a benchmark is adding one module. `reproduce.py list benchmarks`
prints them.

`load_benchmark(name, language, options)` returns a `ProblemSet`: the records (fields `name,
language, prompt, tests, stop_tokens`, ...), where they came from, and the problems our translator
skipped for this language with the reason.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from mplt.benchmarks.contract import (DEFAULT_BENCHMARK, Benchmark, BenchmarkContractError, BenchmarkOptions,
                                      ProblemSet, check_benchmark)
from mplt.errors import MpltError

__all__ = ["Benchmark", "BenchmarkOptions", "ProblemSet", "benchmarks", "get_benchmark", "load_benchmark",
           "benchmark_names", "DEFAULT_BENCHMARK"]

# Modules that serve the benchmark modules and declare none.
SUPPORT = ("contract", "records", "translated", "pinned_files", "humaneval_infilling")


@functools.cache
def benchmarks() -> dict[str, Benchmark]:
    """Name -> Benchmark of every benchmark module, checked against the contract (built once)."""
    found: dict[str, Benchmark] = {}
    where: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if info.name in SUPPORT or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not hasattr(module, "BENCHMARK"):
            raise BenchmarkContractError(f"benchmark module mplt/benchmarks/{info.name}.py defines no BENCHMARK "
                                         "(a support module belongs in mplt.benchmarks.SUPPORT)")
        benchmark = check_benchmark(info.name, module.BENCHMARK)
        if benchmark.name in found:
            raise BenchmarkContractError(f"benchmark {benchmark.name!r} is declared by both "
                                         f"{where[benchmark.name]}.py and {info.name}.py")
        found[benchmark.name] = benchmark
        where[benchmark.name] = info.name
    # the default first, so that listings and errors start with it
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT_BENCHMARK, item[0])))


def benchmark_names() -> tuple[str, ...]:
    return tuple(benchmarks())


def get_benchmark(name: str) -> Benchmark:
    known = benchmarks()
    if name not in known:
        raise MpltError(f"unknown benchmark {name!r}; known: {', '.join(known)}")
    return known[name]


def load_benchmark(name: str, language: str, options: BenchmarkOptions = BenchmarkOptions()) -> ProblemSet:
    """The problems of benchmark `name` for `language` (a registry key such as "lua")."""
    benchmark = get_benchmark(name)
    if options.path is not None and not benchmark.local_copy:
        raise MpltError(f"benchmark {name!r} reads {benchmark.source.describe()} and takes no path "
                        f"(got {options.path})")
    return benchmark.load(language, options)
