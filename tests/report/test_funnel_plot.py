"""funnel.png: function counts and program counts on separate panels, each falling step by step."""
from __future__ import annotations

import json
from pathlib import Path

from mplt.langs import TARGETS
from mplt.results.plots import log_ticks, plot_funnel, split_funnel_steps

REPO = Path(__file__).resolve().parents[2]
STEPS = ["functions_in", "with_tests", "with_coverage", "translatable", "with_pass", "passing_programs",
         "no_todo", "unique", "not_near_duplicate", "items_out"]


def smoke_funnels() -> dict:
    figures = json.loads((REPO / "expected_results" / "smoke.json").read_text())["figures"]
    table: dict = {}
    for name, spec in figures.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "funnel" and parts[1] in TARGETS and parts[2] in STEPS and "value" in spec:
            table.setdefault(parts[1], {})[parts[2]] = spec["value"]
    return {lang: {s: counts[s] for s in STEPS if s in counts} for lang, counts in table.items()}


def test_each_panel_of_the_smoke_funnel_is_monotone():
    table = smoke_funnels()
    assert table
    functions, programs = split_funnel_steps(STEPS)
    assert functions[-1] == "with_pass" and programs[0] == "passing_programs"
    for lang, counts in table.items():
        for steps in (functions, programs):
            values = [counts[s] for s in steps if s in counts]
            assert values == sorted(values, reverse=True), (lang, steps, values)
        assert counts["passing_programs"] > counts["with_pass"]     # why one axis misled


def test_funnel_png_has_two_panels_with_plain_log_ticks(tmp_path):
    import matplotlib.image
    out = plot_funnel({"tables": {"funnel_by_language": smoke_funnels()}}, tmp_path / "funnel.png")
    height, width = matplotlib.image.imread(out).shape[:2]
    assert width > 2 * height
    assert log_ticks(12, 25) == [10.0, 20.0, 30.0]
    assert log_ticks(3, 2000) == [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]
    assert split_funnel_steps(["functions_in", "with_pass"]) == (["functions_in", "with_pass"], [])
