"""Run many programs in parallel, run identical ones once, stream results to JSONL and resume.

    results = execute_all([{"id": "p1", "language": "lua", "program": "..."}, ...], "out.jsonl")

Each result is the job's fields plus `ExecResult.to_record()` plus `timestamp`, as MultiPL-E's
result records (`program, stdout, stderr, exit_code, status, timestamp`; docs/conventions.md,
section 5), plus `limits`, the `Limits` it ran under. Workers are threads: each one only waits on
its sandboxed subprocess (MultiPL-E uses a thread pool too). A rerun over the same `out_path` skips
the ids already recorded there and reuses the recorded verdicts of identical programs; a torn last
line from a killed run is ignored. A rerun with other limits is refused in one line naming them,
rather than keeping verdicts the new limits would not give (docs/bad-input.md, "Resuming with other
limits").
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterable
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution.cache import program_key
from mplt.execution.limits import Limits
from mplt.execution.sandbox import ToolchainMissing, run_program
from mplt.execution.warm import WarmPool
from mplt.io import JsonlAppender, read_jsonl
from mplt.langs import get_language
from mplt.progress import progress_bar
from mplt.settings import EXECUTION_MODES, applied, current

RESULT_FIELDS = ("status", "exit_code", "stdout", "stderr", "duration_s", "language", "sandbox",
                 "reason", "warnings")


def execute_all(jobs: Iterable[dict], out_path: str | Path | None = None, *, workers: int | None = None,
                limits: Limits = Limits(), progress: bool = True, description: str = "executing",
                execution: str | None = None) -> list[dict]:
    """Run every job (`id`, `language`, `program`, any extra fields) and return the results in
    job order. Results stream to `out_path` as they finish. `execution` is "warm" (warm workers
    where the language has one, docs/warm.md) or "cold"; default: `execution_mode()`. With
    `[run] cluster` set the programs run on a Ray cluster's nodes, and only this process writes
    (mplt/execution/cluster.py); `workers` then caps each node's threads (default: its CPUs)."""
    execution = execution_mode(execution)
    jobs = [_check_job(job, i) for i, job in enumerate(jobs)]
    _unique_ids(jobs)
    if out_path is not None:
        _check_serializable(jobs)
    done = _load_done(out_path, {job["id"] for job in jobs}, limits)
    by_key: dict[str, list[dict]] = {}
    for job in jobs:
        if job["id"] not in done.by_id:
            key = program_key(get_language(job["language"]).name, job["program"], limits)
            by_key.setdefault(key, []).append(job)
    _check_toolchains({group[0]["language"] for group in by_key.values()})
    results = dict(done.by_id)
    try:
        appender = JsonlAppender(out_path) if out_path is not None else None
    except (OSError, ValueError) as e:
        raise MpltError(f"cannot write results to {out_path}: {e}") from e
    try:
        with progress_bar(description, sum(map(len, by_key.values())), progress) as advance:
            def record(key: str, fields: dict) -> None:
                for job in by_key[key]:
                    result = {**job, **fields, "limits": asdict(limits), "timestamp": int(time.time())}
                    results[job["id"]] = result
                    if appender is not None:
                        appender.write(result)
                advance(len(by_key[key]))

            for key in [k for k in by_key if k in done.by_key]:
                record(key, done.by_key[key])
            pending = [k for k in by_key if k not in done.by_key]
            settings = current()
            if settings.cluster:    # docs/cluster.md; imported only then, as it brings Ray
                from mplt.execution.cluster import run_on_cluster
                run_on_cluster(pending, by_key, limits, workers, record, execution, settings)
            else:
                _run_parallel(pending, by_key, limits, workers or os.cpu_count() or 1, record, execution)
    finally:
        if appender is not None:
            appender.close()
    return [results[job["id"]] for job in jobs]


def execution_mode(execution: str | None = None) -> str:
    """"warm" or "cold": the argument, else the applied settings' `execution` (`--cold`, the
    profile's `[run] execution`; mplt/settings.py), else "warm"."""
    mode = execution or current().execution
    if mode not in EXECUTION_MODES:
        raise MpltError(f"unknown execution mode {mode!r}; known: {', '.join(EXECUTION_MODES)}")
    return mode


