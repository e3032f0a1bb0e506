"""The `infill-lesson` stage: CodeGen2's "infill is not a free lunch" (docs/codegen2.md, sections A.6
and B5), measured on a MultiPL-T fine-tune.

One base model is fine-tuned on one MultiPL-T language once per `fim_rates` entry (0: plain causal
LM, MultiPL-T's own recipe; 0.5: half of the documents span-corrupted in the model's infill format,
mplt/infill/transform.py, the mix CodeGen2 reportedly used); then the base and every fine-tuned
model are evaluated with one sampling config on (a) the left-to-right benchmark in that language
(MultiPL-E HumanEval) and (b) an infilling benchmark (HumanEval single-line infilling, Python,
mplt/benchmarks/humaneval_infilling.py). The summary holds each pass@1 and the paired deltas with
their 95 % intervals (mplt/results/stats.py): what the infill mix cost left-to-right and what it
bought for infilling, each against the `fim_rate = 0` fine-tune and against the base model.

Layout: RUN/infill-lesson/finetune/fim-<percent>/<lang>/adapter, RUN/infill-lesson/evaluate/<model>/<benchmark>/
(the `eval` layout: <lang>/results.jsonl, summary.json), summary.json last. Every part resumes: an
exported adapter is not trained again and evaluation resumes from its completion files.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.config import config_to_dict, flat
from mplt.errors import MpltError
from mplt.execution.limits import check_timeout
from mplt.generation.config import SamplingConfig
from mplt.io import read_jsonl, write_json
from mplt.models.load import check_dtype
from mplt.pipeline.common import stage_dir, stage_log, write_summary

STAGE = "infill-lesson"
BASE = "base"
STATS_SEED = 0


def model_name(rate: float) -> str:
    """The name of the model fine-tuned at `rate` in tables, figure names and paths, in percent of
    documents span-corrupted: `fim-0`, `fim-50` (no dot, which figure names use as a separator)."""
    return f"fim-{round(rate * 100)}"


@dataclass(frozen=True)
class InfillLessonConfig:
    model: str = ""                         # base model: registry key, Hub id or directory
    revision: str | None = None
    preset: str = "qlora"                   # mplt.training.config.PRESETS
    data: str = ""                          # MultiPL-T: Hub dataset id or local copy
    data_revision: str = "main"
    langs: tuple[str, ...] = ("lua",)       # exactly one MultiPL-T language (a list: runs and rehearsals filter it)
    fim_rates: tuple[float, ...] = (0.0, 0.5)
    settings: dict[str, Any] | None = None  # TrainConfig fields over the preset, as [finetune.settings]
    benchmark: str = "multipl-e"            # left-to-right, in `langs`
    benchmark_path: str | None = None     # local copy of the left-to-right benchmark (docs/benchmarks.md)
    infill_benchmark: str = "humaneval-infilling-single"
    infill_benchmark_path: str | None = None   # local copy of the infilling benchmark (else the pinned download)
    # The infilling benchmark's own sample count and budget (None: the sampling config's): 1,033 tasks
    # make n = 20 costly, and a single-line middle needs far fewer than 512 tokens.
    infill_n: int | None = None
    infill_max_new_tokens: int | None = None
    limit: int | None = None                # first K problems of each benchmark
    dtype: str = "auto"
    sampling: SamplingConfig = flat(SamplingConfig())
    workers: int | None = None
    timeout_s: float | None = None

    def validate(self) -> None:
        from mplt.benchmarks import get_benchmark
        from mplt.langs import get_language
        if not self.model:
            raise MpltError(f"[{STAGE}] model is required")
        if len(self.langs) != 1:
            raise MpltError(f"[{STAGE}] langs names exactly one MultiPL-T language, got {list(self.langs)}")
        get_language(self.langs[0])
        names = {model_name(r) for r in self.fim_rates}
        if len(names) != len(self.fim_rates) or len(names) < 2 or 0.0 not in self.fim_rates:
            raise MpltError(f"[{STAGE}] fim_rates needs 0 and at least one other distinct rate, got "
                            f"{list(self.fim_rates)}")
        get_benchmark(self.benchmark)
        get_benchmark(self.infill_benchmark)
        self.infill_sampling()
        check_dtype(f"[{STAGE}]", self.dtype)
        check_timeout(self.timeout_s, f"[{STAGE}] timeout_s")
        for rate in self.fim_rates:
            self.train_config(rate)

    def infill_sampling(self) -> SamplingConfig:
        """The sampling config of the infilling benchmark (checked like any other)."""
        import dataclasses
        changes = {k: v for k, v in (("n", self.infill_n), ("max_new_tokens", self.infill_max_new_tokens))
                   if v is not None}
        try:
            return dataclasses.replace(self.sampling, **changes)
        except MpltError as e:
            raise MpltError(f"[{STAGE}] infill_{e}") from None

    def train_config(self, rate: float):
        from mplt.training.config import resolve_config
        overrides = {**(self.settings or {}), "model": self.model, "revision": self.revision, "data": (self.data,),
                     "data_revision": self.data_revision, "mix": "separate", "langs": tuple(self.langs),
                     "fim_rate": rate}
        return resolve_config(self.preset, overrides=overrides)


def run_infill_lesson(run_dir: Path, config: InfillLessonConfig, *, progress: bool = True) -> dict:
    """Fine-tune once per fim rate, evaluate base and fine-tuned models on both benchmarks, compare."""
    config.validate()
    out = stage_dir(run_dir, STAGE)
    with stage_log(run_dir, STAGE) as log:
        start = time.monotonic()
        write_json(out / "stage_config.json", config_to_dict(config))
        lang = config.langs[0]
        models = {BASE: None}
        four_bit = False
        for rate in config.fim_rates:
            cfg = config.train_config(rate)
            four_bit = four_bit or (cfg.load_in_4bit and not cfg.full)
            models[model_name(rate)] = _finetune(cfg, out / "finetune" / model_name(rate), lang, log, progress)
        benchmarks = {"left_to_right": (config.benchmark, lang), "infilling": (config.infill_benchmark, "py")}
        scores: dict[str, dict[str, dict[str, float]]] = {}
        pass_at_1: dict[str, dict[str, float | None]] = {}
        for name, weights in models.items():
            for kind, (benchmark, benchmark_lang) in benchmarks.items():
                log.info("%s: %s on %s (%s)", STAGE, name, benchmark, benchmark_lang)
                per_problem = _evaluate(config, weights, benchmark, benchmark_lang, four_bit,
                                        out / "evaluate" / name / benchmark, progress)
                scores.setdefault(name, {})[kind] = per_problem
                pass_at_1.setdefault(name, {})[kind] = (sum(per_problem.values()) / len(per_problem)
                                                        if per_problem else None)
        summary = {"stage": STAGE, "model": config.model, "language": lang,
                   "fim_rates": list(config.fim_rates),
                   "benchmarks": {k: {"benchmark": b, "language": bl} for k, (b, bl) in benchmarks.items()},
                   "n": config.sampling.n, "infill_n": config.infill_sampling().n,
                   "temperature": config.sampling.temperature,
                   "load_in_4bit": four_bit, "pass@1": pass_at_1, "deltas": compare(scores, config.fim_rates),
                   "seconds": round(time.monotonic() - start, 2)}
        write_summary(out, STAGE, summary)
    return summary


def compare(scores: dict[str, dict[str, dict[str, float]]], rates) -> list[dict]:
    """Paired deltas on each benchmark: every infill fine-tune against the `fim_rate = 0` one (the
    cost or gain of the infill mix), and every fine-tune against the base model."""
    from mplt.results.stats import paired_delta
    plain = model_name(0.0)
    pairs = [(plain, model_name(r)) for r in rates if r != 0.0] + [(BASE, model_name(r)) for r in rates]
    rows = []
    for reference, model in pairs:
        for kind in ("left_to_right", "infilling"):
            before, after = scores[reference][kind], scores[model][kind]
            row = {"benchmark": kind, "reference": reference, "model": model}
            try:
                result = paired_delta(before, after, seed=STATS_SEED)
            except MpltError as e:   # nothing scored for one of them: say so in the table
                rows.append({**row, "delta": None, "low": None, "high": None, "p_value": None, "problems": 0,
                             "note": str(e)})
                continue
            rows.append({**row, "delta": result.delta, "low": result.low, "high": result.high,
                         "p_value": result.p_value, "problems": result.problems})
    return rows


def _finetune(cfg, out: Path, lang: str, log, progress: bool) -> dict:
    """Train (or reuse) the adapter of one fim rate: {"model": ..., "adapter": ...} to evaluate."""
    from mplt.training.jobs import finetune_jobs, load_training_documents
    from mplt.training.stage import epoch_paths
    documents, skipped = load_training_documents(cfg)
    if lang in skipped:
        raise MpltError(f"[{STAGE}] no training documents for {lang}: {skipped[lang]}")
    log.info("%s: fine-tuning %s at fim_rate %g into %s", STAGE, cfg.model, cfg.fim_rate, out)
    [outcome] = finetune_jobs(cfg, out, progress=progress, documents=documents)
    if cfg.full:   # the model after the last epoch (mplt/training/epochs.py)
        last = epoch_paths(outcome.job.out, out)[-1]
        return {"model": str(out / last["path"]), "adapter": None}
    return {"model": cfg.model, "adapter": str(outcome.job.out / "adapter")}


def _evaluate(config: InfillLessonConfig, weights: dict | None, benchmark: str, lang: str, four_bit: bool,
              out: Path, progress: bool) -> dict[str, float]:
    """pass@1 per problem of one model on one benchmark, through the `eval` entry function."""
    from mplt.evaluation.config import EvalConfig
    from mplt.evaluation.layout import language_files
    from mplt.evaluation.run import evaluate
    model = weights["model"] if weights else config.model
    infill = benchmark == config.infill_benchmark
    evaluate(EvalConfig(model=model, revision=config.revision if model == config.model else None,
                        adapter=weights["adapter"] if weights else None, out=str(out), langs=(lang,),
                        benchmark=benchmark, limit=config.limit,
                        benchmark_path=config.infill_benchmark_path if infill else config.benchmark_path,
                        load_in_4bit=four_bit, dtype=config.dtype, workers=config.workers,
                        timeout_s=config.timeout_s,
                        sampling=config.infill_sampling() if infill else config.sampling,
                        tokenizer_fallback=config.model if model != config.model else None),
             progress=progress)
    return {r["name"]: r["pass@1"] for r in read_jsonl(language_files(str(out), lang).results) if "pass@1" in r}
