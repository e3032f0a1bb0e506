"""The report names the generation engine: what `backend = "auto"` chose (environment.json), else the
backend the profile's sampling stages name (config.json). FIXTURE DATA, NOT RESULTS."""
from __future__ import annotations

import json

from mplt.results.collect import collect_results
from mplt.results.what_ran import section_what_ran
from run_fixture import build_run


def _what_ran(run_dir) -> str:
    return " ".join(section_what_ran(collect_results(run_dir)).split())


def test_report_names_the_engine_auto_chose(tmp_path):
    run = build_run(tmp_path / "run")
    environment = json.loads((run / "environment.json").read_text())
    environment["generation_engine"] = {"requested": "auto", "engine": "vllm",
                                        "reason": "vllm imports and a CUDA GPU is present (fixture GPU)"}
    (run / "environment.json").write_text(json.dumps(environment))
    text = _what_ran(run)
    assert "**Generation engine:** vllm (backend \"auto\": vllm imports and a CUDA GPU is present" in text


def test_report_names_the_profiles_backend_without_auto(tmp_path):
    run = build_run(tmp_path / "run")
    config = json.loads((run / "config.json").read_text())
    config["evaluate"] = {"backend": "hf", "n": 4}
    (run / "config.json").write_text(json.dumps(config))
    assert "**Generation engine:** hf (the profile's `backend`)" in _what_ran(run)
