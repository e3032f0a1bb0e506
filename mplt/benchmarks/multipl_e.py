"""The official MultiPL-E HumanEval prompts and tests (benchmark `multipl-e`, docs/conventions.md,
section 9), and the reader of MultiPL-E-format records that the other MultiPL-E benchmarks share.

From the Hugging Face Hub: dataset `nuprl/MultiPL-E`, config `humaneval-<lang>`, split `test`, at a
pinned revision (v3.3, the one the bigcode harness pins, docs/conventions.md, section 8), so scores are
comparable with published ones. Offline machines pass a local copy instead (`--benchmark-path`): a
JSONL(.gz) file of MultiPL-E records, or a directory holding `<config>.jsonl(.gz)` (e.g.
`humaneval-lua.jsonl`, the layout of MultiPL-E's `prompts/` folder) or `<lang>.jsonl(.gz)`.
"""
from __future__ import annotations

from pathlib import Path

from mplt.benchmarks.contract import (Benchmark, BenchmarkOptions, HubSource, ProblemSet, RecordSchema,
                                      limit_records)
from mplt.benchmarks.records import STR_LIST, check_record, read_checked
from mplt.errors import MpltError
from mplt.langs import UnknownLanguage, get_language

DATASET = "nuprl/MultiPL-E"
REVISION = "28441b6024e71d4a1c1c0f6bf171c935cd5a43f2"   # v3.3, July 2025
# Our language keys -> MultiPL-E's names where they differ (its configs say `humaneval-elixir`).
MULTIPL_E_NAMES = (("ex", "elixir"),)
# The languages with a HumanEval config at v3.3 (v3 has no humaneval-py; docs/conventions.md, section 6).
HUMANEVAL_LANGUAGES = ("lua", "rkt", "ml", "r", "jl", "ex")
REQUIRED_FIELDS = ("name", "language", "prompt", "tests", "stop_tokens")
FIELD_TYPES = {**dict.fromkeys(REQUIRED_FIELDS[:4], str), "stop_tokens": STR_LIST}
SCHEMA = RecordSchema("MultiPL-E", tuple(FIELD_TYPES.items()), key="name")
SOURCE = HubSource(DATASET, REVISION, config="humaneval-{lang}", names=MULTIPL_E_NAMES)
LOCAL_COPY = "MultiPL-E records: a JSONL(.gz), or a directory of <config>.jsonl or <lang>.jsonl files"


def _same_language(record_language: str, language: str) -> bool:
    """A record may name its language by the long name MultiPL-E uses for some languages, which
    the registry knows as an alias."""
    if record_language == language:
        return True
    try:
        return get_language(record_language).name == get_language(language).name
    except UnknownLanguage:
        return False


def read_records(benchmark: Benchmark, language: str, options: BenchmarkOptions) -> ProblemSet:
    """The MultiPL-E-format records of `benchmark` (a HubSource) for one language, from a local copy
    when `options.path` is given, else from the Hub at the pinned revision, in the dataset's order."""
    source = benchmark.source
    language = get_language(language).name
    if options.path is not None:
        records = _read_local(Path(options.path), source.config_for(language), language)
        origin, revision = str(options.path), "local"
    else:
        records = _read_hub(benchmark, language)
        origin, revision = source.dataset, source.revision
    checked = [check_multipl_e_record(r, language, i) for i, r in enumerate(records)]
    return ProblemSet(benchmark.name, language, limit_records(checked, options.limit), origin, revision)


def _read_hub(benchmark: Benchmark, language: str) -> list[dict]:
    source = benchmark.source
    config = source.config_for(language)
    if language not in benchmark.languages:
        raise MpltError(f"{source.dataset} has no {config} config for {language!r} (benchmark {benchmark.name} "
                        f"covers {', '.join(benchmark.languages)}); pass a local file with --benchmark-path")
    import datasets
    try:
        dataset = datasets.load_dataset(source.dataset, config, split=source.split, revision=source.revision)
    except Exception as e:   # datasets raises many types (ConnectionError, DatasetNotFoundError, OSError...)
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise MpltError(f"cannot load {source.dataset} ({config}@{source.revision[:7]}): {first}; "
                        "offline, pass a local copy with --benchmark-path") from e
    return [dict(row) for row in dataset]


def _read_local(path: Path, config: str, language: str) -> list[dict]:
    if path.is_dir():
        candidates = [path / f"{stem}{suffix}" for stem in (config, language) for suffix in (".jsonl", ".jsonl.gz")]
        found = [c for c in candidates if c.exists()]
        if not found:
            raise MpltError(f"{path}: no {candidates[0].name} or {candidates[2].name} for language {language!r}")
        return list(read_checked(found[0], FIELD_TYPES, "MultiPL-E", "name"))
    if not path.exists():
        raise MpltError(f"{path}: no such MultiPL-E file or directory")
    records = [r for r in read_checked(path, FIELD_TYPES, "MultiPL-E", "name") if _same_language(r["language"], language)]
    if not records:
        raise MpltError(f"{path}: no records with language {language!r}")
    return records


def check_multipl_e_record(record: dict, language: str, index: int) -> dict:
    """Field by field (the local reader already named the line; Hub rows are numbered)."""
    check_record(record, FIELD_TYPES, f"record #{index}", "MultiPL-E", "name")
    if not _same_language(record["language"], language):
        raise MpltError(f"MultiPL-E record {record['name']!r} is {record['language']!r}, expected {language!r}")
    return {**record, "stop_tokens": list(record["stop_tokens"])}


def load_humaneval(language: str, options: BenchmarkOptions) -> ProblemSet:
    return read_records(BENCHMARK, language, options)


BENCHMARK = Benchmark(
    name="multipl-e",
    description="official MultiPL-E HumanEval prompts and tests (nuprl/MultiPL-E v3.3, humaneval-<lang>)",
    source=SOURCE,
    schema=SCHEMA,
    languages=HUMANEVAL_LANGUAGES,
    load=load_humaneval,
    comparable_with="multipl-e-humaneval",
    problems=161,
    local_copy=LOCAL_COPY,
    standin="records",
)
