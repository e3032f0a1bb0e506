"""Collect every figure of a run directory into one flat dict of stable dotted names.

`RUN/report/results.json` is what `check` compares and what the report shows. Names are listed in
`expected_results/README.md`. Which stages have figures, and how each is read, is its registry
entry's `figures` (mplt/results/stage_figures.py). Stage summaries follow one schema
(mplt/stages/summary.py), but a run directory may also hold files written by hand (`reproduce.py
finetune` / `eval`) or by an older version, so the readers stay lenient: they look for funnels
(`{"funnel": [{step, count}]}` or `{"counts": {...}}`), pass@k summaries (a dict with `pass@k` keys or a
`pass_at_k` dict) and `metrics.jsonl` anywhere under a stage's directory. A stage that did not run is
reported as `not run`, never as an error.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mplt.io import write_json
from mplt.results.readers import read_json_lenient
from mplt.results.stage_figures import Figures
from mplt.stages.summary import SUMMARY

FORMAT = "mplt-results/1"


# --- metadata and the whole run ------------------------------------------------------------------

def read_run_config(run_dir: Path, problems: list[str]) -> dict:
    for name in ("config.json", "config.toml", "run.json"):
        path = run_dir / name
        if not path.exists():
            continue
        if path.suffix == ".toml":
            from mplt.config import load_toml
            try:
                return load_toml(path)
            except Exception as e:  # noqa: BLE001 - a broken config is reported, not fatal
                problems.append(f"{path}: unreadable ({e})")
                return {}
        data = read_json_lenient(path, problems)
        if isinstance(data, dict):
            return data
    return {}


def find_key(node: Any, key: str) -> Any:
    """The first value of `key` in a nested dict (breadth-first), or None."""
    queue = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, dict):
            if key in current and not isinstance(current[key], (dict, list)):
                return current[key]
            queue.extend(current.values())
    return None


def stage_status(run_dir: Path, stage: str) -> str:
    """done (its summary is there, or its entry recognises outputs written by hand), incomplete,
    or not run."""
    from mplt.stages.contract import resolve
    from mplt.stages.registry import get_stage
    directory = run_dir / stage
    if not directory.is_dir() or not any(directory.iterdir()):
        return "not run"
    if (directory / SUMMARY).exists():
        return "done"
    by_hand = get_stage(stage).by_hand
    return "done" if by_hand and resolve(by_hand)(directory) else "incomplete"


def collect_results(run_dir: str | Path) -> dict:
    """Everything the report and the check need, from the files of one run directory: each
    stage's figures as its registry entry reads them."""
    from mplt.stages.contract import resolve
    from mplt.stages.registry import STAGES
    run_dir = Path(run_dir)
    out = Figures(run_dir)
    config = read_run_config(run_dir, out.problems)
    environment = read_json_lenient(run_dir / "environment.json", out.problems) \
        if (run_dir / "environment.json").exists() else {}
    if isinstance(environment, dict) and environment:
        # The environment was written before the run built its local model: hash it now.
        from mplt.run.environment import refresh_local_models
        environment = refresh_local_models(environment)
    meta = out.meta
    meta.update({"profile": find_key(config, "profile") or find_key(environment, "profile"),
                 "config": config, "environment": environment or {}})
    if isinstance(environment, dict):  # the short answers to "which models, which seeds"
        meta.update({k: environment[k] for k in ("models", "datasets", "seeds") if k in environment})
    # The paper's stages are always listed; another (the smoke profile's `model`) when it ran.
    with_figures = [name for name, entry in STAGES.items() if entry.figures]
    stages = {s: stage_status(run_dir, s) for s in with_figures if STAGES[s].paper or (run_dir / s).is_dir()}
    for stage in with_figures:
        resolve(STAGES[stage].figures)(out, stage)
    return {"format": FORMAT, "run_dir": str(run_dir), "profile": meta["profile"], "stages": stages,
            "figures": dict(sorted(out.figures.items())), "tables": out.tables, "meta": meta,
            "problems": out.problems}


def write_results(results: dict, out_dir: str | Path) -> Path:
    path = Path(out_dir) / "results.json"
    write_json(path, json.loads(json.dumps(results, default=str)))
    return path
