"""A stage's resolved config has one name in every stage directory (docs/stages.md, "The stage's
config"), and a run directory written under the earlier names still reads."""
from __future__ import annotations

from dataclasses import dataclass

from mplt.io import read_json, write_json
from mplt.pipeline.common import EARLIER_STAGE_CONFIGS, STAGE_CONFIG, begin_stage, read_stage_config


@dataclass(frozen=True)
class ToyConfig:
    n: int = 3
    name: str = "toy"


def test_begin_stage_writes_the_one_name(tmp_path):
    directory = begin_stage(tmp_path, "select", ToyConfig())
    assert read_json(directory / STAGE_CONFIG) == {"n": 3, "name": "toy"}
    assert not any((directory / name).exists() for name in EARLIER_STAGE_CONFIGS)
    assert read_stage_config(directory) == {"n": 3, "name": "toy"}


def test_an_earlier_versions_names_are_read(tmp_path):
    data_stage = tmp_path / "select"
    write_json(data_stage / "config.json", {"n": 1})
    assert read_stage_config(data_stage) == {"n": 1}
    # The model stage's directory: its config was build_config.json, config.json is the model's own.
    model_stage = tmp_path / "model"
    write_json(model_stage / "config.json", {"model_type": "llama"})
    write_json(model_stage / "build_config.json", {"n": 2})
    assert read_stage_config(model_stage) == {"n": 2}
    begin_stage(tmp_path, "model", ToyConfig(n=4))      # a rerun by this version: its name wins
    assert read_stage_config(model_stage) == {"n": 4, "name": "toy"}
    assert read_stage_config(tmp_path / "never-ran") is None
