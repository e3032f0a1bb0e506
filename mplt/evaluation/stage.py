"""The `evaluate` stage (docs/method.md, section 7): base and fine-tuned models on one benchmark
with identical sampling settings and one shared precision, each through `mplt.evaluation.run.evaluate`,
the same entry function that `reproduce.py eval` calls.

Layout: RUN/evaluate/{base,finetuned}/<lang>/... (mplt.evaluation.layout), RUN/evaluate/summary.json.
After a full fine-tune (the `full` preset) every epoch's model is evaluated, as MultiPL-T's trainer
did (docs/method.md, section 5.2): the last one as `finetuned`, the earlier ones as `epoch-N` in
RUN/evaluate/epochs/epoch-N/; the summary's `epochs` lists which variant holds which epoch.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from mplt.config import config_to_dict
from mplt.errors import MpltError
from mplt.evaluation.config import EvaluationSettings
from mplt.io import read_json, write_json
from mplt.langs import get_language
from mplt.pipeline.common import SUMMARY, require_inputs, stage_dir, stage_log, write_summary

VARIANTS = ("base", "finetuned")


@dataclass(frozen=True)
class EvaluateStageConfig(EvaluationSettings):
    """[evaluate]: the settings `reproduce.py eval` shares (mplt.evaluation.config.EvaluationSettings:
    benchmark, benchmark_path, protocol, limit, langs, dtype, n, temperature, ..., workers, timeout_s)
    and the models to compare."""
    variants: tuple[str, ...] = VARIANTS
    base_model: str = ""
    base_revision: str | None = None
    finetuned_model: str = ""               # "" = base model + this run's fine-tuned adapter(s)
    finetuned_revisions: dict[str, str] | None = None   # per language, for released checkpoints
    # None: base and fine-tuned on the precision the adapters were trained on (4-bit when the
    # finetune stage trained on a 4-bit base), full precision for released checkpoints. Both variants
    # always share one precision, so the delta measures fine-tuning, not quantization.
    load_in_4bit: bool | None = None

    def validate(self) -> None:
        if not self.base_model:
            raise MpltError("[evaluate] base_model is required")
        self.check_settings("[evaluate]", "{}")
        bad = [v for v in self.variants if v not in VARIANTS]
        if bad:
            raise MpltError(f"[evaluate] unknown variant(s) {', '.join(bad)}; known: {', '.join(VARIANTS)}")
        for lang in self.langs:
            get_language(lang)



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
            elif (models := _run_epoch_models(run_dir, lang)):
                for position, model in enumerate(models):
                    name = variant if position == len(models) - 1 else epoch_variant(model)
                    groups.setdefault((name, model["path"], None, None), []).append(lang)
                continue
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


def epoch_variant(model: dict) -> str:
    """The variant name of a full fine-tune's model before its last: `epoch-N` (`step-N` for a
    model saved inside an epoch, mplt/training/epochs.py)."""
    return f"epoch-{model['epoch']}" if model.get("complete", True) else f"step-{model['step']}"


def variant_dir(out: Path, variant: str) -> Path:
    return out / variant if variant in VARIANTS else out / "epochs" / variant


def _run_epoch_models(run_dir: Path, lang: str) -> list[dict]:
    """A full fine-tune's models of `lang`, in training order, with absolute paths ([] after LoRA)."""
    models = read_json(Path(run_dir) / "finetune" / SUMMARY).get("models", {}).get(lang) or []
    return [{**m, "path": str(Path(run_dir) / m["path"])} for m in models]


def epoch_table(run_dir: Path, config: EvaluateStageConfig) -> dict[str, list[dict]]:
    """Per language: [{"epoch", "step", "complete", "variant"}] of every evaluated model, last = `finetuned`."""
    if "finetuned" not in config.variants or config.finetuned_model:
        return {}
    table = {}
    for lang in (get_language(x).name for x in config.langs):
        models = _run_epoch_models(run_dir, lang)
        table.update({lang: [{"epoch": m["epoch"], "step": m["step"], "complete": m.get("complete", True),
                              "variant": "finetuned" if i == len(models) - 1 else epoch_variant(m)}
                             for i, m in enumerate(models)]} if models else {})
    return table


