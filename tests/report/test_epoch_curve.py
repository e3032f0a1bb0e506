"""A full fine-tune's epochs: the evaluate stage plans one evaluation per epoch's model, the collector
turns them into a curve with the last and the best epoch, and the report shows it (with the published
curve for paper-1b-racket-5k) and says that the best epoch on the test set is optimistic."""
from __future__ import annotations

from pathlib import Path

from mplt.evaluation.stage import EvaluateStageConfig, epoch_table, evaluation_plan
from mplt.io import write_json
from mplt.results.report import write_report


def write_finetune(run: Path, epochs: int) -> None:
    models = [{"epoch": e, "step": 37 * e, "complete": True, "path": f"finetune/rkt/epochs/epoch-{e}"}
              for e in range(1, epochs + 1)]
    write_json(run / "finetune" / "summary.json", {"stage": "finetune", "adapters": {}, "models": {"rkt": models}})


def write_scores(directory: Path, value: float) -> None:
    write_json(directory / "rkt" / "summary.json", {"language": "rkt", "pass@1": value, "num_problems": 161,
                                                    "n": 20, "temperature": 0.2,
                                                    "protocol": "paper", "precision": "bfloat16",
                                                    "comparable_with": "multipl-e-humaneval"})


def test_every_epoch_is_planned_the_last_as_finetuned(tmp_path):
    write_finetune(tmp_path, 3)
    config = EvaluateStageConfig(base_model="base", langs=("rkt",))
    plan = [item for item in evaluation_plan(tmp_path, config) if "variant" in item]
    assert [(i["variant"], Path(i["model"]).name, i["adapter"]) for i in plan] == [
        ("base", "base", None), ("epoch-1", "epoch-1", None), ("epoch-2", "epoch-2", None),
        ("finetuned", "epoch-3", None)]
    assert [r["variant"] for r in epoch_table(tmp_path, config)["rkt"]] == ["epoch-1", "epoch-2", "finetuned"]


def test_the_report_shows_the_curve_the_last_and_the_best_epoch(tmp_path):
    run = tmp_path / "run"
    write_finetune(run, 3)
    write_json(run / "config.json", {"profile": "paper-1b-racket-5k"})
    write_scores(run / "evaluate" / "base", 0.05)
    write_scores(run / "evaluate" / "epochs" / "epoch-1", 0.07)
    write_scores(run / "evaluate" / "epochs" / "epoch-2", 0.09)
    write_scores(run / "evaluate" / "finetuned", 0.08)
    epochs = {"rkt": [{"epoch": 1, "step": 37, "complete": True, "variant": "epoch-1"},
                      {"epoch": 2, "step": 74, "complete": True, "variant": "epoch-2"},
                      {"epoch": 3, "step": 111, "complete": True, "variant": "finetuned"}]}
    write_json(run / "evaluate" / "summary.json", {"stage": "evaluate", "epochs": epochs})
    out = write_report(run)
    figures = out["results_data"]["figures"]
    assert [figures[f"pass@1.epoch{e}.rkt"] for e in (1, 2, 3)] == [0.07, 0.09, 0.08]
    assert (figures["eval.last_epoch.rkt"], figures["eval.best_epoch.rkt"], figures["pass@1.best_epoch.rkt"]) == (3, 2, 0.09)
    assert figures["pass@1.finetuned.rkt"] == 0.08
    # without per-problem results no paired test ran, so "above base" is not claimed (mplt/results/stats.py)
    assert "claim.finetuned_above_base.rkt" not in figures
    report = out["report"].read_text()
    assert "pass@1 after each epoch" in report and "optimistic" in report
    assert "last epoch 3: 0.08; best epoch 2: 0.09" in report
    assert "0.06553" in report and "5k_results_all_results.csv" in report     # the published curve beside ours
    assert (out["report"].parent / "epochs.png").exists()
    rows = {r.name: r.verdict for r in out["rows"]}
    assert rows["pass@1.epoch2.rkt"] == "pass" and rows["eval.last_epoch.rkt"] == "pass"