@contextmanager
def execution_setting(execution: str):
    """`execution` ("warm" or "cold") for every `execute_all` inside the block, stages included
    (the `--cold` flags); the other settings and, after the block, the previous ones are kept."""
    execution_mode(execution)
    with applied(dataclasses.replace(current(), execution=execution)):
        yield


def _run_parallel(keys: list[str], by_key: dict[str, list[dict]], limits: Limits, workers: int,
                  record, execution: str) -> None:
    if not keys:
        return
    # The warm pool closes after the thread pool has waited for its threads: no worker is left.
    def cold(language, program):
        return run_program(language, program, limits)
    with WarmPool(limits, cold=cold) as warm, ThreadPoolExecutor(max_workers=max(1, min(workers, len(keys)))) as pool:
        run = warm.run if execution == "warm" else cold
        futures = {}
        for key in keys:
            job = by_key[key][0]
            futures[pool.submit(run, job["language"], job["program"])] = key
        try:
            remaining = set(futures)
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    fields = future.result().to_record()
                    record(futures[future], {k: fields[k] for k in RESULT_FIELDS})
        except BaseException:
            for future in futures:
                future.cancel()
            raise


class _Done:
    def __init__(self):
        self.by_id: dict = {}
        self.by_key: dict[str, dict] = {}


def _load_done(out_path, wanted_ids: set, limits: Limits) -> _Done:
    """Results already in `out_path`: by id (to skip) and by program hash (to reuse), only those
    made under `limits`; a result for a wanted id made under other limits (or unrecorded ones) is
    an error, so the rerun neither keeps it silently nor overwrites it."""
    done = _Done()
    if out_path is None or not Path(out_path).exists():
        return done
    current = asdict(limits)
    for row in read_jsonl(out_path, skip_partial=True):
        if not all(k in row for k in ("id", "program", "language", "status")):
            continue
        if row.get("limits") != current:
            if row["id"] in wanted_ids:
                raise _other_limits(out_path, row.get("limits"), current)
            continue
        if row["id"] in wanted_ids:
            done.by_id[row["id"]] = row
        try:
            key = program_key(get_language(row["language"]).name, row["program"], limits)
        except MpltError:
            continue
        done.by_key.setdefault(key, {k: row[k] for k in RESULT_FIELDS if k in row})
    return done


def _other_limits(out_path, recorded, current: dict) -> MpltError:
    if not isinstance(recorded, dict):
        return MpltError(f"{out_path} holds verdicts with no recorded limits (an older mplt); remove that file "
                         "to execute its programs again")
    changed = sorted(k for k in recorded.keys() | current.keys() if recorded.get(k) != current.get(k))
    then = ", ".join(f"{k}={recorded.get(k)!r}" for k in changed)
    now = ", ".join(f"{k}={current.get(k)!r}" for k in changed)
    return MpltError(f"{out_path} holds verdicts made with {then}, not {now}; rerun with the same limits, "
                     "or remove that file to execute its programs again with the new ones")


def _check_job(job, index: int) -> dict:
    if not isinstance(job, dict):
        raise MpltError(f"job {index}: expected a dict, got {type(job).__name__}")
    missing = [k for k in ("id", "language", "program") if k not in job]
    if missing:
        raise MpltError(f"job {index}: missing field(s) {', '.join(missing)}")
    if not isinstance(job["id"], (str, int)) or isinstance(job["id"], bool):
        raise MpltError(f"job {index}: id must be a string or an integer, got {job['id']!r}")
    if not isinstance(job["program"], str):
        raise MpltError(f"job {job['id']!r}: program must be a string")
    get_language(job["language"])  # raises UnknownLanguage listing the known ones
    return job


def _check_serializable(jobs: list[dict]) -> None:
    """Fail before running anything, not at the first write."""
    for job in jobs:
        try:
            json.dumps(job, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise MpltError(f"job {job['id']!r} cannot be written as JSON: {e}") from e


def _check_toolchains(languages: set[str]) -> None:
    seen: set[str] = set()
    for name in languages:
        lang = get_language(name)
        if lang.name not in seen and lang.find_executable() is None:
            raise ToolchainMissing(f"{lang.display_name} toolchain not found: {lang.install_hint()}")
        seen.add(lang.name)


def _unique_ids(jobs: list[dict]) -> None:
    seen = set()
    for job in jobs:
        if job["id"] in seen:
            raise MpltError(f"duplicate job id {job['id']!r}: ids must be unique (they key resuming)")
        seen.add(job["id"])
