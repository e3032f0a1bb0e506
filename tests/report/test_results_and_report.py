"""Collecting figures from a run directory and writing the report (on fabricated fixture data)."""
from __future__ import annotations

import json
import shutil

import pytest

from mplt.cli import main
from mplt.results.collect import collect_results
from mplt.results.report import SMOKE_BANNER, write_report
from run_fixture import build_run, write_expected

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_collects_stable_figure_names(fabricated_run):
    results = collect_results(fabricated_run)
    f = results["figures"]
    assert results["profile"] == "smoke"
    assert f["duration.finetune_s"] == 95.0
    assert results["stages"] == {s: "done" for s in
                                 ("select", "testgen", "translate", "dataset", "finetune", "evaluate")}
    assert f["funnel.select.functions"] == 30 and f["funnel.select.documents"] == 100
    # testgen hands on its `functions` count (with_coverage), not its last step (typed)
    assert f["funnel.testgen.functions"] == 20 and f["funnel.testgen.typed"] == 17
    # language aliases (racket, ocaml) become the registry keys; dataset's funnel wins over translate's
    assert f["funnel.lua.items_out"] == 15 and f["funnel.rkt.items_out"] == 7
    assert f["funnel.ml.translatable"] == 17 and f["funnel.ml.with_passing"] == 4
    assert f["funnel.rkt.with_pass"] == 6  # from translate's flat per-language counts
    assert not any("completions" in k for k in f)  # sample counts are not funnel steps
    assert f["pass@1.base.lua"] == 0.20 and f["pass@1.finetuned.lua"] == 0.30
    assert f["eval.finetuned.rkt.n"] == 10 and f["eval.base.ml.num_problems"] == 18
    assert f["pass@1.delta.lua"] == pytest.approx(0.10)
    # "above base" needs the paired test over problems (tests/report/run_fixture.py: exact p = 1/512)
    assert f["pass@1.delta_p.lua"] == pytest.approx(1 / 512) and f["eval.paired.lua.problems"] == 18
    assert f["pass@1.delta_low.lua"] < 0.10 < f["pass@1.delta_high.lua"]
    assert f["claim.finetuned_above_base.lua"] is True
    # Racket's fine-tuned figure is higher, but on one problem only: not significant, not claimed
    assert f["pass@1.finetuned.rkt"] > f["pass@1.base.rkt"] and f["pass@1.delta_p.rkt"] == 0.5
    assert f["claim.finetuned_above_base.rkt"] is False
    assert f["claim.finetuned_above_base.ml"] is False
    assert f["eval.base.ml.sampling_se"] == pytest.approx((18 * 0.1 * 0.9 / 9) ** 0.5 / 18)
    assert f["finetune.first_loss"] == 3.0 and f["finetune.final_loss"] == 1.6
    assert f["finetune.final_eval_loss"] == pytest.approx(1.7) and f["finetune.steps"] == 6
    assert f["claim.loss_decreased"] is True
    assert f["finetune.initial_eval_loss"] == pytest.approx(3.2) and f["claim.eval_loss_decreased"] is True
    assert f["duration.testgen_s"] == 12.0
    assert results["meta"]["evaluation"]["base"]["lua"]["revision"] == "fixture"
    assert results["meta"]["seeds"] == {"select": 0, "finetune": 1}
    assert results["meta"]["models"][0]["revision"] == "local"
    assert results["problems"] == []


def test_missing_stages_are_not_run_and_do_not_crash(tmp_path):
    run = build_run(tmp_path / "run", evaluate=False)
    shutil.rmtree(run / "finetune")
    shutil.rmtree(run / "dataset")
    (run / "translate" / "summary.json").unlink()
    (run / "translate" / "items.jsonl").write_text("")
    (run / "testgen" / "summary.json").write_text("{torn")
    results = collect_results(run)
    assert results["stages"]["evaluate"] == "not run"
    assert results["stages"]["finetune"] == "not run"
    assert results["stages"]["translate"] == "incomplete"
    assert not any(k.startswith(("pass@", "finetune.", "funnel.lua")) for k in results["figures"])
    report = write_report(run)["report"].read_text()
    assert "Not run (no evaluation summaries" in report
    assert "Not run (no `metrics.jsonl`" in report
    assert "## Collection notes" in report and "testgen/summary.json: unreadable" in report
    assert not list((run / "report").glob("*.png"))  # nothing to plot, no empty plots


def test_unreadable_summary_is_a_note_not_a_crash(fabricated_run):
    (fabricated_run / "select" / "summary.json").write_text("{not json")
    results = collect_results(fabricated_run)
    assert "funnel.select.functions" not in results["figures"]
    assert any("select/summary.json" in p for p in results["problems"])


