"""What a stage is: one registry entry (docs/stages.md).

An entry holds its parts directly (the screen line, the figures) where their modules do not
import the registry back, and by a `Lazy` reference, imported on use, where they do: a stage's own
module looks its entry up (`require_inputs`), so naming it directly would close an import cycle
(tests/test_import_cycles.py). Listing the stages imports neither torch nor the stages' modules.
Every stage runs as `run(run_dir, config, *, progress) -> summary`, reads only the outputs of its
declared inputs and writes `summary.json` last (a stage with a summary is finished).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection

from mplt.errors import MpltError
from mplt.stages.summary import SUMMARY, SummarySchema


@dataclass(frozen=True)
class Lazy:
    """A part named by its module and attribute, imported when first used."""
    module: str
    attribute: str

    def resolve(self) -> Any:
        return getattr(importlib.import_module(self.module), self.attribute)


def resolve(part: Any) -> Any:
    """A part of an entry, imported if it is `Lazy`."""
    return part.resolve() if isinstance(part, Lazy) else part


@dataclass(frozen=True)
class Input:
    """An earlier stage whose files this stage reads: `stage` always, or, with `field`, the stage
    whose directory `RUN/<stage>/` holds the path in that config field (the smoke profile's
    `model = "{run}/model"`; a Hub id or an outside directory is no input). `when(config)` limits
    either to the configs that read it."""
    stage: str = ""
    field: str = ""
    when: Callable[[Any], bool] | None = None

    def needed(self, run_dir: Path, config: Any) -> str | None:
        if config is not None and self.when is not None and not self.when(config):
            return None
        if not self.field:
            return self.stage
        value = getattr(config, self.field, None) if config is not None else None
        if not isinstance(value, str) or not value:
            return None
        try:
            inside = Path(value).resolve().relative_to(Path(run_dir).resolve())
        except ValueError:
            return None
        return inside.parts[0] if inside.parts else None


@dataclass(frozen=True)
class Stage:
    name: str
    run: Lazy                               # run_<stage>(run_dir, config, *, progress) -> summary
    config: Lazy                            # the <Stage>Config class, read from the profile's [<name>]
    summary: SummarySchema
    describe: Callable[[dict], str]         # the stage's line on the run's screen, from its summary
    inputs: tuple[Input, ...] = ()
    figures: Callable[..., None] | None = None     # (figures, name): adds the stage's results figures
    estimate: Lazy | None = None            # (work) -> (seconds, what): its line of the time estimate
    always_runs: bool = False               # reads the other stages' files only: run every time
    paper: bool = False                     # one of the paper's six: listed in the results even when absent
    by_hand: Callable[[Path], bool] | None = None  # (directory): outputs written by the stage's own
                                            # command, without a stage summary, count as done
    models: tuple[str, ...] = ()            # config fields that name a model (a rehearsal substitutes them)
    samples: bool = False                   # samples from a model with the SamplingConfig keys (n, dtype, ...)

    def load(self) -> tuple[Callable[..., dict], type]:
        return resolve(self.run), resolve(self.config)

    def line(self, summary: dict) -> str:
        return self.describe(summary)

    def input_stages(self, run_dir: Path, config: Any = None) -> list[str]:
        found = (i.needed(run_dir, config) for i in self.inputs)
        return list(dict.fromkeys(s for s in found if s and s != self.name))

    def require_inputs(self, run_dir: Path, config: Any = None, *, stages: Collection[str]) -> dict[str, Path]:
        """The directories of the stages this one reads; an unfinished one is a one-line error.
        `stages`: the registry's stage names (passed in: the registry imports this module)."""
        dirs = {}
        for stage in self.input_stages(run_dir, config):
            if stage not in stages:
                continue     # a path under the run directory that no stage owns
            directory = Path(run_dir) / stage
            if not (directory / SUMMARY).exists():
                raise MpltError(f"missing input {directory / SUMMARY}: the {stage} stage has not finished "
                                f"(run `reproduce.py stage {stage}` first)")
            dirs[stage] = directory
        return dirs
