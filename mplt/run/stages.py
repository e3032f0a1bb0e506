"""The run's stages beyond the data pipeline: `model` (smoke only), `finetune`, `evaluate` (base and
fine-tuned with identical settings), `report` and `check`, each as `run_<stage>(run_dir, config, *,
progress) -> summary` like the pipeline's stages, with a frozen config read from the profile's table.

Run-directory layout (read by `mplt/run/results.py`):
    RUN/finetune/<lang>/{adapter/, metrics.jsonl, checkpoints/, README.md}   (mix = "separate")
    RUN/finetune/{adapter/, ...}                                              (mix = "interleave")
    RUN/evaluate/{base,finetuned}/<lang>/...   (mplt.evaluation layout), RUN/evaluate/summary.json
Each writes `summary.json` last; a stage with a summary is finished.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.config import config_to_dict
from mplt.errors import MpltError
from mplt.io import read_json, write_json
from mplt.langs import TARGETS, get_language
from mplt.models.load import check_dtype
from mplt.pipeline.common import SUMMARY, stage_dir, stage_log
from mplt.pipeline.registry import STAGES, Stage

VARIANTS = ("base", "finetuned")


@dataclass(frozen=True)
class FinetuneStageConfig:
    preset: str = "qlora"                   # mplt.training.config.PRESETS
    model: str = ""                         # base model: registry key, Hub id or directory
    revision: str | None = None
    data: str = ""                          # the dataset stage's directory, a JSONL, or a Hub dataset id
    data_revision: str = "main"
    langs: tuple[str, ...] = TARGETS
    mix: str = "separate"                   # one adapter per language (the paper), or "interleave"
    settings: dict[str, Any] | None = None  # TrainConfig fields over the preset: [finetune.settings]

    def train_config(self, langs: tuple[str, ...] | None = None):
        from mplt.training.config import resolve_config
        overrides = {**(self.settings or {}), "model": self.model, "revision": self.revision,
                     "data": (self.data,), "data_revision": self.data_revision, "mix": self.mix,
                     "langs": tuple(langs if langs is not None else self.langs)}
        return resolve_config(self.preset, overrides=overrides)

    def validate(self) -> None:
        self.train_config()


@dataclass(frozen=True)
class EvaluateStageConfig:
    benchmark: str = "multipl-e"            # mplt.benchmarks: multipl-e | humaneval | mini
    humaneval_path: str | None = None
    multipl_e_path: str | None = None
    limit: int | None = None
    langs: tuple[str, ...] = TARGETS
    variants: tuple[str, ...] = VARIANTS
    base_model: str = ""
    base_revision: str | None = None
    finetuned_model: str = ""               # "" = base model + this run's fine-tuned adapter(s)
    finetuned_revisions: dict[str, str] | None = None   # per language, for released checkpoints
    # None: base and fine-tuned on the precision the adapters were trained on (4-bit when the
    # finetune stage trained on a 4-bit base), full precision for released checkpoints. Both variants
    # always share one precision, so the delta measures fine-tuning, not quantization.
    load_in_4bit: bool | None = None
    dtype: str = "auto"                     # mplt.models.precision.DTYPE_NAMES; smoke: float64 (docs/determinism.md)
    n: int = 20
    temperature: float = 0.2
    top_p: float = 0.95
    max_new_tokens: int = 512
    batch_size: int = 16
    seed: int = 0
    workers: int | None = None
    timeout_s: float | None = None

    def validate(self) -> None:
        if not self.base_model:
            raise MpltError("[evaluate] base_model is required")
        check_dtype("[evaluate]", self.dtype)
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad:
            raise MpltError(f"[evaluate] unknown variant(s) {', '.join(bad)}; known: {', '.join(VARIANTS)}")
        for lang in self.langs:
            get_language(lang)


@dataclass(frozen=True)
class ReportStageConfig:
    expected: str = ""                      # expected-results JSON ("" = expected_results/<profile>.json)


@dataclass(frozen=True)
class CheckStageConfig:
    expected: str = ""


def stage_entry(name: str) -> Stage:
    """The pipeline's registry (which lists finetune/evaluate/report/check too) plus `model`."""
    if name in RUN_STAGES:
        return RUN_STAGES[name]
    if name in STAGES:
        return STAGES[name]
    raise MpltError(f"unknown stage {name!r}; known: {', '.join([*RUN_STAGES, *STAGES])}")


