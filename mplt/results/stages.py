"""The `report` and `check` stages: they only read the other stages' files, so the runner runs
them every time. `check` compares every figure with the expected results; its `passed` decides the
run's exit code."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from mplt.io import write_json
from mplt.pipeline.common import stage_log
from mplt.stages.seal import seal_summary


@dataclass(frozen=True)
class ReportStageConfig:
    expected: str = ""                      # expected-results JSON ("" = expected_results/<profile>.json)


@dataclass(frozen=True)
class CheckStageConfig:
    expected: str = ""


def run_report(run_dir: Path, config: ReportStageConfig, *, progress: bool = True) -> dict:
    from mplt.results.report import write_report
    start = time.monotonic()
    with stage_log(run_dir, "report"):
        written = write_report(run_dir, config.expected or None)
    summary = {"report": str(written["report"]), "results": str(written["results"]),
               **{k: v for k, v in written.items() if isinstance(v, (str, int, float, bool))}}
    return seal_summary("report", summary, time.monotonic() - start)


def run_check(run_dir: Path, config: CheckStageConfig, *, progress: bool = True) -> dict:
    """Expected vs got per figure; `passed` decides the run's exit code."""
    from mplt.results.check import check_run, rows_to_json
    from mplt.results.collect import collect_results, write_results
    start = time.monotonic()
    with stage_log(run_dir, "check"):
        results = collect_results(run_dir)
        expected_path, rows = check_run(results, config.expected or None)
        out_dir = Path(run_dir) / "report"
        out_dir.mkdir(parents=True, exist_ok=True)
        write_results(results, out_dir)
        passed = all(r.ok for r in rows)
        write_json(out_dir / "check.json", {"expected": str(expected_path), "rows": rows_to_json(rows),
                                             "passed": passed})
    summary = {"passed": passed, "expected": str(expected_path), "rows": rows,
               "failed": [dataclasses.asdict(r) for r in rows if not r.ok]}
    return seal_summary("check", summary, time.monotonic() - start)
