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
from typing import Any, Iterator

from mplt.io import write_json
from mplt.results.readers import DURATION_KEYS, canonical_language, is_number, read_json_lenient, slug

FORMAT = "mplt-results/1"


# --- funnels -------------------------------------------------------------------------------------

def funnel_steps(node: dict) -> list[tuple[str, int]] | None:
    """Ordered (step, count) pairs of a funnel dict, or None when `node` holds none."""
    funnel = node.get("funnel")
    if isinstance(funnel, list) and funnel and all(isinstance(s, dict) for s in funnel):
        steps = [(slug(s.get("step")), int(s["count"])) for s in funnel
                 if s.get("step") is not None and is_number(s.get("count"))]
        if steps:
            return steps
    if isinstance(funnel, dict) and funnel and all(is_number(v) for v in funnel.values()):
        return [(slug(k), int(v)) for k, v in funnel.items()]
    counts = node.get("counts")
    if isinstance(counts, dict) and counts and all(is_number(v) for v in counts.values()):
        return [(slug(k), int(v)) for k, v in counts.items()]
    return None


def find_funnels(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], list]]:
    if isinstance(node, dict):
        steps = funnel_steps(node)
        if steps:
            yield path, steps
        for key, value in node.items():
            if key not in ("funnel", "counts"):
                yield from find_funnels(value, path + (str(key),))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                lang = canonical_language(item.get("language") or item.get("lang"))
                yield from find_funnels(item, path + ((lang,) if lang else ()))


def flat_language_counts(summary: dict) -> Iterator[tuple[tuple[str, ...], list]]:
    """`{"languages": {lang: {functions_in: 20, translatable: 18, with_pass: 9, ...}}}` (the
    translate stage's summary): the numeric entries in their written order, as funnel steps.
    Sample counts (`completions`, `passed_completions`) count programs, not functions: left out."""
    languages = summary.get("languages")
    items = languages.items() if isinstance(languages, dict) else \
        [(x.get("language"), x) for x in languages if isinstance(x, dict)] if isinstance(languages, list) else []
    for lang, entry in items:
        if isinstance(entry, dict) and funnel_steps(entry) is None:
            steps = [(slug(k), int(v)) for k, v in entry.items()
                     if is_number(v) and "completion" not in k and k not in DURATION_KEYS]
            if steps:
                yield ("languages", str(lang)), steps


def collect_funnel(stage: str, summary: dict, figures: dict, tables: dict, source: Path, *,
                   by_language: bool = False, whole_funnel: bool = False) -> None:
    """Per-language funnels -> `funnel.<lang>.<step>` (`by_language`: the translate and dataset
    stages; `whole_funnel`: the stage writes each language's whole funnel, in order, the dataset's);
    stage-wide ones -> `funnel.<stage>.<step>`."""
    found = list(find_funnels(summary))
    if by_language:
        found += list(flat_language_counts(summary))
    for path, steps in found:
        langs = [canonical_language(p) for p in path + (source.parent.name, source.stem)]
        lang = next((x for x in langs if x), None)
        if by_language and lang:
            prefix = f"funnel.{lang}"
            by_lang = tables.setdefault("funnel_by_language", {})
            if whole_funnel:
                by_lang[lang] = dict(steps)
            else:
                by_lang.setdefault(lang, {}).update(dict(steps))
            if whole_funnel and not any(s == "items_out" for s, _ in steps):
                figures[f"{prefix}.items_out"] = steps[-1][1]
        elif not lang:
            prefix = f"funnel.{stage}"
            tables.setdefault("funnel_by_stage", {}).setdefault(stage, {}).update(dict(steps))
            # what the stage hands on: its own `functions` count when it writes one (testgen's last
            # step, `typed`, is a subset), else the last step of its funnel
            handed_on = summary.get("functions")
            figures[f"{prefix}.functions"] = handed_on if is_number(handed_on) else steps[-1][1]
        else:
            prefix = f"funnel.{stage}.{lang}"
        for step, count in steps:
            if f"{prefix}.{step}" != f"funnel.{stage}.functions":
                figures[f"{prefix}.{step}"] = count



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
    if (directory / "summary.json").exists():
        return "done"
    by_hand = get_stage(stage).by_hand
    return "done" if by_hand and resolve(by_hand)(directory) else "incomplete"


def collect_results(run_dir: str | Path) -> dict:
    """Everything the report and the check need, from the files of one run directory: each
    stage's figures as its registry entry reads them."""
    from mplt.results.stage_figures import Figures
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
