"""The evaluation flow: generate -> execute -> score, per language, resumable at every step.

Generation needs the model (GPU work); execution and scoring read only the saved completions
(docs/style.md, rule 5), so `mode="execute"` runs on a CPU machine without the model.
"""
from __future__ import annotations

import logging
from pathlib import Path

from mplt.config import config_to_dict
from mplt.errors import MpltError
from mplt.evaluation.config import EvalConfig
from mplt.evaluation.layout import LanguageFiles, language_files
from mplt.io import read_json, read_jsonl, write_json, write_jsonl
from mplt.langs import get_language
from mplt.scoring import KS, score_problem, summarize_language

log = logging.getLogger(__name__)
# meta.json fields that must not change when a run directory is resumed; runs written before the
# protocols existed were all `multipl-e` runs (mplt/evaluation/protocols.py).
IDENTITY_KEYS = ("benchmark", "dataset_source", "dataset_revision", "model", "revision", "adapter", "protocol_name")
LEGACY_IDENTITY = {"protocol_name": "multipl-e"}


def evaluate(config: EvalConfig, *, backend=None, progress: bool = True) -> dict:
    """Run `config.mode` for every language; return the overall summary (also OUT/summary.json).
    `backend` (a mplt.generation.backends.base.Backend already serving the model) avoids reloading."""
    config = config.resolved()   # the protocol's settings over the run's own (mplt.evaluation.protocols)
    out = Path(config.out)
    languages = [get_language(name).name for name in config.langs]
    write_json(out / ("config-execute.json" if config.mode == "execute" else "config.json"), config_to_dict(config))
    if config.mode in ("all", "generate"):
        problem_sets = {lang: _load_problems(config, lang) for lang in languages}
        for lang in languages:
            backend = generate_language(config, problem_sets[lang], backend, progress=progress)
    if config.mode == "generate":
        return _generation_report(out, languages)
    summaries = {lang: execute_language(config, lang, progress=progress) for lang in languages}
    overall = {"out": str(out), "languages": summaries}
    write_json(out / "summary.json", overall)
    return overall


def _load_problems(config: EvalConfig, language: str):
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    options = BenchmarkOptions(path=config.benchmark_path, limit=config.limit)
    problems = load_benchmark(config.benchmark, language, options)
    if not problems.records:
        raise MpltError(f"benchmark {config.benchmark!r} has no problems for {language}")
    return problems


def generate_language(config: EvalConfig, problems, backend=None, *, progress: bool = True):
    """Sample completions for one language's ProblemSet; return the (possibly newly opened) backend."""
    from mplt.evaluation.protocols import protocol_record
    from mplt.generation import open_backend, stream_completions

    config = config.resolved()   # idempotent; callers other than evaluate() may pass the unresolved config
    files = language_files(config.out, problems.language)
    from mplt.benchmarks import get_benchmark
    # the family of published figures this benchmark's may be compared with (None: none), so that the
    # report and the check key comparisons by what was measured, not by a name (docs/benchmarks.md)
    family = get_benchmark(problems.benchmark).comparable_with
    meta = {"language": problems.language, "benchmark": problems.benchmark, "comparable_with": family,
            "dataset_source": problems.source,
            "dataset_revision": problems.revision, "dataset_sha256": problems.sha256 or None,
            "model": config.model, "revision": config.revision,
            "adapter": config.adapter, "num_problems": len(problems.records),
            "protocol_name": config.protocol,
            "protocol": protocol_record(config.protocol, config.sampling, problems.benchmark,
                                        evaluation_precision(config)),
            "translation_skipped": problems.skipped}
    _check_same_run(files, meta)
    write_jsonl(files.problems, problems.records)
    done = _finished_ids(files.completions)
    if all(r["name"] in done for r in problems.records):
        log.info("%s: all %d problems already have completions", problems.language, len(problems.records))
        if not files.meta.exists():
            write_json(files.meta, meta)
        return backend
    if backend is None:
        backend = open_backend(config.sampling.backend, config.model_options())
    write_json(files.meta, {**meta, "model_source": backend.source, "model_commit": backend.commit})
    prompts = [{**r, "id": r["name"], "max_tokens": config.sampling.max_new_tokens} for r in problems.records]
    stream_completions(backend, prompts, config.sampling, files.completions, progress=progress,
                       description=f"{problems.language} sampling")
    return backend