def _run_adapter(run_dir: Path, lang: str) -> str | None:
    # the finetune stage is a declared input of these configs (mplt/stages/registry.py), finished
    adapter = read_json(Path(run_dir) / "finetune" / SUMMARY).get("adapters", {}).get(lang)
    return str(Path(run_dir) / adapter) if adapter else None


def run_evaluate(run_dir: Path, config: EvaluateStageConfig, *, progress: bool = True) -> dict:
    """Base and fine-tuned models on the same benchmark with the same sampling settings."""
    from mplt.evaluation.config import EvalConfig
    from mplt.evaluation.protocols import apply_protocol, protocol_record
    from mplt.evaluation.run import evaluate
    config.validate()
    require_inputs(run_dir, "evaluate", config)
    from dataclasses import replace

    from mplt.generation.engine import resolve_sampling
    # "auto" is resolved by the run before its first stage; `reproduce.py stage` resolves it here,
    # before the base model's engine opens, so that vLLM plans the adapters (docs/generation.md).
    config = replace(config, sampling=resolve_sampling(config.sampling))
    out = stage_dir(run_dir, "evaluate")
    with stage_log(run_dir, "evaluate") as log:
        start = time.monotonic()
        write_json(out / "stage_config.json", config_to_dict(config))
        plan = evaluation_plan(run_dir, config)
        four_bit, precision = evaluation_precision(run_dir, config)
        log.info("evaluate: %s", precision)
        results: dict[str, dict] = {v: {} for v in config.variants}
        adapters = [item["adapter"] for item in plan if item.get("adapter")]
        if config.sampling.backend in ("vllm", "ray") and adapters:   # ray: its replicas get the rank
            from mplt.generation.backends import vllm
            vllm.plan_adapters(adapters)   # base and adapters on one engine
        for item in plan:
            if "skipped" in item:
                log.warning("evaluate: %s", item["skipped"])
                continue
            log.info("evaluate %s: %s%s%s on %s", item["variant"], item["model"],
                     f"@{item['revision']}" if item["revision"] else "",
                     f" + {item['adapter']}" if item["adapter"] else "", ",".join(item["langs"]))
            eval_config = EvalConfig(
                **{**config.evaluation_settings(), "langs": item["langs"]},
                model=item["model"], revision=item["revision"], adapter=item["adapter"],
                out=str(variant_dir(out, item["variant"])), load_in_4bit=four_bit,
                tokenizer_fallback=config.base_model if item["model"] != config.base_model else None)
            overall = evaluate(eval_config, progress=progress)
            results.setdefault(item["variant"], {}).update(overall.get("languages", {}))
        for variant, languages in results.items():
            # evaluate() rewrites OUT/summary.json per call; keep every language of the variant in it
            write_json(variant_dir(out, variant) / SUMMARY, {"out": str(variant_dir(out, variant)),
                                                             "languages": languages})
        pass_at_1 = {v: {lang: s.get("pass@1") for lang, s in langs.items()} for v, langs in results.items()}
        early_exits = {v: {lang: s.get("early_exits", 0) for lang, s in langs.items()} for v, langs in results.items()}
        sampling, benchmark, dtype = apply_protocol(config.protocol, config.sampling, config.benchmark, config.dtype)
        summary = {"stage": "evaluate", "benchmark": benchmark, "protocol": config.protocol,
                   "protocol_settings": protocol_record(config.protocol, sampling, benchmark,
                                                        "nf4" if four_bit else dtype),
                   "n": config.sampling.n,
                   "temperature": config.sampling.temperature, "pass@1": pass_at_1, "early_exits": early_exits,
                   "load_in_4bit": four_bit, "precision": precision, "backend": config.sampling.backend,
                   "epochs": epoch_table(run_dir, config),
                   "plan": [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in plan],
                   "seconds": round(time.monotonic() - start, 2)}
        write_summary(out, "evaluate", summary)
    return summary
