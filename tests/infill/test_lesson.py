"""The infill lesson's comparison, figures and report table (mplt/infill/lesson.py, lesson_report.py)
on per-problem scores written here: the deltas are paired over problems, each with its interval."""
from __future__ import annotations

import pytest

from mplt.infill.lesson import compare
from mplt.infill.lesson_report import TABLE, lesson_figures, section_infill_lesson
from mplt.io import write_json
from mplt.results.stage_figures import Figures
from mplt.results.stats import paired_delta

SCORES = {   # model -> benchmark -> problem -> pass@1
    "base": {"left_to_right": {"a": 0.2, "b": 0.0, "c": 0.5}, "infilling": {"x": 0.0, "y": 0.1, "z": 0.0}},
    "fim-0": {"left_to_right": {"a": 0.4, "b": 0.1, "c": 0.6}, "infilling": {"x": 0.1, "y": 0.1, "z": 0.0}},
    "fim-50": {"left_to_right": {"a": 0.3, "b": 0.1, "c": 0.5}, "infilling": {"x": 0.6, "y": 0.4, "z": 0.5}},
}


def test_compare_pairs_every_fine_tune_with_the_plain_one_and_the_base():
    rows = compare(SCORES, (0.0, 0.5))
    pairs = {(r["model"], r["reference"], r["benchmark"]) for r in rows}
    assert pairs == {(m, ref, kind) for m, ref in (("fim-50", "fim-0"), ("fim-0", "base"), ("fim-50", "base"))
                     for kind in ("left_to_right", "infilling")}
    for row in rows:
        expected = paired_delta(SCORES[row["reference"]][row["benchmark"]], SCORES[row["model"]][row["benchmark"]])
        assert (row["delta"], row["low"], row["high"], row["problems"]) == \
               (expected.delta, expected.low, expected.high, expected.problems)
    cost = next(r for r in rows if (r["model"], r["reference"], r["benchmark"]) == ("fim-50", "fim-0", "left_to_right"))
    gain = next(r for r in rows if (r["model"], r["reference"], r["benchmark"]) == ("fim-50", "fim-0", "infilling"))
    assert cost["delta"] < 0 < gain["delta"]


def test_a_model_scored_on_nothing_is_a_row_without_numbers():
    scores = {**SCORES, "fim-50": {**SCORES["fim-50"], "infilling": {}}}
    row = next(r for r in compare(scores, (0.0, 0.5)) if r["model"] == "fim-50" and r["benchmark"] == "infilling")
    assert row["delta"] is None and row["problems"] == 0 and row["note"]


def test_figures_and_report_table(tmp_path):
    rows = compare(SCORES, (0.0, 0.5))
    pass_at_1 = {m: {k: sum(v.values()) / len(v) for k, v in kinds.items()} for m, kinds in SCORES.items()}
    write_json(tmp_path / "infill-lesson" / "summary.json",
               {"stage": "infill-lesson", "model": "codegen2-1b", "language": "lua", "fim_rates": [0.0, 0.5],
                "benchmarks": {"left_to_right": {"benchmark": "multipl-e", "language": "lua"},
                               "infilling": {"benchmark": "humaneval-infilling-single", "language": "py"}},
                "n": 20, "infill_n": 5, "temperature": 0.2, "load_in_4bit": True, "pass@1": pass_at_1,
                "deltas": rows, "seconds": 1.0})
    out = Figures(tmp_path)
    lesson_figures(out, "infill-lesson")
    assert out.figures["infill.pass@1.fim-50.infilling"] == pytest.approx(0.5)
    cost = next(r for r in rows
                if (r["model"], r["reference"], r["benchmark"]) == ("fim-50", "fim-0", "left_to_right"))
    name = "fim-50-vs-fim-0.left_to_right"
    assert (out.figures[f"infill.delta.{name}"], out.figures[f"infill.delta_low.{name}"],
            out.figures[f"infill.delta_high.{name}"]) == (cost["delta"], cost["low"], cost["high"])
    section = section_infill_lesson({"tables": out.tables})
    assert TABLE in out.tables and "Not compared with a published figure" in section
    interval = f"[{cost['low']:+.4f}, {cost['high']:+.4f}]"
    assert f"| left-to-right | fim-50 − fim-0 | {cost['delta']:+.4f} | {interval}" in section
    assert section.count("\n| fim-") == 2 and "| base | 0.2333 | 0.0333 |" in section


def test_the_profiles_expected_figures_are_the_ones_the_stage_writes(tmp_path):
    from pathlib import Path

    from mplt.results.check import compare_figures, load_expected
    test_figures_and_report_table(tmp_path)
    out = Figures(tmp_path)
    lesson_figures(out, "infill-lesson")
    expected = load_expected(Path(__file__).resolve().parents[2] / "expected_results" / "codegen2-infill.json")
    rows = compare_figures(out.figures, expected)
    assert rows and all(row.ok for row in rows), [row for row in rows if not row.ok]
