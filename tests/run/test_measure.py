"""expected_results/smoke.json is written from measured runs in 6b's format, and reads back."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from mplt.results.check import compare_figures, load_expected

# A maintainer script, not part of the package: loaded from its file.
_SPEC = importlib.util.spec_from_file_location(
    "measure_smoke", Path(__file__).resolve().parents[2] / "scripts" / "measure_smoke.py")
measure_smoke = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(measure_smoke)
expectations = measure_smoke.expectations


def test_expectations_follow_the_tolerance_rules(tmp_path):
    runs = [{"figures": {"funnel.select.functions": 25, "pass@1.base.lua": 0.25, "pass@1.finetuned.jl": 0.5,
                         "eval.base.lua.n": 4, "claim.loss_decreased": True, "duration.model_s": 80.0}},
            {"figures": {"funnel.select.functions": 25, "pass@1.base.lua": 0.35, "pass@1.finetuned.jl": 0.5,
                         "eval.base.lua.n": 4, "claim.loss_decreased": True, "duration.model_s": 95.0}}]
    data = expectations(runs, "measured")
    figures = data["figures"]
    assert figures["funnel.select.functions"]["value"] == 25 and figures["funnel.select.functions"]["abs_tol"] == 5
    assert figures["pass@1.base.lua"]["value"] == 0.3 and figures["pass@1.base.lua"]["abs_tol"] == 0.2
    assert figures["pass@1.finetuned.jl"]["optional"] is True
    assert figures["eval.base.lua.n"] == {"equals": 4, "source": "measured: the profile's evaluation settings"}
    assert "duration.model_s" not in figures and figures["claim.loss_decreased"]["claim"] is True
    runs[1]["figures"]["claim.loss_decreased"] = False
    assert "claim.loss_decreased" not in expectations(runs, "measured")["figures"]
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps(data))
    expected = load_expected(path)
    rows = compare_figures(runs[0]["figures"], expected)
    assert all(r.ok for r in rows)
    broken = {**runs[0]["figures"], "funnel.select.functions": 0}
    assert not all(r.ok for r in compare_figures(broken, expected))


def test_committed_smoke_expectations_are_well_formed():
    from mplt.results.check import expected_path
    path = expected_path("smoke")
    expected = load_expected(path)
    names = set(expected["figures"])
    assert any(n.startswith("funnel.select.") for n in names)
    assert any(n.startswith("pass@1.finetuned.") for n in names)
