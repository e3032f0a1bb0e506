"""Every summary the pipeline stages write follows its registry entry's schema (mplt/stages/summary.py)."""
from __future__ import annotations

import json

import pytest

from mplt.stages.seal import check_summary, json_schema
from mplt.stages.summary import SCHEMA


@pytest.mark.parametrize("fixture, stages", [
    ("selected_run", ("select",)),
    ("testgen_run", ("select", "testgen")),
    ("translate_run", ("select", "testgen", "translate")),
    ("dataset_run", ("select", "testgen", "translate", "dataset")),
])
def test_written_summaries_follow_the_schema(request, fixture, stages):
    run_dir = request.getfixturevalue(fixture)
    for stage in stages:
        summary = json.loads((run_dir / stage / "summary.json").read_text())
        assert summary["schema"] == SCHEMA and summary["stage"] == stage
        check_summary(stage, summary)
        assert set(json_schema(stage)["required"]) <= set(summary)
