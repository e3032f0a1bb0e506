"""The prompt files MultiPL-T's trainer evaluated on (benchmark `paper-prompts`, the `paper` protocol).

MultiPL-T's 1B runs (`experiments/<lang>_full_1b/train.py`, `training/code_llms/training/__init__.py`)
read `MultiPL-E/prompts/humaneval-<lang>-reworded.jsonl` from their MultiPL-E submodule, pinned at
`2ff3541457eee7def81acacbd8d87cd71648712d`, and OCaml from their own `datasets/humaneval-ml.jsonl`.
Each file is fetched from raw.githubusercontent.com at its commit, checked against its recorded
sha256 where we could compute one, and cached; or read from a local copy (a file, or a directory
holding the files under their upstream names). The sha256 of the bytes read is recorded in the run.

The MultiPL-E files' hashes are not pinned: the MultiPL-E repository was too large to copy to the
machine mplt was written on, and no other copy of that commit was available, so the hash is the
one of the first download (kept next to the cached file; a later read that differs is an error).
The names of the Racket and R files follow the pattern of the Lua and Julia ones that the
trainer scripts name; they were not checked at that commit (docs/deviations.md).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mplt.benchmarks import pinned_files
from mplt.benchmarks.contract import (Benchmark, BenchmarkOptions, ProblemSet, ProtocolDefaults, RepoFile,
                                      RepoFiles, limit_records)
from mplt.benchmarks.multipl_e import FIELD_TYPES, SCHEMA, _same_language, check_multipl_e_record
from mplt.benchmarks.records import read_checked
from mplt.errors import MpltError
from mplt.langs import get_language

log = logging.getLogger(__name__)
MULTIPL_E_COMMIT = "2ff3541457eee7def81acacbd8d87cd71648712d"   # MultiPL-T's `MultiPL-E` submodule
MULTIPL_T_COMMIT = "53d996ed06b3e2d3a4ca9eb4df3d6705bc43c3ea"   # the MultiPL-T commit mplt reads throughout


def _multipl_e_file(lang: str) -> RepoFile:
    return RepoFile("nuprl/MultiPL-E", MULTIPL_E_COMMIT, f"prompts/humaneval-{lang}-reworded.jsonl", None)


# language -> the file MultiPL-T's trainer read (docs/method.md, section 6)
PROMPT_FILES: dict[str, RepoFile] = {
    "lua": _multipl_e_file("lua"),
    "rkt": _multipl_e_file("rkt"),
    "r": _multipl_e_file("r"),
    "jl": _multipl_e_file("jl"),
    # 156 problems, `doctests: keep`, `prompt_terminology: verbatim`; sha256 of the blob at that commit
    "ml": RepoFile("nuprl/MultiPL-T", MULTIPL_T_COMMIT, "datasets/humaneval-ml.jsonl",
               "af513d0103dc72e361551872bc89b71649f4a838e2ff040b32bb2337da00aaeb"),
}


@dataclass(frozen=True)
class ReadPrompts:
    records: list[dict]
    source: str        # URL or local path
    revision: str      # the file's commit, or "local"
    sha256: str        # of the bytes read


def prompt_file(language: str) -> RepoFile:
    lang = get_language(language).name
    if lang not in PROMPT_FILES:
        raise MpltError(f"the paper's prompt files cover {', '.join(PROMPT_FILES)}, not {lang!r}")
    return PROMPT_FILES[lang]


def read_paper_prompts(language: str, path: str | Path | None = None, cache_dir: Path | None = None) -> ReadPrompts:
    """The records of `language`'s prompt file: from `path` (a file, or a directory with the file under
    its upstream name) when given, else downloaded into `cache_dir` (default: under the Hugging Face
    cache, where the models are) at its pinned commit."""
    pinned = prompt_file(language)
    if path is not None:
        local = pinned_files.local_file(Path(path), pinned, "the paper's prompt file for this language")
        digest = pinned_files.sha256_of(local)
        if pinned.sha256 and digest != pinned.sha256:
            log.warning("%s: sha256 %s differs from the paper's %s (%s); recorded as a local file",
                        local, digest[:12], pinned.sha256[:12], pinned.url)
        return ReadPrompts(_records(local, language), str(local), "local", digest)
    cached = pinned_files.download(pinned, cache_dir)
    return ReadPrompts(_records(cached, language), pinned.url, pinned.commit, pinned_files.sha256_of(cached))


def _records(path: Path, language: str) -> list[dict]:
    records = [r for r in read_checked(path, FIELD_TYPES, "prompt file", "name")
               if _same_language(r["language"], language)]
    if not records:
        raise MpltError(f"{path}: no records with language {language!r}")
    return [check_multipl_e_record(r, language, i) for i, r in enumerate(records)]


def load_paper_prompts(language: str, options: BenchmarkOptions) -> ProblemSet:
    read = read_paper_prompts(language, options.path)
    return ProblemSet("paper-prompts", language, limit_records(read.records, options.limit), read.source,
                      read.revision, sha256=read.sha256)


BENCHMARK = Benchmark(
    name="paper-prompts",
    description="the prompt files MultiPL-T's trainer evaluated on: MultiPL-E @2ff3541 "
                "humaneval-<lang>-reworded.jsonl, OCaml MultiPL-T's humaneval-ml.jsonl",
    source=RepoFiles(tuple(PROMPT_FILES.items())),
    schema=SCHEMA,
    languages=tuple(PROMPT_FILES),
    load=load_paper_prompts,
    comparable_with="multipl-e-humaneval",
    # MultiPL-T's trainer sends the prompt as in the file (mplt.evaluation.protocols, `paper`)
    protocol=ProtocolDefaults(strip_prompt=False),
    problems=161,
    local_copy="the paper's prompt file, or a directory holding it under its upstream name "
               "(e.g. humaneval-lua-reworded.jsonl)",
    standin="records",
)
