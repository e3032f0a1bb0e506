"""Stage `select`: Python functions with docstrings and return values (docs/method.md, section 1).

Sources: a directory of `.py` files (default: this interpreter's standard library), a Hugging
Face dataset with a code column, or a JSONL file with a code column. Each record or file may
hold a whole module; its top-level functions are extracted. Filters, in order, each counted in
the funnel: `\"\"\"` docstring first (1b), `return <expr>` (1c), self-contained (1e, see
`extract.py`), no TODO, ASCII only, not trivial (1f.1/3/4), exact dedup (1a), decontamination
(1f.2). The content filters run here, before test generation (docs/method.md, section 10.1).

Outputs: `RUN/select/functions.jsonl` (`id, name, source, docstring, origin`) and `summary.json`.
The stage is cheap and deterministic, so a rerun recomputes it and rewrites both atomically.
"""
from __future__ import annotations

import hashlib
import os
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mplt.errors import MpltError
from mplt.io import read_jsonl, write_jsonl
from mplt.pipeline import extract
from mplt.pipeline.common import begin_stage, funnel_text, require_kept, stage_log, write_summary
from mplt.pipeline.decontaminate import load_benchmark_strings
from mplt.pipeline.funnel import Funnel
from mplt.progress import progress_bar

SOURCES = ("stdlib", "dir", "jsonl", "hf")
DROP_REASONS = {"with_docstring": 'first statement is not a """ docstring',
                "with_return": "no `return <expr>`",
                "self_contained": "uses names from outside the function or non-stdlib imports",
                "no_todo": "contains TODO", "ascii": "not ASCII",
                "not_trivial": "trivial one-line return", "unique": "exact duplicate",
                "decontaminated": "contains benchmark text"}


@dataclass(frozen=True)
class SelectConfig:
    source: str = "stdlib"          # stdlib | dir | jsonl | hf
    path: str = ""                  # directory (dir) or file (jsonl)
    column: str = "content"         # code column for jsonl and hf
    hf_name: str = ""               # e.g. nuprl/stack-dedup-python-fns-returns-typechecks
    hf_revision: str = "main"
    hf_split: str = "train"
    humaneval_path: str = ""        # HumanEval .jsonl[.gz] for decontamination ("" = skip)
    mbpp_path: str = ""             # MBPP .jsonl (fields prompt/text, code) ("" = skip)
    trivial_max_nodes: int = extract.TRIVIAL_MAX_NODES
    max_functions: int = 0          # keep at most this many (0 = all), after every filter


def validate(config: SelectConfig) -> None:
    if config.source not in SOURCES:
        raise MpltError(f"[select] source must be one of {', '.join(SOURCES)}, not {config.source!r}")
    if config.source in ("dir", "jsonl") and not config.path:
        raise MpltError(f"[select] source = {config.source!r} needs `path`")
    if config.source in ("dir", "jsonl") and not Path(config.path).exists():
        raise MpltError(f"[select] path {config.path} does not exist")
    if config.source == "hf" and not config.hf_name:
        raise MpltError("[select] source = 'hf' needs `hf_name`")


def iter_documents(config: SelectConfig) -> Iterator[tuple[str, str]]:
    """(origin, text) for each module-sized text of the source."""
    if config.source in ("stdlib", "dir"):
        root = Path(sysconfig.get_paths()["stdlib"] if config.source == "stdlib" else config.path)
        for path in _python_files(root):
            try:
                yield str(path.relative_to(root)), path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                yield str(path.relative_to(root)), ""
    elif config.source == "jsonl":
        for i, record in enumerate(read_jsonl(config.path)):
            yield _record_origin(record, f"{Path(config.path).name}:{i}"), _column(record, config)
    else:
        for i, record in enumerate(_load_hf(config)):
            yield _record_origin(record, f"{config.hf_name}@{config.hf_revision}:{i}"), _column(record, config)


def _python_files(root: Path) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in ("site-packages", "__pycache__"))
        found += [Path(directory) / f for f in sorted(files) if f.endswith(".py")]
    return found


