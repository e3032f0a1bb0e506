"""Each stage's figures for the report and the check (the registry entry's `figures`), read from
its files into the shared `Figures`. Names: expected_results/README.md. A stage that did not run
adds nothing; a file that cannot be read becomes a problem in the report (mplt/results/readers.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mplt.results.funnel_figures import collect_funnel
from mplt.results.readers import DURATION_KEYS, VARIANTS, is_number, read_json_lenient
from mplt.stages.summary import SUMMARY


@dataclass
class Figures:
    """What the collector gathers from one run directory."""
    run_dir: Path
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self, stage: str) -> dict | None:
        path = self.run_dir / stage / SUMMARY
        summary = read_json_lenient(path, self.problems) if path.exists() else None
        return summary if isinstance(summary, dict) else None


def _data_stage(out: Figures, stage: str, *, by_language: bool = False, whole_funnel: bool = False) -> None:
    summary = out.summary(stage)
    if summary is None:
        return
    collect_funnel(stage, summary, out.figures, out.tables, out.run_dir / stage / SUMMARY,
                   by_language=by_language, whole_funnel=whole_funnel)
    duration = next((summary[k] for k in DURATION_KEYS if is_number(summary.get(k))), None)
    if duration is not None:
        out.figures[f"duration.{stage}_s"] = duration
    for key in ("model", "revision", "seed"):
        if summary.get(key) is not None and not isinstance(summary[key], (dict, list)):
            out.meta.setdefault("stages", {}).setdefault(stage, {})[key] = summary[key]


def stage_funnel_figures(out: Figures, stage: str) -> None:
    """`funnel.<stage>.<step>` and the duration (model, select, testgen)."""
    _data_stage(out, stage)


def translate_figures(out: Figures, stage: str) -> None:
    """Per-language funnel steps `funnel.<lang>.<step>`, merged into the dataset's."""
    _data_stage(out, stage, by_language=True)


def dataset_figures(out: Figures, stage: str) -> None:
    """The whole per-language funnel, in order, ending at `funnel.<lang>.items_out`."""
    _data_stage(out, stage, by_language=True, whole_funnel=True)


def _duration(out: Figures, stage: str) -> dict | None:
    summary = out.summary(stage)
    if summary is not None and is_number(summary.get("seconds")):
        out.figures[f"duration.{stage}_s"] = summary["seconds"]
    return summary


def finetune_figures(out: Figures, stage: str) -> None:
    """Loss figures from every `metrics.jsonl`, also of a fine-tune written by hand."""
    from mplt.results.model_figures import collect_finetune
    _duration(out, stage)
    if (out.run_dir / stage).is_dir():
        collect_finetune(out.run_dir / stage, out.figures, out.tables, out.problems)


def evaluate_figures(out: Figures, stage: str) -> None:
    """pass@k per variant and language, the precision sentence, and fine-tuned - base: the delta, its
    interval and the paired test over problems (mplt/results/model_figures.py, `compare_variants`)."""
    from mplt.results.model_figures import collect_evaluation, compare_variants, problem_scores
    summary = _duration(out, stage)
    if summary is not None and isinstance(summary.get("precision"), str):
        out.meta["evaluate_precision"] = summary["precision"]
    scores = {}
    for variant in VARIANTS:
        directory = out.run_dir / stage / variant
        if directory.is_dir():
            collect_evaluation(variant, directory, out.figures, out.meta, out.problems)
            scores[variant] = problem_scores(directory, out.problems)
    if summary is not None and isinstance(summary.get("epochs"), dict) and summary["epochs"]:
        from mplt.results.model_figures import collect_epoch_curves
        collect_epoch_curves(out.run_dir / stage, summary["epochs"], out.figures, out.tables, out.meta, out.problems)
    compare_variants(out.figures, scores, out.problems)


def finetuned_by_hand(directory: Path) -> bool:
    """`reproduce.py finetune` into a run directory: an exported model card, no stage summary."""
    return any(directory.rglob("README.md"))


def evaluated_by_hand(directory: Path) -> bool:
    """`reproduce.py eval` into a run directory: a variant's summary, no stage summary."""
    return any((directory / v / SUMMARY).exists() for v in VARIANTS)
