"""The pipeline's stages by name: `reproduce.py stage NAME` and `reproduce.py run` look them up
here. Each entry names the module, the run function `run_<stage>(run_dir, config, *,
progress) -> summary` and the frozen config class read from the TOML table `[<name>]`.
Modules are imported on use, so listing the stages stays cheap."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Stage:
    name: str
    module: str
    run_function: str
    config_class: str
    after: tuple[str, ...] = ()    # stages whose outputs this one reads

    def load(self) -> tuple[Callable[..., dict], type]:
        module = importlib.import_module(self.module)
        return getattr(module, self.run_function), getattr(module, self.config_class)


STAGES: dict[str, Stage] = {
    "select": Stage("select", "mplt.pipeline.select", "run_select", "SelectConfig"),
    "testgen": Stage("testgen", "mplt.pipeline.testgen", "run_testgen", "TestgenConfig", ("select",)),
    "translate": Stage("translate", "mplt.pipeline.translate", "run_translate", "TranslateConfig",
                       ("testgen",)),
    "dataset": Stage("dataset", "mplt.pipeline.dataset", "run_dataset", "DatasetConfig", ("translate",)),
    # The run's later stages (mplt/run/stages.py), so `reproduce.py stage` runs them too.
    "finetune": Stage("finetune", "mplt.run.stages", "run_finetune", "FinetuneStageConfig", ("dataset",)),
    "evaluate": Stage("evaluate", "mplt.run.stages", "run_evaluate", "EvaluateStageConfig", ("finetune",)),
    "report": Stage("report", "mplt.run.stages", "run_report", "ReportStageConfig", ("evaluate",)),
    "check": Stage("check", "mplt.run.stages", "run_check", "CheckStageConfig", ("report",)),
}


def run_stage(name: str, run_dir, table: dict[str, Any] | None = None, *, progress: bool = True,
              source: str = "") -> dict:
    """Build the stage's config from its TOML table (unknown keys and wrong types are errors, named
    with `source`, the profile file) and run it."""
    from mplt.config import config_from_dict
    from mplt.errors import MpltError
    if name not in STAGES:
        raise MpltError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    run, config_class = STAGES[name].load()
    config = config_from_dict(config_class, table, where=f"{source + ' ' if source else ''}[{name}]")
    return run(run_dir, config, progress=progress)