# `model` builds the smoke profile's tiny model; only the run knows it (it is not a pipeline stage).
RUN_STAGES: dict[str, Stage] = {
    "model": Stage("model", "mplt.run.smoke", "run_model", "SmokeModelConfig"),
    # A rehearsal's own stages (mplt/run/rehearse.py): stand-in models and data, added by its transform.
    "rehearse": Stage("rehearse", "mplt.run.standins", "run_rehearse", "RehearseConfig"),
    "add-standin-tests": Stage("add-standin-tests", "mplt.run.standins", "run_add_standin_tests",
                               "AddStandinTestsConfig", ("testgen",)),
    "add-standin-data": Stage("add-standin-data", "mplt.run.standins", "run_add_standin_data",
                              "AddStandinDataConfig", ("dataset",)),
}


def run_finetune(run_dir: Path, config: FinetuneStageConfig, *, progress: bool = True) -> dict:
    """One LoRA/QLoRA fine-tune per language (or one interleaved), resumable from its checkpoints;
    a language whose adapter was exported by an earlier run is not trained again."""
    from mplt.training.data import load_documents
    from mplt.training.loop import finetune
    out = stage_dir(run_dir, "finetune")
    with stage_log(run_dir, "finetune") as log:
        start = time.monotonic()
        base_cfg = config.train_config()
        write_json(out / "stage_config.json", config_to_dict(config))
        documents, skipped = [], {}
        for lang in config.langs:   # a language without items is skipped (and not evaluated fine-tuned)
            try:
                documents += [d for d in load_documents(config.data, (lang,), config.data_revision, base_cfg.max_docs)]
            except MpltError as e:
                skipped[lang] = str(e)
                log.warning("finetune %s: skipped: %s", lang, e)
        skipped.update({d.language: "no training items" for d in documents if not d.texts})
        documents = [d for d in documents if d.texts]
        if not documents:
            reasons = "; ".join(f"{lang}: {why}" for lang, why in skipped.items())
            raise MpltError(f"[finetune] no training items in {config.data} ({reasons})")
        jobs = [(out / d.language, [d]) for d in documents] if config.mix == "separate" else [(out, documents)]
        adapters = {}
        for job_out, docs in jobs:
            langs = tuple(d.language for d in docs)
            if (job_out / "adapter" / "adapter_config.json").exists() and (job_out / "README.md").exists():
                log.info("finetune %s: adapter already exported, skipped", ",".join(langs))
            else:
                log.info("finetune %s: %d documents", ",".join(langs), sum(len(d.texts) for d in docs))
                finetune(config.train_config(langs), job_out, docs, show_progress=progress)
            for lang in langs:   # relative to the run directory, so a copied run stays whole
                adapters[lang] = str((job_out / "adapter").relative_to(Path(run_dir)))
        summary = {"stage": "finetune", "model": config.model, "revision": config.revision, "preset": config.preset,
                   "mix": config.mix, "adapters": adapters, "skipped": skipped,
                   "documents": {d.language: len(d.texts) for d in documents},
                   "seconds": round(time.monotonic() - start, 2)}
        write_json(out / SUMMARY, summary)
    return summary


def evaluation_plan(run_dir: Path, config: EvaluateStageConfig) -> list[dict]:
    """One evaluation per (variant, model, revision, adapter), each covering the languages it serves."""
    langs = tuple(get_language(lang).name for lang in config.langs)
    groups: dict[tuple, list[str]] = {}
    skipped = []
    for variant in config.variants:
        for lang in langs:
            if variant == "base":
                key = (variant, config.base_model, config.base_revision, None)
            elif config.finetuned_model:
                revision = (config.finetuned_revisions or {}).get(lang)
                key = (variant, config.finetuned_model, revision, None)
            else:
                adapter = _run_adapter(run_dir, lang)
                if adapter is None:
                    skipped.append({"variant": variant, "language": lang, "reason": "no fine-tuned adapter"})
                    continue
                key = (variant, config.base_model, config.base_revision, adapter)
            groups.setdefault(key, []).append(lang)
    plan = [{"variant": v, "model": m, "revision": r, "adapter": a, "langs": tuple(ls)}
            for (v, m, r, a), ls in groups.items()]
    return plan + [{"skipped": s} for s in skipped]


def evaluation_precision(run_dir: Path, config: EvaluateStageConfig) -> tuple[bool, str]:
    """(load in 4-bit?, one sentence for the report) shared by the base and fine-tuned evaluation."""
    trained_4bit = None
    if not config.finetuned_model and "finetuned" in config.variants:
        flags = {read_json(p).get("load_in_4bit") for p in Path(run_dir, "finetune").glob("**/finetune_config.json")}
        trained_4bit = True in flags
    if config.load_in_4bit is not None:
        four_bit, why = config.load_in_4bit, "set in [evaluate] load_in_4bit"
    elif trained_4bit is not None:
        four_bit, why = trained_4bit, "the precision the adapters were trained on"
    else:
        four_bit, why = False, "released checkpoints are full-precision models"
    what = "the 4-bit NF4 base" if four_bit else "the full-precision base (bf16/fp16 on GPU, fp32 on CPU)"
    if trained_4bit is not None and four_bit != trained_4bit:
        why += f"; WARNING: the adapters were trained on a {'4-bit' if trained_4bit else 'full-precision'} base"
    return four_bit, f"base and fine-tuned both evaluated on {what} ({why})"


