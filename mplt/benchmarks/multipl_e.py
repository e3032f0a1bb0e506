"""The official MultiPL-E HumanEval prompts and tests (docs/conventions.md, section 9).

From the Hugging Face Hub: dataset `nuprl/MultiPL-E`, config `humaneval-<lang>`, split `test`, at a
pinned revision (v3.3, the one the bigcode harness pins, docs/conventions.md, section 8), so scores are
comparable with published ones. Offline machines pass a local copy instead: a JSONL(.gz) file of
MultiPL-E records, or a directory holding `humaneval-<lang>.jsonl(.gz)` (the layout of MultiPL-E's
`prompts/` folder) or `<lang>.jsonl(.gz)`.
"""
from __future__ import annotations

from pathlib import Path

from mplt.benchmarks.records import STR_LIST, check_record, read_checked
from mplt.errors import MpltError
from mplt.langs import UnknownLanguage, get_language, languages

DATASET = "nuprl/MultiPL-E"
REVISION = "28441b6024e71d4a1c1c0f6bf171c935cd5a43f2"   # v3.3, July 2025
# The languages with a HumanEval config (each module's `multipl_e_config`; v3 has no humaneval-py).
def hub_languages() -> tuple[str, ...]:
    return tuple(key for key, lang in languages().items() if lang.multipl_e_config)


REQUIRED_FIELDS = ("name", "language", "prompt", "tests", "stop_tokens")
FIELD_TYPES = {**dict.fromkeys(REQUIRED_FIELDS[:4], str), "stop_tokens": STR_LIST}


def config_name(language: str) -> str:
    try:
        config = get_language(language).multipl_e_config
    except UnknownLanguage:
        config = None
    return config or f"humaneval-{language}"


def _same_language(record_language: str, language: str) -> bool:
    """A record may name its language by the long name MultiPL-E uses for some languages, which
    the registry knows as an alias."""
    if record_language == language:
        return True
    try:
        return get_language(record_language).name == get_language(language).name
    except UnknownLanguage:
        return False


def load_multipl_e(language: str, path: str | Path | None = None, revision: str = REVISION) -> list[dict]:
    """MultiPL-E problem records for one language, sorted as the dataset is (by problem number)."""
    if path is not None:
        records = _read_local(Path(path), language)
    else:
        records = _read_hub(language, revision)
    return [_check_record(r, language, i) for i, r in enumerate(records)]


def _read_hub(language: str, revision: str) -> list[dict]:
    if language not in hub_languages():
        raise MpltError(f"{DATASET} has no HumanEval config for {language!r} (known: {', '.join(hub_languages())}); "
                        "pass a local file with --multipl-e-path")
    import datasets
    try:
        dataset = datasets.load_dataset(DATASET, config_name(language), split="test", revision=revision)
    except Exception as e:   # datasets raises many types (ConnectionError, DatasetNotFoundError, OSError...)
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise MpltError(f"cannot load {DATASET} ({config_name(language)}@{revision[:7]}): {first}; "
                        "offline, pass a local copy with --multipl-e-path") from e
    return [dict(row) for row in dataset]


def _read_local(path: Path, language: str) -> list[dict]:
    if path.is_dir():
        candidates = [path / f"{stem}{suffix}" for stem in (config_name(language), language)
                      for suffix in (".jsonl", ".jsonl.gz")]
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


def _check_record(record: dict, language: str, index: int) -> dict:
    """Field by field (the local reader already named the line; Hub rows are numbered)."""
    check_record(record, FIELD_TYPES, f"record #{index}", "MultiPL-E", "name")
    if not _same_language(record["language"], language):
        raise MpltError(f"MultiPL-E record {record['name']!r} is {record['language']!r}, expected {language!r}")
    return {**record, "stop_tokens": list(record["stop_tokens"])}