def execute_language(config: EvalConfig, language: str, *, progress: bool = True) -> dict:
    """Run every saved completion in the sandbox pool, score, write results and the summary."""
    from mplt.execution.completion import EARLY_EXIT
    from mplt.execution.limits import program_limits
    from mplt.execution.pool import execute_all
    from mplt.translation import build_program

    files = language_files(config.out, language)
    completions = _saved_completions(files)
    jobs = [{"id": f"{record['name']}/{j}", "name": record["name"], "index": j, "language": record["language"],
             "program": build_program(record, completion)}
            for record in completions for j, completion in enumerate(record["completions"])]
    executions = execute_all(jobs, files.executions, workers=config.workers, limits=program_limits(config.timeout_s),
                             progress=progress, description=f"{language} executing")
    by_name: dict[str, list[dict]] = {}
    for result in executions:
        by_name.setdefault(result["name"], []).append(result)
    scored = [score_problem(record, sorted(by_name.get(record["name"], []), key=lambda r: r["index"]), KS)
              for record in completions]
    write_jsonl(files.results, scored)
    meta = read_json(files.meta) if files.meta.exists() else {}
    protocol = meta.get("protocol") or {"name": LEGACY_IDENTITY["protocol_name"]}
    expected = meta.get("num_problems", len(completions))
    statuses: dict[str, int] = {}
    for result in executions:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    summary = summarize_language(
        scored, ks=KS, language=language, benchmark=meta.get("benchmark"), comparable_with=meta.get("comparable_with"),
        dataset_source=meta.get("dataset_source"), dataset_revision=meta.get("dataset_revision"),
        dataset_sha256=meta.get("dataset_sha256"), protocol=protocol.get("name"),
        precision=protocol.get("precision"), protocol_settings=protocol, model=meta.get("model"),
        revision=meta.get("revision"), model_commit=meta.get("model_commit"),
        adapter=meta.get("adapter"), temperature=_setting(completions, "temperature"),
        top_p=_setting(completions, "top_p"), top_k=_setting(completions, "top_k"),
        max_new_tokens=_setting(completions, "max_new_tokens"), max_length=_setting(completions, "max_length"),
        n=_setting(completions, "n"), num_benchmark_problems=expected,
        num_missing=expected - len(completions),
        generation_skipped=[{"name": r["name"], "reason": r["skipped_reason"]}
                            for r in completions if r.get("skipped_reason")],
        translation_skipped=len(meta.get("translation_skipped", [])),
        statuses=dict(sorted(statuses.items())),
        # Status 0 before the tests ran: Failure here, OK in MultiPL-E (docs/deviations.md).
        early_exits=sum(r.get("reason") == EARLY_EXIT for r in executions))
    write_json(files.summary, summary)
    return summary


def _saved_completions(files: LanguageFiles) -> list[dict]:
    """Completion records of the problems in problems.jsonl (the current run's benchmark slice)."""
    if not files.completions.exists():
        raise MpltError(f"{files.completions}: no saved completions; run with --generate-only (or without "
                        "--execute-only) first")
    records = list(read_jsonl(files.completions, skip_partial=True))
    if files.problems.exists():
        wanted = {r["name"] for r in read_jsonl(files.problems)}
        records = [r for r in records if r["name"] in wanted]
    for i, record in enumerate(records):
        missing = [f for f in ("name", "language", "prompt", "tests", "completions") if f not in record]
        if missing:
            raise MpltError(f"{files.completions}: record #{i} lacks {', '.join(missing)}")
    return records


def _check_same_run(files: LanguageFiles, meta: dict) -> None:
    if not files.meta.exists():
        return
    old = read_json(files.meta)
    changed = [k for k in IDENTITY_KEYS if old.get(k, LEGACY_IDENTITY.get(k)) != meta.get(k)]
    if changed:
        raise MpltError(f"{files.root} holds a run with different {', '.join(changed)} "
                        f"({', '.join(f'{k}={old.get(k)!r}' for k in changed)}); use another --out")


def evaluation_precision(config: EvalConfig) -> str:
    """The precision the weights are computed in: "nf4" for a 4-bit base, else the dtype named, or
    under "auto" the one `mplt.models.load` picks for the device ("bfloat16" on a recent GPU); vLLM's
    and a remote server's own "auto" choice is not known here. The `paper` protocol names bfloat16."""
    from mplt.generation.backends import REMOTE
    if config.sampling.backend in REMOTE:
        return "unknown (server)"
    if config.load_in_4bit:
        return "nf4"
    if config.dtype == "auto" and config.sampling.backend in ("vllm", "ray"):
        # vLLM picks from the model's config on a GPU (mplt/generation/backends/vllm.py); ray runs vLLM
        return f"auto ({config.sampling.backend})"
    from mplt.models.load import pick_device
    from mplt.models.precision import compute_dtype
    return str(compute_dtype(config.device or pick_device(), config.dtype)).removeprefix("torch.")


def _finished_ids(path: Path) -> set:
    return {r["id"] for r in read_jsonl(path, skip_partial=True)} if path.exists() else set()


def _setting(records: list[dict], key: str):
    values = {r.get(key) for r in records}
    if len(values) > 1:   # MultiPL-E's pass_k.py refuses mixed temperatures too
        raise MpltError(f"completions mix several {key} values: {sorted(values, key=str)}")
    return values.pop() if values else None


def _generation_report(out: Path, languages: list[str]) -> dict:
    report = {}
    for lang in languages:
        files = language_files(out, lang)
        records = list(read_jsonl(files.completions, skip_partial=True)) if files.completions.exists() else []
        report[lang] = {"language": lang, "completions_file": str(files.completions), "num_problems": len(records),
                        "num_completions": sum(len(r["completions"]) for r in records),
                        "generation_skipped": sum(1 for r in records if r.get("skipped_reason"))}
    return {"out": str(out), "languages": report}
