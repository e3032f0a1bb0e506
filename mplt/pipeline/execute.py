"""Run many sandboxed programs for a stage, streaming results to JSONL and resuming by id, with
`mplt.execution.pool.execute_all` (parallel, caches identical programs). Each program runs in a
warm worker of the stage where its language has one, else through
`mplt.execution.sandbox.run_program`, both inside the same sandbox and with the same verdicts
(docs/warm.md), as `reproduce.py exec` does. Each job is `{id, language, program, ...}`,
each result adds `status, exit_code, stdout, stderr, duration_s`, and jobs whose id is already in
`out_path` are not run again.
"""
from __future__ import annotations

from pathlib import Path

from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all


def execute_jobs(jobs: list[dict], out_path: Path, *, limits: Limits, workers: int = 0,
                 progress: bool = True, description: str = "execute") -> dict[str, dict]:
    """Results by job id, for every job (earlier runs' results are reused)."""
    results = execute_all(jobs, out_path, workers=workers or None, limits=limits, progress=progress,
                          description=description)
    return {r["id"]: r for r in results}