@pytest.fixture(scope="module")
def reported_run(tmp_path_factory):
    """One fabricated run, reported once (plots take seconds on a loaded 2-core machine)."""
    tmp = tmp_path_factory.mktemp("reported")
    run = build_run(tmp / "run")
    expected = write_expected(tmp / "exp.json", {
        "funnel.lua.items_out": {"value": 15, "abs_tol": 0, "source": "fixture"},
        "pass@1.base.jl": {"min": 0, "source": "fixture"}})
    write_report(run, expected)
    return run


def test_report_files_and_sections(reported_run):
    out = reported_run / "report"
    report = (out / "report.md").read_text()
    assert SMOKE_BANNER in report  # the smoke profile says its numbers check the machinery only
    for heading in ("## What ran", "## Data funnel", "## Fine-tuning", "## pass@1",
                    "## Check against expected results"):
        assert heading in report
    assert "| lua | 0.2 | 0.3 | +0.1000 | 0.121 | 0.1727 | 18 problems × n=10 |" in report
    assert ("* lua: Δ = +0.1000, 95 % interval [+0.0488, +0.1512], one-sided p = 0.0020 over 18 problems: "
            "**above base**") in report
    assert "* rkt: Δ = +0.0500, 95 % interval [-0.0555, +0.1555], one-sided p = 0.5000 over 18 problems: " \
           "not above base" in report
    assert "| r |" not in report  # only languages that were evaluated
    assert "| machine | Linux-x86_64, Fixture CPU |" in report and "| seeds | select 0, finetune 1 |" in report
    assert "| lua | true | Lua 5.4.4 | /usr/bin/lua5.4 |" in report  # toolchains
    assert "| /run/model | local | – | local directory |" in report  # models with revisions
    assert "| note | fabricated test fixture" in report  # unknown keys still shown
    assert "* **Why this profile:** chosen by the test" in report
    assert "* **Languages dropped (toolchain missing):** jl" in report
    assert "| finetune | done | 1.6 min |" in report
    assert "| finetune.seed | 1 |" in report
    assert "experiments/lua_full_1b/results.csv" in report  # published numbers carry their source
    assert "| with_passing | 12 | 6 | 4 |" in report  # the per-language funnel table
    for png in ("pass_at_1.png", "funnel.png", "loss.png"):
        data = (out / png).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
        assert f"]({png})" in report
    saved = json.loads((out / "results.json").read_text())
    assert saved["figures"]["funnel.lua.items_out"] == 15
    assert saved["format"] == "mplt-results/1"


def test_report_includes_check_table(reported_run):
    report = (reported_run / "report" / "report.md").read_text()
    assert "**FAIL** (1 of 2 figures)" in report
    assert "**Check: FAIL** (1 of 2 expected figures as expected; outside or missing: pass@1.base.jl" in report
    assert "| pass@1.base.jl | in [0, +inf] | (not in this run) | MISSING | fixture |" in report
    check = json.loads((reported_run / "report" / "check.json").read_text())
    assert check["passed"] is False and len(check["rows"]) == 2


def test_report_without_expected_file_says_not_checked(tmp_path):
    run = build_run(tmp_path / "run", evaluate=False)
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "profile": "my-own-profile"}))
    shutil.rmtree(run / "finetune")
    shutil.rmtree(run / "dataset")
    report = write_report(run)["report"].read_text()
    assert "Not checked: no expected results for profile 'my-own-profile'" in report
    assert SMOKE_BANNER not in report


def test_report_cli(tmp_path, capsys):
    run = build_run(tmp_path / "run", evaluate=False)
    shutil.rmtree(run / "finetune")
    assert main(["report", "--run-dir", str(run)]) == 0
    assert "report.md" in capsys.readouterr().out
    assert main(["report", "--run-dir", str(tmp_path / "nowhere")]) == 2
    assert "no such run directory" in capsys.readouterr().err


def test_without_per_problem_results_above_base_is_not_claimed(tmp_path):
    run = build_run(tmp_path / "run")
    for path in (run / "evaluate").rglob("results.jsonl"):
        path.unlink()
    results = collect_results(run)
    assert results["figures"]["pass@1.delta.lua"] == pytest.approx(0.10)
    assert not any(k.startswith("claim.finetuned_above_base") for k in results["figures"])
    assert any("lua: no per-problem results" in p for p in results["problems"])


def test_a_problem_scored_for_one_model_only_is_left_out_and_noted(tmp_path):
    run = build_run(tmp_path / "run")
    path = run / "evaluate" / "finetuned" / "lua" / "results.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    results = collect_results(run)
    assert results["figures"]["eval.paired.lua.problems"] == 17
    assert any("lua: 1 problem(s) scored for one model only" in p for p in results["problems"])


def test_the_scaled_report_says_what_its_data_budget_can_show(tmp_path):
    from mplt.run.sizing import size_scaled, verdict
    report = write_report(build_run(tmp_path / "run", profile="scaled"))["report"].read_text()
    assert f"> **Sizing: this profile {verdict(size_scaled())}.**" in report
    assert "CANNOT move pass@1 beyond sampling noise" in report
