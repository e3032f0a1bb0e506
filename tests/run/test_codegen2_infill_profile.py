"""The `codegen2-infill` profile (CodeGen2's infill lesson, docs/codegen2.md section B5): its settings,
its expected results (sanity ranges, no published figure), the rehearsal transform of its one stage,
and a CPU rehearsal that runs every stage and reports the table (docs/rehearsal.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from mplt.errors import MpltError
from mplt.infill.lesson import InfillLessonConfig, model_name
from mplt.rehearsal.profile import RehearsalLimits, rehearse_profile
from mplt.results.check import load_expected
from mplt.run.profiles import load_profile, resolved_config, stage_config
from tests.rehearsing import rehearse_run

REPO = Path(__file__).resolve().parents[2]
NAME = "codegen2-infill"


def test_the_profile_fine_tunes_codegen2_at_two_fim_rates(tmp_path):
    profile = load_profile(NAME, tmp_path, filter_langs=False)
    assert resolved_config(profile)["profile"] == NAME and profile.run.needs_gpu
    config = stage_config(profile, "infill-lesson")
    assert config.model == "codegen2-1b" and config.langs == ("lua",) and config.fim_rates == (0.0, 0.5)
    plain, mixed = (config.train_config(rate) for rate in config.fim_rates)
    assert (plain.fim_rate, mixed.fim_rate, mixed.fim_format) == (0.0, 0.5, "auto")   # the model's own format
    assert {k: getattr(plain, k) for k in ("lr", "epochs", "seq_len", "sample_docs", "load_in_4bit")} == \
           {k: getattr(mixed, k) for k in ("lr", "epochs", "seq_len", "sample_docs", "load_in_4bit")}
    assert config.infill_benchmark == "humaneval-infilling-single" and config.benchmark == "multipl-e"
    assert config.sampling.backend == "hf" and "hour" in profile.run.estimate


def test_expected_results_are_sanity_ranges_not_published_figures():
    expected = load_expected(REPO / "expected_results" / f"{NAME}.json")
    assert "not compared with a published figure" in expected["description"].lower()
    for name, entry in expected["figures"].items():
        assert "value" not in entry and "claim" not in entry, name


@pytest.mark.parametrize("change, message", [({"fim_rates": (0.5, 0.25)}, "fim_rates needs 0"),
                                             ({"langs": ("lua", "rkt")}, "exactly one"),
                                             ({"infill_n": 0}, "infill_n must be >= 1"),
                                             ({"infill_benchmark": "nope"}, "unknown benchmark")])
def test_bad_settings_are_one_line(change, message):
    with pytest.raises(MpltError, match=message):
        InfillLessonConfig(model="codegen2-1b", data="d", **change).validate()


def test_the_rehearsal_keeps_the_settings_and_substitutes_models_data_and_benchmarks(tmp_path):
    original = load_profile(NAME, tmp_path, filter_langs=False)
    profile = rehearse_profile(original, tmp_path)
    assert profile.run.stages == ("rehearse", "infill-lesson", "report")
    table, before = profile.tables["infill-lesson"], original.tables["infill-lesson"]
    stand_in = profile.tables["rehearse"]["models"]["codegen2-1b"]
    assert table["model"] == stand_in
    assert table["data"] == profile.tables["rehearse"]["multipl_t"] == str(tmp_path / "rehearse" / "multipl-t")
    assert table["benchmark_path"] == profile.tables["rehearse"]["multipl_e"]
    assert table["infill_benchmark_path"] == profile.tables["rehearse"]["infilling"]
    limits = RehearsalLimits()
    assert (table["n"], table["infill_n"], table["limit"]) == (limits.samples, limits.samples, limits.problems)
    for key in ("fim_rates", "langs", "benchmark", "infill_benchmark", "temperature", "top_p", "backend", "seed",
                "infill_max_new_tokens"):
        assert table[key] == before[key], key
    settings = table["settings"]
    assert settings["lora_targets"] == ["qkv_proj", "out_proj", "fc_in", "fc_out"]   # the registry's, written out
    assert {k: v for k, v in settings.items() if k not in ("lora_targets", "compute_dtype")} == before["settings"]


def test_the_stand_in_tokenizer_holds_the_masks_span_corruption_needs(tmp_path):
    from mplt.rehearsal.standins import _sentinels
    from mplt.training.config import resolve_config
    spans = resolve_config("qlora", overrides={"model": "m", "data": ("d",)}).fim_max_spans
    assert {f"<mask_{k}>" for k in range(1, spans + 1)} | {"<sep>", "<eom>"} <= set(_sentinels(["codegen2-1b"]))


def test_model_names_are_percentages():
    assert [model_name(r) for r in (0.0, 0.5, 0.25)] == ["fim-0", "fim-50", "fim-25"]


@pytest.mark.slow
def test_rehearsal_runs_every_stage_and_reports_the_table(tmp_path):
    run_dir = tmp_path / "run"
    proc = rehearse_run(NAME, run_dir)
    assert "Traceback" not in proc.stderr
    summary = json.loads((run_dir / "infill-lesson" / "summary.json").read_text())
    assert sorted(summary["pass@1"]) == ["base", "fim-0", "fim-50"]
    assert all(set(kinds) == {"left_to_right", "infilling"} for kinds in summary["pass@1"].values())
    readme = (run_dir / "infill-lesson" / "finetune" / "fim-50" / "lua" / "README.md").read_text()
    assert "rate 0.5" in readme and " 0 of " not in readme        # span corruption ran in the stand-in's format
    completions = run_dir / "infill-lesson" / "evaluate" / "fim-50" / "humaneval-infilling-single" / "py"
    records = [json.loads(line) for line in (completions / "completions.jsonl").read_text().splitlines()]
    assert records and all("suffix" in r for r in records)
    report = (run_dir / "report" / "report.md").read_text()
    assert report.startswith("# REHEARSAL") and "CodeGen2's infill lesson" in report
    assert "| left-to-right | fim-50 − fim-0 |" in report and "| infilling | fim-50 − fim-0 |" in report
    assert "## pass@1\n" not in report          # no empty left-to-right section beside the lesson's table
