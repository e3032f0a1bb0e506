"""The stage registry: every part of every entry resolves, inputs are enforced with one line, and
the summary schema rejects what it should."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from mplt.errors import MpltError
from mplt.run.profiles import DEFAULT_STAGES, STAGE_ORDER
from mplt.stages.contract import Lazy, resolve
from mplt.stages.registry import STAGES, get_stage
from mplt.stages.seal import check_summary, json_schema, seal_summary
from mplt.stages.summary import SCHEMA

REPO = Path(__file__).resolve().parents[2]


def test_every_entry_resolves_and_reads_only_earlier_stages():
    order = list(STAGES)
    for name, entry in STAGES.items():
        run, config_class = entry.load()
        assert callable(run) and isinstance(config_class, type), name
        for ref in (entry.describe, entry.figures, entry.estimate, entry.by_hand):
            assert ref is None or callable(resolve(ref)), (name, ref)
        for inp in entry.inputs:
            if inp.stage:
                assert order.index(inp.stage) < order.index(name), (name, inp.stage)


def test_every_lazy_reference_resolves():
    """Every `Lazy` part of every entry, whichever field holds it, names something that exists."""
    lazy = [(name, field.name, getattr(entry, field.name)) for name, entry in STAGES.items()
            for field in dataclasses.fields(entry) if isinstance(getattr(entry, field.name), Lazy)]
    assert {field for _, field, _ in lazy} >= {"run", "config", "estimate"}
    for name, field, ref in lazy:
        assert callable(ref.resolve()), (name, field, ref)
    with pytest.raises(AttributeError):
        Lazy("mplt.stages.screen", "no_such_line").resolve()


def test_listing_the_stages_imports_no_stage_module():
    """The registry names the stages' modules lazily: importing it loads none of them (nor torch)."""
    lazy_modules = sorted({part.module for entry in STAGES.values() for part in vars(entry).values()
                           if isinstance(part, Lazy)})
    probe = f"import sys, mplt.stages.registry; print([m for m in {lazy_modules!r} + ['torch'] if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_profiles_list_the_registry_in_its_order():
    assert STAGE_ORDER[0] == "model" and STAGE_ORDER[-2:] == ("report", "check")
    assert DEFAULT_STAGES == ("select", "testgen", "translate", "dataset", "finetune", "evaluate", "report", "check")
    assert not {"rehearse", "add-standin-tests", "add-standin-data"} & set(STAGE_ORDER)


def test_inputs_follow_the_config(tmp_path):
    from mplt.evaluation.stage import EvaluateStageConfig
    from mplt.pipeline.testgen import TestgenConfig
    from mplt.training.stage import FinetuneStageConfig
    run = tmp_path / "run"
    assert get_stage("testgen").input_stages(run, TestgenConfig(model=str(run / "model"))) == ["select", "model"]
    assert get_stage("testgen").input_stages(run, TestgenConfig(model="starcoderbase-1b")) == ["select"]
    assert get_stage("finetune").input_stages(run, FinetuneStageConfig(data="nuprl/MultiPL-T")) == []
    assert get_stage("finetune").input_stages(run, FinetuneStageConfig(data=str(run / "dataset"))) == ["dataset"]
    released = EvaluateStageConfig(base_model="m", finetuned_model="nuprl/MultiPL-T-StarCoderBase_1b")
    assert get_stage("evaluate").input_stages(run, released) == []
    assert get_stage("evaluate").input_stages(run, EvaluateStageConfig(base_model=str(run / "model"))) == \
        ["finetune", "model"]
    (run / "select").mkdir(parents=True)
    (run / "select" / "summary.json").write_text("{}")
    with pytest.raises(MpltError, match=r"the model stage has not finished \(run `reproduce.py stage model` first"):
        get_stage("testgen").require_inputs(run, TestgenConfig(model=str(run / "model")), stages=STAGES)


def test_stage_command_names_the_missing_input(tmp_path):
    out = subprocess.run([sys.executable, "reproduce.py", "stage", "dataset", "--run-dir", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        f"error: missing input {tmp_path / 'select' / 'summary.json'}: the select stage has not finished "
        "(run `reproduce.py stage select` first)")


def test_summary_schema_rejects_missing_and_mistyped_fields():
    good = seal_summary("select", {"source": "dir", "functions": 3, "funnel": [], "counts": {}, "dropped": {}},
                        seconds=1.234)
    assert good["schema"] == SCHEMA and good["seconds"] == 1.23 and good["stage"] == "select"
    with pytest.raises(MpltError, match=r"\[select\] summary does not follow .*functions missing"):
        check_summary("select", {k: v for k, v in good.items() if k != "functions"})
    with pytest.raises(MpltError, match="functions is bool, expected integer"):
        check_summary("select", {**good, "functions": True})
    with pytest.raises(MpltError, match="seconds missing"):
        check_summary("select", {k: v for k, v in good.items() if k != "seconds"})
    with pytest.raises(MpltError, match="stage is 'testgen'"):
        check_summary("select", {**good, "stage": "testgen"})
    schema = json_schema("evaluate")
    assert schema["properties"]["stage"] == {"const": "evaluate"} and "pass@1" in schema["required"]


def test_every_stage_has_a_screen_line():
    for name, entry in STAGES.items():
        assert isinstance(entry.line({"stage": name, "seconds": 1.0}), str), name
    assert get_stage("select").line({"functions": 25, "counts": {"functions": 41}}) == "25 functions kept of 41 found"
    assert get_stage("check").line({"passed": False, "failed": [1, 2]}).startswith("FAIL (2")
