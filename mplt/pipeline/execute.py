"""Run many sandboxed programs for a stage, streaming results to JSONL and resuming by id.

Uses `mplt.execution.pool.execute_all` (parallel, caches identical programs) when present;
otherwise runs `sandbox.run_program` on a thread pool with the same contract: each job is
`{id, language, program, ...}`, each result adds `status, exit_code, stdout, stderr,
duration_s`, and jobs whose id is already in `out_path` are not run again.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from mplt.execution.limits import Limits
from mplt.io import JsonlAppender
from mplt.pipeline.common import progress_bar, read_done_ids

_RESULT_FIELDS = ("status", "exit_code", "stdout", "stderr", "duration_s", "reason")


def execute_jobs(jobs: list[dict], out_path: Path, *, limits: Limits, workers: int = 0,
                 progress: bool = True, description: str = "execute") -> dict[str, dict]:
    """Results by job id, for every job (earlier runs' results are reused)."""
    try:
        from mplt.execution.pool import execute_all
    except ImportError:
        execute_all = None
    if execute_all is not None:
        results = execute_all(jobs, out_path, workers=workers or None, limits=limits, progress=progress,
                              description=description)
        return {r["id"]: r for r in results}
    return _execute_threads(jobs, Path(out_path), limits, workers or os.cpu_count() or 1,
                            progress, description)


def _execute_threads(jobs, out_path, limits, workers, progress, description):
    from mplt.execution.sandbox import run_program
    done = read_done_ids(out_path)
    todo = [j for j in jobs if j["id"] not in done]
    cache: dict[tuple[str, str], dict] = {}

    def run(job):
        key = (job["language"], job["program"])
        if key not in cache:
            result = run_program(job["language"], job["program"], limits).to_record()
            cache[key] = {k: result[k] for k in _RESULT_FIELDS}
        return {**job, **cache[key]}

    with JsonlAppender(out_path) as out, progress_bar(description, len(jobs), progress) as advance:
        advance(len(jobs) - len(todo))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(run, j) for j in todo]):
                result = future.result()
                out.write(result)
                done[result["id"]] = result
                advance()
    return done
