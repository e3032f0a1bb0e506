"""What a benchmark module declares (docs/benchmarks.md, "Adding a benchmark").

A benchmark is one module of `mplt/benchmarks/` holding `BENCHMARK = Benchmark(...)`: its name and
one-line description, where its problems come from (`HubSource`, `RepoFiles` or `PackageData`), the
schema of its records, its protocol defaults, the languages it covers, its task kind, the family of
published figures it may be compared with, and a `load(language, options)` that returns a
`ProblemSet`. The registry (`mplt.benchmarks`) checks every declaration with `check_benchmark`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from mplt.errors import MpltError

DEFAULT_BENCHMARK = "multipl-e"   # EvalConfig's and the evaluate stage's default benchmark
TASKS = ("complete", "infill")      # left-to-right completion of a prompt; fill in between prefix and suffix
NAME = re.compile(r"[a-z][a-z0-9-]*")


class BenchmarkContractError(MpltError):
    """A benchmark module that does not declare what the contract asks."""


@dataclass(frozen=True)
class BenchmarkOptions:
    path: str | None = None        # a local copy of the benchmark (file or directory); None: its pinned source
    limit: int | None = None       # keep the first K problems


@dataclass(frozen=True)
class ProblemSet:
    benchmark: str
    language: str
    records: list[dict]
    source: str                            # Hub dataset id, URL or local path
    revision: str                          # pinned revision or commit, or "local"
    skipped: list[dict] = field(default_factory=list)   # {"name", "reason"} of untranslatable problems
    sha256: str = ""                       # of the prompt file read, where the benchmark is one file


@dataclass(frozen=True)
class HubSource:
    """A Hugging Face dataset at a pinned revision: one config per language, `config` a pattern over
    the dataset's own language name (`{lang}`, which `names` maps from our key where they differ), or
    `config=None` for a dataset of Python problems that our translator turns into each language."""
    dataset: str
    revision: str
    config: str | None                                  # e.g. "humaneval-{lang}"
    names: tuple[tuple[str, str], ...] = ()             # (our key, the dataset's name) where they differ
    split: str = "test"

    def config_for(self, language: str) -> str | None:
        return None if self.config is None else self.config.format(lang=dict(self.names).get(language, language))

    def describe(self) -> str:
        config = f" ({self.config.format(lang='<lang>')})" if self.config else ""
        return f"{self.dataset}@{self.revision[:7]}{config}"


RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class RepoFile:
    repo: str
    commit: str
    path: str
    sha256: str | None = None      # None: not known in advance; recorded at the first download

    @property
    def url(self) -> str:
        return RAW_URL.format(repo=self.repo, commit=self.commit, path=self.path)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class RepoFiles:
    """One file per language in a repository at a commit (raw.githubusercontent.com)."""
    files: tuple[tuple[str, RepoFile], ...]              # (our key, file)

    def describe(self) -> str:
        return ", ".join(sorted({f"{f.repo}@{f.commit[:7]}" for _, f in self.files}))


@dataclass(frozen=True)
class PackageData:
    """A file shipped in `mplt/data/`."""
    file: str

    def describe(self) -> str:
        return f"mplt/data/{self.file}"


@dataclass(frozen=True)
class RecordSchema:
    """The fields a record must hold, name -> `str` or `records.STR_LIST` (mplt/benchmarks/records.py)."""
    name: str                       # e.g. "MultiPL-E", "HumanEval": named in errors
    fields: tuple[tuple[str, Any], ...]
    key: str = "name"               # the field that names a record in errors

    def field_types(self) -> dict[str, Any]:
        return dict(self.fields)


@dataclass(frozen=True)
class ProtocolDefaults:
    """How the evaluation treats the benchmark's prompts unless a protocol fixes it
    (mplt.evaluation.protocols): MultiPL-E strips the prompt and stops at each record's
    `stop_tokens` (docs/conventions.md, section 4)."""
    strip_prompt: bool = True
    stop_tokens: str = "record"     # "record": each record's `stop_tokens`; "language": the language's


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str                                # one line, for `reproduce.py list`
    source: HubSource | RepoFiles | PackageData
    schema: RecordSchema                            # of the records `load` reads (before translation)
    languages: tuple[str, ...]                      # language keys the pinned source covers
    load: Callable[[str, BenchmarkOptions], ProblemSet]
    task: str = "complete"                          # one of TASKS
    comparable_with: str | None = None              # family of published figures (mplt.results.published)
    protocol: ProtocolDefaults = ProtocolDefaults()
    problems: int | None = None                     # problems per language (about), for the time estimate
    # What `BenchmarkOptions.path` names (for --benchmark-path's help and errors); "" takes no path.
    local_copy: str = ""
    # The rehearsal's stand-in when no path is given (mplt/rehearsal/profile.py): "records" = our mini
    # benchmark as MultiPL-E records in a directory, "humaneval" = our mini benchmark's HumanEval file,
    # "" = nothing (package data needs no stand-in).
    standin: str = ""


STANDINS = ("", "records", "humaneval")


def check_benchmark(module: str, benchmark: Any) -> Benchmark:
    """`benchmark` as declared by `module`, or a one-line BenchmarkContractError naming what is wrong."""
    def fail(what: str) -> BenchmarkContractError:
        return BenchmarkContractError(f"benchmark module mplt/benchmarks/{module}.py: {what} "
                                      "(docs/benchmarks.md, 'Adding a benchmark')")
    if not isinstance(benchmark, Benchmark):
        raise fail(f"BENCHMARK must be a mplt.benchmarks.contract.Benchmark, got {type(benchmark).__name__}")
    if not NAME.fullmatch(benchmark.name):
        raise fail(f"name {benchmark.name!r} must be lower-case letters, digits and dashes")
    if not benchmark.description or "\n" in benchmark.description:
        raise fail("description must be one non-empty line")
    if not isinstance(benchmark.source, (HubSource, RepoFiles, PackageData)):
        raise fail("source must be a HubSource, RepoFiles or PackageData")
    if isinstance(benchmark.source, HubSource) and "{lang}" not in (benchmark.source.config or "{lang}"):
        raise fail(f"HubSource config {benchmark.source.config!r} must contain {{lang}}")
    if benchmark.task not in TASKS:
        raise fail(f"task {benchmark.task!r} is not one of {', '.join(TASKS)}")
    if not benchmark.schema.fields or benchmark.schema.key not in benchmark.schema.field_types():
        raise fail("schema must name its fields, the record's key among them")
    if not benchmark.languages:
        raise fail("languages must name at least one language")
    from mplt.langs import UnknownLanguage, get_language
    try:
        for lang in benchmark.languages:
            get_language(lang)
    except UnknownLanguage as e:
        raise fail(f"languages: {e}") from None
    if not callable(benchmark.load):
        raise fail("load must be a function (language, BenchmarkOptions) -> ProblemSet")
    if benchmark.standin not in STANDINS:
        raise fail(f"standin {benchmark.standin!r} is not one of {', '.join(map(repr, STANDINS))}")
    if benchmark.protocol.stop_tokens not in ("record", "language"):
        raise fail("protocol.stop_tokens must be 'record' or 'language'")
    return benchmark


def limit_records(items: list, limit: int | None) -> list:
    return items if limit is None else items[:limit]
