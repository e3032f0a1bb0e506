"""The registry: every stage a run or `reproduce.py stage NAME` can run, in run order.

`PROFILE_STAGES` are the ones a profile's `[run] stages` may list (and their tables); the
rehearsal's own stages are added by its transform (mplt/rehearsal/profile.py), never by hand.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mplt.errors import MpltError
from mplt.stages.contract import Input, Stage
from mplt.stages.summary import SummarySchema

S, I, N, B, O, A = ("string",), ("integer",), ("number",), ("boolean",), ("object",), ("array",)
FUNNEL = {"funnel": A, "counts": O, "dropped": O}
SCREEN = "mplt.stages.screen"
FIGURES = "mplt.results.stage_figures"
ESTIMATE = "mplt.run.estimate"
# A local model built by the `model` stage (smoke) or the rehearsal is read through a config path.
MODEL_INPUT = Input(field="model")


def _evaluates_run_adapters(config: Any) -> bool:
    return "finetuned" in config.variants and not config.finetuned_model


_ENTRIES = (
    Stage("model", "mplt.smoke.model:run_model", "mplt.smoke.model:SmokeModelConfig",
          SummarySchema({"kind": S, "parameters": I, "vocab_size": I, "examples": I, "steps": I,
                         "first_epoch_loss": N, "final_epoch_loss": N, "memorised_problems": A}),
          f"{SCREEN}:model_line", figures=f"{FIGURES}:stage_funnel_figures"),
    Stage("rehearse", "mplt.rehearsal.standins:run_rehearse", "mplt.rehearsal.standins:RehearseConfig",
          SummarySchema({"kind": S, "device": S, "dtype": S, "stand_in_models": I, "models": O, "data": O}),
          f"{SCREEN}:numbers_line"),
    Stage("select", "mplt.pipeline.select:run_select", "mplt.pipeline.select:SelectConfig",
          SummarySchema({"source": S, "functions": I, **FUNNEL}),
          f"{SCREEN}:select_line", figures=f"{FIGURES}:stage_funnel_figures", paper=True),
    Stage("testgen", "mplt.pipeline.testgen:run_testgen", "mplt.pipeline.testgen:TestgenConfig",
          SummarySchema({"functions": I, "assertions_parsed": I, "assertions_passed": I,
                         "assertion_statuses": O, **FUNNEL}),
          f"{SCREEN}:testgen_line", (Input("select"), MODEL_INPUT), f"{FIGURES}:stage_funnel_figures",
          f"{ESTIMATE}:testgen_seconds", paper=True, models=("model",), samples=True),
    Stage("add-standin-tests", "mplt.rehearsal.standins:run_add_standin_tests",
          "mplt.rehearsal.standins:AddStandinTestsConfig",
          SummarySchema({"testgen_kept": I, "added": I, "functions": A}),
          f"{SCREEN}:numbers_line", (Input("testgen"),)),
    Stage("translate", "mplt.pipeline.translate:run_translate", "mplt.pipeline.translate:TranslateConfig",
          SummarySchema({"functions_in": I, "languages": O}),
          f"{SCREEN}:translate_line", (Input("testgen"), MODEL_INPUT), f"{FIGURES}:translate_figures",
          f"{ESTIMATE}:translate_seconds", paper=True, models=("model",), samples=True),
    Stage("dataset", "mplt.pipeline.dataset:run_dataset", "mplt.pipeline.dataset:DatasetConfig",
          SummarySchema({"languages": O}),
          f"{SCREEN}:dataset_line", (Input("select"), Input("testgen"), Input("translate")),
          f"{FIGURES}:dataset_figures", paper=True),
    Stage("add-standin-data", "mplt.rehearsal.standins:run_add_standin_data", "mplt.rehearsal.standins:AddStandinDataConfig",
          SummarySchema({"standin_items": I, "languages": O}),
          f"{SCREEN}:numbers_line", (Input("dataset"),)),
    Stage("finetune", "mplt.training.stage:run_finetune", "mplt.training.stage:FinetuneStageConfig",
          SummarySchema({"model": S, "revision": ("string", "null"), "preset": S, "mix": S, "adapters": O, "models": O,
                         "skipped": O, "documents": O}),
          f"{SCREEN}:finetune_line", (Input(field="data"), MODEL_INPUT), f"{FIGURES}:finetune_figures",
          f"{ESTIMATE}:finetune_seconds", paper=True, by_hand=f"{FIGURES}:finetuned_by_hand", models=("model",)),
    Stage("evaluate", "mplt.evaluation.stage:run_evaluate", "mplt.evaluation.stage:EvaluateStageConfig",
          SummarySchema({"benchmark": S, "n": I, "temperature": N, "pass@1": O, "load_in_4bit": B,
                         "precision": S, "plan": A}),
          f"{SCREEN}:evaluate_line",
          (Input("finetune", when=_evaluates_run_adapters), Input(field="base_model")),
          f"{FIGURES}:evaluate_figures", f"{ESTIMATE}:evaluate_seconds", paper=True,
          by_hand=f"{FIGURES}:evaluated_by_hand", models=("base_model", "finetuned_model"), samples=True),
    # CodeGen2's infill lesson (docs/codegen2.md, section B5): two fine-tunes and six evaluations in one stage.
    Stage("infill-lesson", "mplt.infill.lesson:run_infill_lesson", "mplt.infill.lesson:InfillLessonConfig",
          SummarySchema({"model": S, "language": S, "fim_rates": A, "benchmarks": O, "n": I, "temperature": N,
                         "load_in_4bit": B, "pass@1": O, "deltas": A}),
          "mplt.infill.lesson:lesson_line", (Input(field="data"), MODEL_INPUT),
          "mplt.infill.lesson_report:lesson_figures", models=("model",), samples=True),
    Stage("report", "mplt.results.stages:run_report", "mplt.results.stages:ReportStageConfig",
          SummarySchema({"report": S, "results": S}), f"{SCREEN}:report_line", always_runs=True),
    Stage("check", "mplt.results.stages:run_check", "mplt.results.stages:CheckStageConfig",
          SummarySchema({"passed": B, "expected": S, "rows": A, "failed": A}), f"{SCREEN}:check_line",
          always_runs=True),
)
STAGES: dict[str, Stage] = {entry.name: entry for entry in _ENTRIES}
REHEARSAL_STAGES = ("rehearse", "add-standin-tests", "add-standin-data")
PROFILE_STAGES = tuple(name for name in STAGES if name not in REHEARSAL_STAGES)


def get_stage(name: str) -> Stage:
    if name not in STAGES:
        raise MpltError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    return STAGES[name]


def build_config(name: str, table: dict[str, Any] | None, where: str = ""):
    """The stage's frozen config from its TOML table (unknown keys and wrong types are errors,
    named with `where`), checked by its own `validate` where the config has one."""
    from mplt.config import config_from_dict
    _, config_class = get_stage(name).load()
    config = config_from_dict(config_class, table, where=f"{where + ' ' if where else ''}[{name}]")
    check = getattr(config, "validate", None)
    if callable(check):
        check()
    return config


def run_stage(name: str, run_dir, table: dict[str, Any] | None = None, *, progress: bool = True,
              source: str = "") -> dict:
    """Build the stage's config, require its finished inputs and run it (`reproduce.py stage`)."""
    entry = get_stage(name)
    config = build_config(name, table, source)
    entry.require_inputs(Path(run_dir), config, stages=STAGES)
    run, _ = entry.load()
    return run(run_dir, config, progress=progress)
