"""The registry: every stage a run or `reproduce.py stage NAME` can run, in run order.

`PROFILE_STAGES` are the ones a profile's `[run] stages` may list (and their tables); the
rehearsal's own stages are added by its transform (mplt/rehearsal/profile.py), never by hand.
Each stage's run function, config class and time estimate are `Lazy`: their modules look the
registry up themselves (mplt/stages/contract.py); the screen lines and figures are named directly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mplt.errors import MpltError
from mplt.infill import lesson_report
from mplt.results import stage_figures
from mplt.stages import screen
from mplt.stages.contract import Input, Lazy, Stage
from mplt.stages.summary import ARRAY, BOOLEAN, INTEGER, NUMBER, OBJECT, STRING, STRING_OR_NULL, SummarySchema

# The fields of a stage that keeps or drops items step by step (mplt/results/funnel_figures.py).
FUNNEL_FIELDS = {"funnel": ARRAY, "counts": OBJECT, "dropped": OBJECT}
# A local model built by the `model` stage (smoke) or the rehearsal is read through a config path.
MODEL_INPUT = Input(field="model")


def _estimate(function: str) -> Lazy:
    return Lazy("mplt.run.estimate", function)


def _evaluates_run_adapters(config: Any) -> bool:
    return "finetuned" in config.variants and not config.finetuned_model


_ENTRIES = (
    Stage(name="model",
          run=Lazy("mplt.smoke.model", "run_model"), config=Lazy("mplt.smoke.model", "SmokeModelConfig"),
          summary=SummarySchema({"kind": STRING, "parameters": INTEGER, "vocab_size": INTEGER,
                                 "examples": INTEGER, "steps": INTEGER, "first_epoch_loss": NUMBER,
                                 "final_epoch_loss": NUMBER, "memorised_problems": ARRAY}),
          describe=screen.model_line, figures=stage_figures.stage_funnel_figures),
    Stage(name="rehearse",
          run=Lazy("mplt.rehearsal.standins", "run_rehearse"),
          config=Lazy("mplt.rehearsal.standins", "RehearseConfig"),
          summary=SummarySchema({"kind": STRING, "device": STRING, "dtype": STRING, "stand_in_models": INTEGER,
                                 "models": OBJECT, "data": OBJECT}),
          describe=screen.numbers_line),
    Stage(name="select",
          run=Lazy("mplt.pipeline.select", "run_select"), config=Lazy("mplt.pipeline.select", "SelectConfig"),
          summary=SummarySchema({"source": STRING, "functions": INTEGER, **FUNNEL_FIELDS}),
          describe=screen.select_line, figures=stage_figures.stage_funnel_figures, paper=True),
    Stage(name="testgen",
          run=Lazy("mplt.pipeline.testgen", "run_testgen"), config=Lazy("mplt.pipeline.testgen", "TestgenConfig"),
          summary=SummarySchema({"functions": INTEGER, "assertions_parsed": INTEGER, "assertions_passed": INTEGER,
                                 "assertion_statuses": OBJECT, **FUNNEL_FIELDS}),
          describe=screen.testgen_line, inputs=(Input("select"), MODEL_INPUT),
          figures=stage_figures.stage_funnel_figures, estimate=_estimate("testgen_seconds"),
          paper=True, models=("model",), samples=True),
    Stage(name="add-standin-tests",
          run=Lazy("mplt.rehearsal.standins", "run_add_standin_tests"),
          config=Lazy("mplt.rehearsal.standins", "AddStandinTestsConfig"),
          summary=SummarySchema({"testgen_kept": INTEGER, "added": INTEGER, "functions": ARRAY}),
          describe=screen.numbers_line, inputs=(Input("testgen"),)),
    Stage(name="translate",
          run=Lazy("mplt.pipeline.translate", "run_translate"),
          config=Lazy("mplt.pipeline.translate", "TranslateConfig"),
          summary=SummarySchema({"functions_in": INTEGER, "languages": OBJECT}),
          describe=screen.translate_line, inputs=(Input("testgen"), MODEL_INPUT),
          figures=stage_figures.translate_figures, estimate=_estimate("translate_seconds"),
          paper=True, models=("model",), samples=True),
    Stage(name="dataset",
          run=Lazy("mplt.pipeline.dataset", "run_dataset"), config=Lazy("mplt.pipeline.dataset", "DatasetConfig"),
          summary=SummarySchema({"languages": OBJECT}),
          describe=screen.dataset_line, inputs=(Input("select"), Input("testgen"), Input("translate")),
          figures=stage_figures.dataset_figures, paper=True),
    Stage(name="add-standin-data",
          run=Lazy("mplt.rehearsal.standins", "run_add_standin_data"),
          config=Lazy("mplt.rehearsal.standins", "AddStandinDataConfig"),
          summary=SummarySchema({"standin_items": INTEGER, "languages": OBJECT}),
          describe=screen.numbers_line, inputs=(Input("dataset"),)),
    Stage(name="finetune",
          run=Lazy("mplt.training.stage", "run_finetune"), config=Lazy("mplt.training.stage", "FinetuneStageConfig"),
          summary=SummarySchema({"model": STRING, "revision": STRING_OR_NULL, "preset": STRING, "mix": STRING,
                                 "adapters": OBJECT, "models": OBJECT, "skipped": OBJECT, "documents": OBJECT}),
          describe=screen.finetune_line, inputs=(Input(field="data"), MODEL_INPUT),
          figures=stage_figures.finetune_figures, estimate=_estimate("finetune_seconds"), paper=True,
          by_hand=stage_figures.finetuned_by_hand, models=("model",)),
    Stage(name="evaluate",
          run=Lazy("mplt.evaluation.stage", "run_evaluate"),
          config=Lazy("mplt.evaluation.stage", "EvaluateStageConfig"),
          summary=SummarySchema({"benchmark": STRING, "n": INTEGER, "temperature": NUMBER, "pass@1": OBJECT,
                                 "load_in_4bit": BOOLEAN, "precision": STRING, "plan": ARRAY}),
          describe=screen.evaluate_line,
          inputs=(Input("finetune", when=_evaluates_run_adapters), Input(field="base_model")),
          figures=stage_figures.evaluate_figures, estimate=_estimate("evaluate_seconds"), paper=True,
          by_hand=stage_figures.evaluated_by_hand, models=("base_model", "finetuned_model"), samples=True),
    # CodeGen2's infill lesson (docs/codegen2.md, section B5): two fine-tunes and six evaluations in one stage.
    Stage(name="infill-lesson",
          run=Lazy("mplt.infill.lesson", "run_infill_lesson"), config=Lazy("mplt.infill.lesson", "InfillLessonConfig"),
          summary=SummarySchema({"model": STRING, "language": STRING, "fim_rates": ARRAY, "benchmarks": OBJECT,
                                 "n": INTEGER, "temperature": NUMBER, "load_in_4bit": BOOLEAN, "pass@1": OBJECT,
                                 "deltas": ARRAY}),
          describe=screen.lesson_line, inputs=(Input(field="data"), MODEL_INPUT),
          figures=lesson_report.lesson_figures, models=("model",), samples=True),
    Stage(name="report",
          run=Lazy("mplt.results.stages", "run_report"), config=Lazy("mplt.results.stages", "ReportStageConfig"),
          summary=SummarySchema({"report": STRING, "results": STRING}),
          describe=screen.report_line, always_runs=True),
    Stage(name="check",
          run=Lazy("mplt.results.stages", "run_check"), config=Lazy("mplt.results.stages", "CheckStageConfig"),
          summary=SummarySchema({"passed": BOOLEAN, "expected": STRING, "rows": ARRAY, "failed": ARRAY}),
          describe=screen.check_line, always_runs=True),
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
