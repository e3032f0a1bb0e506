"""The sizing of the `scaled` profile (mplt/run/sizing.py) and the profile that carries its result."""
from __future__ import annotations

from pathlib import Path

import pytest

from mplt.run.profiles import load_profile
from mplt.run.sizing import (ABLATION_ITEMS, PAPER_FUNCTIONS, PAPER_ITEMS, Budget, detectable_gain,
                             format_sizing, items_per_function, size_scaled, verdict)


def test_the_profile_is_the_sizing(tmp_path):
    """Budget() describes the profile, and the profile carries the sizing's result."""
    profile = load_profile("scaled", tmp_path, filter_langs=False)
    tables, budget, sizing = profile.tables, Budget(), size_scaled()
    assert tables["select"]["max_functions"] == sizing.functions
    assert (tables["testgen"]["n"], tables["testgen"]["max_new_tokens"]) == (budget.testgen_samples,
                                                                             budget.testgen_max_new)
    assert (tables["translate"]["n"], tables["translate"]["max_new_tokens"]) == (budget.translate_samples,
                                                                                 budget.translate_max_new)
    assert tuple(tables["translate"]["languages"]) == budget.languages == tuple(tables["evaluate"]["langs"])
    assert tables["evaluate"]["n"] == budget.eval_samples
    by = {x.language: x for x in sizing.languages}
    assert f"~{round(by['lua'].items_in_budget, -1)} Lua and ~{round(by['rkt'].items_in_budget, -1)} Racket" \
        in profile.run.notes
    assert not sizing.moves_pass_at_1 and profile.run.notes.startswith("CANNOT move pass@1")
    assert "python -m mplt.run.sizing" in profile.run.estimate


def test_the_verdict_is_plain_and_the_table_shows_every_stage():
    sizing = size_scaled()
    line = verdict(sizing)
    assert line.startswith("CANNOT move pass@1 beyond sampling noise in 2.5 h")
    assert f"{ABLATION_ITEMS:,} items" in line and f"{PAPER_FUNCTIONS:,}" in line
    text = format_sizing(sizing)
    for part in ("per selected function", "evaluation of base and fine-tuned", "functions that fit",
                 "| rkt |", "| lua |", "ASSUMED"):
        assert part in text
    # the budget is spent: functions, evaluation and the other stages fill it to within one step of 100
    b = sizing.budget
    spent = sizing.functions * sizing.seconds_per_function + sizing.evaluation_hours * 3600 + b.other_minutes * 60
    assert b.hours * 3600 - 100 * sizing.seconds_per_function < spent <= b.hours * 3600


def test_a_budget_large_enough_says_so():
    assert not size_scaled(Budget(hours=24)).moves_pass_at_1
    big = size_scaled(Budget(hours=200))
    assert big.moves_pass_at_1 and verdict(big).startswith("sized to move pass@1")


def test_yields_follow_the_generator_and_the_samples():
    for lang in PAPER_ITEMS:
        assert items_per_function(lang, 10) < items_per_function(lang, 50) < PAPER_ITEMS[lang] / PAPER_FUNCTIONS
    # Racket: the 1B generator passes 0.047 / 0.1177 as often as the 15B one; Python tests half as often
    assert items_per_function("rkt", 50) == pytest.approx(40_510 / 432_361 * 0.5 * 0.047 / 0.1177)


def test_detectable_gain_is_the_sampling_bound():
    # Racket, base 0.047 and 0.0885 after the ablation's third epoch, 161 problems, n = 20
    assert detectable_gain(0.047, 0.0885, 161, 20) == pytest.approx(2.487 * 0.00624, rel=0.01)
    assert size_scaled().noise == pytest.approx(detectable_gain(0.047, 0.0885, 161, 20))


def test_estimate_and_sizing_agree_on_the_hours(tmp_path):
    from mplt.run.estimate import estimate
    seconds, _ = estimate(load_profile("scaled", Path(tmp_path), filter_langs=False))
    sizing = size_scaled()
    # the pre-run estimate leaves out select (part of the sizing's other minutes)
    assert abs(seconds + sizing.budget.other_minutes * 60 - sizing.budget.hours * 3600) < 0.15 * 3600


def test_the_docs_show_the_sizing_as_it_is():
    text = (Path(__file__).resolve().parents[2] / "docs/rehearsal.md").read_text(encoding="utf-8")
    for line in format_sizing(size_scaled()).splitlines():
        assert line.strip() in text, line
