"""The `paper-1b-racket-5k` profile (MultiPL-T's 5k Racket dataset-size ablation): full fine-tuning
settings, its expected results against the published curve, and a CPU rehearsal that trains, saves
each epoch's model and evaluates every one of them (docs/rehearsal.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from mplt.rehearsal.profile import rehearse_profile
from mplt.results.check import binomial_tolerance, load_expected
from mplt.results.published import BASE_1B, RACKET_5K_1B
from mplt.run.profiles import load_profile, resolved_config, stage_config
from tests.rehearsing import rehearse_run

REPO = Path(__file__).resolve().parents[2]
NAME = "paper-1b-racket-5k"


def test_the_profile_fully_fine_tunes_5000_racket_items_for_3_epochs(tmp_path):
    profile = load_profile(NAME, tmp_path, filter_langs=False)
    assert resolved_config(profile)["profile"] == NAME
    cfg = stage_config(profile, "finetune").train_config()
    assert (cfg.finetune, cfg.load_in_4bit, cfg.epochs, cfg.sample_docs, cfg.langs) == ("full", False, 3, 5000, ("rkt",))
    assert (cfg.lr, cfg.micro_batch, cfg.grad_accum, cfg.seq_len, cfg.warmup_steps) == (3e-5, 1, 8, 2048, 10)
    evaluate = stage_config(profile, "evaluate")
    assert evaluate.langs == ("rkt",) and (evaluate.sampling.n, evaluate.sampling.temperature) == (20, 0.2)
    assert "hour" in profile.run.estimate and "estimate" in profile.run.estimate


def test_expected_results_are_the_published_curve_within_sampling_noise():
    figures = load_expected(REPO / "expected_results" / f"{NAME}.json")["figures"]
    for epoch, published in RACKET_5K_1B.items():
        entry = figures[f"pass@1.epoch{epoch}.rkt"]
        assert entry["value"] == pytest.approx(published.value, abs=1e-4)
        assert entry["abs_tol"] == pytest.approx(binomial_tolerance(published.value, 20, 161), abs=1e-4)
    assert [round(p.value, 4) for p in RACKET_5K_1B.values()] == [0.0655, 0.0798, 0.0885]
    assert figures["pass@1.base.rkt"]["value"] == BASE_1B["rkt"].value
    assert figures["claim.finetuned_above_base.rkt"]["claim"] is True
    assert figures["eval.last_epoch.rkt"]["equals"] == 3


def test_the_rehearsal_keeps_the_full_fine_tuning_settings(tmp_path):
    original = load_profile(NAME, tmp_path, filter_langs=False)
    profile = rehearse_profile(original, tmp_path)
    assert profile.run.stages == ("rehearse", "finetune", "evaluate", "report")
    real = stage_config(original, "finetune").train_config()
    rehearsed = stage_config(profile, "finetune").train_config()
    for key in ("finetune", "load_in_4bit", "seq_len", "micro_batch", "grad_accum", "epochs", "lr", "warmup_steps",
                "weight_decay", "max_grad_norm", "scheduler_steps", "last_window", "sample_docs", "seed"):
        assert getattr(rehearsed, key) == getattr(real, key), key
    assert profile.tables["finetune"]["data"] == str(tmp_path / "rehearse" / "multipl-t")


@pytest.mark.slow
def test_rehearsal_trains_and_evaluates_every_epoch(tmp_path):
    run_dir = tmp_path / "run"
    rehearse_run(NAME, run_dir)
    finetune = json.loads((run_dir / "finetune" / "summary.json").read_text())
    assert finetune["adapters"] == {} and [m["epoch"] for m in finetune["models"]["rkt"]] == [1, 2, 3]
    assert not list(run_dir.rglob("adapter_config.json"))
    evaluate = json.loads((run_dir / "evaluate" / "summary.json").read_text())
    assert sorted(evaluate["pass@1"]) == ["base", "epoch-1", "epoch-2", "finetuned"]
    assert [row["variant"] for row in evaluate["epochs"]["rkt"]] == ["epoch-1", "epoch-2", "finetuned"]
    results = json.loads((run_dir / "report" / "results.json").read_text())["figures"]
    assert {f"pass@1.epoch{e}.rkt" for e in (1, 2, 3)} <= set(results)
    assert results["eval.last_epoch.rkt"] == 3 and results["eval.best_epoch.rkt"] in (1, 2, 3)
    report = (run_dir / "report" / "report.md").read_text()
    assert report.startswith("# REHEARSAL") and "pass@1 after each epoch" in report and "optimistic" in report