def _run_adapter(run_dir: Path, lang: str) -> str | None:
    summary_path = Path(run_dir) / "finetune" / SUMMARY
    if not summary_path.exists():
        raise MpltError("missing input: the finetune stage has not finished (run it first, or set "
                        "[evaluate] finetuned_model)")
    adapter = read_json(summary_path).get("adapters", {}).get(lang)
    return str(Path(run_dir) / adapter) if adapter else None


def run_evaluate(run_dir: Path, config: EvaluateStageConfig, *, progress: bool = True) -> dict:
    """Base and fine-tuned models on the same benchmark with the same sampling settings."""
    from mplt.evaluation.config import EvalConfig
    from mplt.evaluation.run import evaluate
    config.validate()
    out = stage_dir(run_dir, "evaluate")
    with stage_log(run_dir, "evaluate") as log:
        start = time.monotonic()
        write_json(out / "stage_config.json", config_to_dict(config))
        plan = evaluation_plan(run_dir, config)
        four_bit, precision = evaluation_precision(run_dir, config)
        log.info("evaluate: %s", precision)
        results: dict[str, dict] = {v: {} for v in config.variants}
        for item in plan:
            if "skipped" in item:
                log.warning("evaluate: %s", item["skipped"])
                continue
            log.info("evaluate %s: %s%s%s on %s", item["variant"], item["model"],
                     f"@{item['revision']}" if item["revision"] else "",
                     f" + {item['adapter']}" if item["adapter"] else "", ",".join(item["langs"]))
            eval_config = EvalConfig(
                model=item["model"], revision=item["revision"], adapter=item["adapter"],
                out=str(out / item["variant"]), langs=item["langs"], benchmark=config.benchmark,
                humaneval_path=config.humaneval_path, multipl_e_path=config.multipl_e_path, limit=config.limit,
                load_in_4bit=four_bit, dtype=config.dtype, n=config.n, temperature=config.temperature,
                top_p=config.top_p,
                max_new_tokens=config.max_new_tokens, batch_size=config.batch_size, seed=config.seed,
                workers=config.workers, timeout_s=config.timeout_s,
                tokenizer_fallback=config.base_model if item["model"] != config.base_model else None)
            overall = evaluate(eval_config, progress=progress)
            results[item["variant"]].update(overall.get("languages", {}))
        for variant, languages in results.items():
            # evaluate() rewrites OUT/summary.json per call; keep every language of the variant in it
            write_json(out / variant / SUMMARY, {"out": str(out / variant), "languages": languages})
        pass_at_1 = {v: {lang: s.get("pass@1") for lang, s in langs.items()} for v, langs in results.items()}
        summary = {"stage": "evaluate", "benchmark": config.benchmark, "n": config.n,
                   "temperature": config.temperature, "pass@1": pass_at_1,
                   "load_in_4bit": four_bit, "precision": precision,
                   "plan": [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in plan],
                   "seconds": round(time.monotonic() - start, 2)}
        write_json(out / SUMMARY, summary)
    return summary


def run_report(run_dir: Path, config: ReportStageConfig, *, progress: bool = True) -> dict:
    from mplt.run.report import write_report
    with stage_log(run_dir, "report"):
        written = write_report(run_dir, config.expected or None)
    return {"stage": "report", "report": str(written["report"]), "results": str(written["results"]),
            **{k: v for k, v in written.items() if isinstance(v, (str, int, float, bool))}}


def run_check(run_dir: Path, config: CheckStageConfig, *, progress: bool = True) -> dict:
    """Expected vs got per figure; `passed` decides the run's exit code."""
    from mplt.run.check import check_run, rows_to_json
    from mplt.run.results import collect_results, write_results
    with stage_log(run_dir, "check"):
        results = collect_results(run_dir)
        expected_path, rows = check_run(results, config.expected or None)
        out_dir = Path(run_dir) / "report"
        out_dir.mkdir(parents=True, exist_ok=True)
        write_results(results, out_dir)
        passed = all(r.ok for r in rows)
        write_json(out_dir / "check.json", {"expected": str(expected_path), "rows": rows_to_json(rows),
                                             "passed": passed})
    return {"stage": "check", "passed": passed, "expected": str(expected_path), "rows": rows,
            "failed": [dataclasses.asdict(r) for r in rows if not r.ok]}