def _record_origin(record: dict, default: str) -> str:
    return str(record.get("id", default)) if "id" in record else default


def _column(record: dict, config: SelectConfig) -> str:
    if config.column not in record:
        raise MpltError(f"[select] column {config.column!r} not in the records (have: {', '.join(record)})")
    return record[config.column] or ""


def _load_hf(config: SelectConfig):
    import datasets
    try:
        return datasets.load_dataset(config.hf_name, revision=config.hf_revision, split=config.hf_split)
    except Exception as e:  # datasets raises many types (offline, missing, auth)
        raise MpltError(f"cannot load dataset {config.hf_name}@{config.hf_revision}: {e}") from e


def function_id(name: str, source: str) -> str:
    return f"{name}_{hashlib.sha1(source.encode()).hexdigest()[:10]}"


def select_functions(config: SelectConfig, funnel: Funnel, progress: bool = True) -> list[dict]:
    benchmark = load_benchmark_strings(config.humaneval_path, config.mbpp_path)
    documents = list(iter_documents(config))
    funnel.record("documents", len(documents))
    steps = ["functions", "with_docstring", "with_return", "self_contained", "no_todo", "ascii",
             "not_trivial", "unique", "decontaminated"]
    counts = dict.fromkeys(steps, 0)
    seen: set[str] = set()
    kept = []
    with progress_bar("select: documents", len(documents), progress) as advance:
        for origin, text in documents:
            functions = extract.extract_functions(text, origin)
            advance()
            if functions is None:
                funnel.drop("document does not parse")
                continue
            for fn in functions:
                reason = _first_failed_check(fn, config, seen, benchmark)
                passed = steps.index(reason) if reason else len(steps)
                for step in steps[:passed]:
                    counts[step] += 1
                if reason:
                    funnel.drop(DROP_REASONS[reason])
                    continue
                kept.append({"id": function_id(fn.name, fn.source), "name": fn.name,
                             "source": fn.source, "docstring": fn.docstring, "origin": fn.origin})
    for step in steps:
        funnel.record(step, counts[step])
    if config.max_functions and len(kept) > config.max_functions:
        kept = kept[:config.max_functions]
    funnel.record("selected", len(kept))
    return kept


def _first_failed_check(fn: extract.Function, config: SelectConfig, seen: set[str], benchmark) -> str:
    """The name of the first funnel step `fn` does not reach ("" = passes all)."""
    if not extract.has_triple_quoted_docstring(fn):
        return "with_docstring"
    if not extract.has_return_value(fn):
        return "with_return"
    if fn.node.decorator_list or extract.non_local_names(fn.source, fn.name):
        return "self_contained"
    if "TODO" in fn.source:
        return "no_todo"
    if not fn.source.isascii():
        return "ascii"
    if extract.is_trivial(fn, config.trivial_max_nodes):
        return "not_trivial"
    if fn.source in seen:
        return "unique"
    seen.add(fn.source)
    if benchmark.contaminates(fn.source):
        return "decontaminated"
    return ""


def run_select(run_dir: Path, config: SelectConfig = SelectConfig(), *, progress: bool = True) -> dict:
    validate(config)
    out = begin_stage(run_dir, "select", config)
    with stage_log(run_dir, "select") as log:
        start = time.monotonic()
        funnel = Funnel()
        functions = select_functions(config, funnel, progress)
        source = config.path or config.hf_name or config.source
        require_kept("select", len(functions), f"no function passed the filters in {source} "
                     f"({funnel_text(funnel.counts(), dict(funnel.reasons))})")
        write_jsonl(out / "functions.jsonl", functions)
        elapsed = time.monotonic() - start
        summary = {"stage": "select", "source": config.source, "functions": len(functions),
                   "seconds": round(elapsed, 2), **funnel.to_dict()}
        log.info("select: %d functions from %s in %.1fs\n%s", len(functions), config.source,
                 elapsed, funnel.format_table())
        write_summary(out, "select", summary)
    return summary
