"""Figures of the model stages: `finetune` (metrics.jsonl per fine-tune) and `evaluate` (pass@k
summaries of mplt.scoring under `evaluate/{base,finetuned}/`). Names: expected_results/README.md."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from mplt.io import DataError, read_jsonl
from mplt.results.readers import (PASS_KEY, SKIP_DIRS, canonical_language, is_number, json_files,
                              read_json_lenient, slug)

# The sign-flip test's seed (mplt/results/stats.py): fixed, so that a report is the same on every run.
STATS_SEED = 0


# --- evaluation ----------------------------------------------------------------------------------

def pass_values(node: dict) -> dict[int, float]:
    values = {int(m.group(1)): float(v) for key, v in node.items()
              if (m := PASS_KEY.match(str(key))) and is_number(v)}
    nested = node.get("pass_at_k") or node.get("pass@k")
    if isinstance(nested, dict):
        for key, v in nested.items():
            k = str(key).removeprefix("pass@")
            if k.isdigit() and is_number(v):
                values[int(k)] = float(v)
    return values


def find_scores(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str | None, dict]]:
    if isinstance(node, dict):
        if pass_values(node):
            lang = canonical_language(node.get("language") or node.get("lang"))
            lang = lang or next((x for x in map(canonical_language, reversed(path)) if x), None)
            yield lang, node
            return
        for key, value in node.items():
            yield from find_scores(value, path + (str(key),))
    elif isinstance(node, list):
        for item in node:
            yield from find_scores(item, path)


def collect_evaluation(variant: str, directory: Path, figures: dict, meta: dict,
                       problems: list[str]) -> int:
    found = 0
    for path in json_files(directory):
        data = read_json_lenient(path, problems)
        parts = tuple(p for p in path.relative_to(directory).with_suffix("").parts)
        for lang, node in find_scores(data, parts):
            if lang is None:
                problems.append(f"{path}: pass@k without a language; ignored")
                continue
            found += 1
            for k, value in pass_values(node).items():
                figures[f"pass@{k}.{variant}.{lang}"] = value
            for key in ("num_problems", "n", "temperature", "top_p", "top_k", "max_new_tokens", "max_length",
                        "early_exits"):
                if is_number(node.get(key)):
                    figures[f"eval.{variant}.{lang}.{key}"] = node[key]
            # what the figure was made under, for the check's `when` (mplt.evaluation.protocols)
            for key in ("protocol", "precision", "comparable_with"):
                if isinstance(node.get(key), str):
                    figures[f"eval.{variant}.{lang}.{key}"] = node[key]
            # mplt.scoring.summary writes the sample count as min/max completions per problem
            if "n" not in node and is_number(node.get("min_completions")):
                figures[f"eval.{variant}.{lang}.n"] = node["min_completions"]
            model = {k: node[k] for k in ("model", "revision", "adapter", "benchmark", "comparable_with", "commit",
                                          "model_commit", "dataset_revision") if isinstance(node.get(k), str)}
            if model:
                meta.setdefault("evaluation", {}).setdefault(variant, {})[lang] = model
    return found


# --- the per-epoch curve of a full fine-tune ------------------------------------------------------

def collect_epoch_curves(directory: Path, epochs: dict, figures: dict, tables: dict, meta: dict,
                         problems: list[str]) -> None:
    """`pass@1.epoch<E>.<lang>` for every evaluated epoch (the last is the `finetuned` variant),
    `eval.last_epoch.<lang>`, and the best epoch on the benchmark: `eval.best_epoch.<lang>`,
    `pass@1.best_epoch.<lang>`. Choosing the best epoch on the test benchmark itself (as MultiPL-T's
    tables do, docs/method.md, section 7.1) is optimistic: the report says so."""
    curves = tables.setdefault("epoch_curves", {})
    for lang, rows in epochs.items():
        lang = canonical_language(lang)
        if lang is None or not isinstance(rows, list):
            continue
        curve = []
        for row in rows:
            variant = row.get("variant") if isinstance(row, dict) else None
            if not isinstance(variant, str) or not is_number(row.get("epoch")):
                continue
            name = f"epoch{row['epoch']}" if row.get("complete", True) else f"step{row.get('step')}"
            if variant != "finetuned":   # the earlier epochs' files: RUN/evaluate/epochs/<variant>/
                scratch: dict = {}
                collect_evaluation(name, directory / "epochs" / variant, scratch, meta, problems)
                figures.update({k: v for k, v in scratch.items() if k.endswith(f".{lang}") or f".{lang}." in k})
            value = figures.get(f"pass@1.{'finetuned' if variant == 'finetuned' else name}.{lang}")
            if is_number(value):
                curve.append([row["epoch"], row.get("step"), value])
                figures[f"pass@1.{name}.{lang}"] = value
        if not curve:
            continue
        best = max(curve, key=lambda r: r[2])     # the earliest epoch among equals
        figures[f"eval.last_epoch.{lang}"] = curve[-1][0]
        figures[f"eval.best_epoch.{lang}"] = best[0]
        figures[f"pass@1.best_epoch.{lang}"] = best[2]
        curves[lang] = curve


def problem_scores(directory: Path, problems: list[str]) -> dict[str, tuple[dict[str, float], dict[str, int]]]:
    """language -> ({problem: pass@1}, {problem: n}) from the per-problem `results.jsonl` files under one
    variant's directory (mplt/evaluation/layout.py: `<lang>/results.jsonl`, one record per problem with
    `name`, `n`, `c`). pass@1 of a problem is c/n; a problem without samples (n = 0) is left out, as
    mplt.scoring.summary leaves it out of the mean."""
    found: dict[str, tuple[dict[str, float], dict[str, int]]] = {}
    for path in sorted(directory.rglob("results.jsonl")):
        if SKIP_DIRS.intersection(p.name for p in path.relative_to(directory).parents):
            continue
        lang = canonical_language(path.parent.name)
        try:
            records = list(read_jsonl(path, skip_partial=True))
        except DataError as e:
            problems.append(str(e))
            continue
        lang = lang or next((x for r in records if (x := canonical_language(r.get("language")))), None)
        if lang is None:
            problems.append(f"{path}: per-problem results without a language; ignored")
            continue
        scores, sizes = found.setdefault(lang, ({}, {}))
        for record in records:
            name, n, c = record.get("name") or record.get("id"), record.get("n"), record.get("c")
            if isinstance(name, str) and isinstance(n, int) and isinstance(c, int) and 0 <= c <= n and n > 0:
                scores[name], sizes[name] = c / n, n
    return {lang: value for lang, value in found.items() if value[0]}


def compare_variants(figures: dict, scores: dict[str, dict], problems: list[str]) -> None:
    """Fine-tuned minus base per language: the delta of the two figures, and where both models'
    per-problem results are there, the paired interval and test over problems (mplt/results/stats.py).
    "Fine-tuned above base" is claimed only when that test gives p < 0.05 (one-sided); without
    per-problem results it is not tested, and the claim is absent (a check that expects it fails)."""
    from mplt.errors import MpltError
    from mplt.results.stats import ALPHA, paired_delta, sampling_standard_error, significant
    for variant, by_lang in scores.items():
        for lang, (per_problem, sizes) in by_lang.items():
            figures[f"eval.{variant}.{lang}.sampling_se"] = sampling_standard_error(per_problem, sizes)
    for key in [k for k in figures if k.startswith("pass@1.finetuned.")]:
        lang = key.rsplit(".", 1)[1]
        base = figures.get(f"pass@1.base.{lang}")
        if base is None:
            continue
        figures[f"pass@1.delta.{lang}"] = figures[key] - base
        base_scores, tuned_scores = (scores.get(v, {}).get(lang, ({}, {}))[0] for v in ("base", "finetuned"))
        if not base_scores or not tuned_scores:
            problems.append(f"{lang}: no per-problem results (results.jsonl) for both models, so "
                            "'fine-tuned above base' was not tested and is not claimed")
            continue
        try:
            result = paired_delta(base_scores, tuned_scores, seed=STATS_SEED)
        except MpltError as e:
            problems.append(f"{lang}: {e}")
            continue
        unpaired = len(set(base_scores) ^ set(tuned_scores))
        if unpaired:
            problems.append(f"{lang}: {unpaired} problem(s) scored for one model only, left out of the "
                            f"paired comparison ({result.problems} shared)")
        figures.update({f"pass@1.delta_low.{lang}": result.low, f"pass@1.delta_high.{lang}": result.high,
                        f"pass@1.delta_p.{lang}": result.p_value, f"eval.paired.{lang}.problems": result.problems,
                        f"claim.finetuned_above_base.{lang}": significant(result, ALPHA)})


# --- fine-tuning ---------------------------------------------------------------------------------

def collect_finetune(directory: Path, figures: dict, tables: dict, problems: list[str]) -> int:
    files = [p for p in sorted(directory.rglob("metrics.jsonl"))
             if not SKIP_DIRS.intersection(x.name for x in p.relative_to(directory).parents)]
    for path in files:
        rel = path.parent.relative_to(directory)
        name = ".".join(canonical_language(p) or slug(p) for p in rel.parts)  # `--mix separate`: per language
        prefix = f"finetune.{name}" if name else "finetune"
        try:
            records = list(read_jsonl(path, skip_partial=True))
        except DataError as e:
            problems.append(str(e))
            continue
        losses = [(r.get("step"), r["loss"]) for r in records if is_number(r.get("loss"))]
        evals = [(r.get("step"), r["eval_loss"]) for r in records if is_number(r.get("eval_loss"))]
        steps = [r["step"] for r in records if is_number(r.get("step"))]
        if losses:
            figures[f"{prefix}.first_loss"] = losses[0][1]
            figures[f"{prefix}.final_loss"] = losses[-1][1]
            figures[f"{prefix}.steps"] = max(steps) if steps else len(losses)
            claim = "claim.loss_decreased" + (f".{name}" if name else "")
            figures[claim] = losses[-1][1] < losses[0][1]
        if evals:
            figures[f"{prefix}.final_eval_loss"] = evals[-1][1]
        if len(evals) > 1 and evals[0][0] == 0:  # the trainer evaluates once before the first step
            figures[f"{prefix}.initial_eval_loss"] = evals[0][1]
            claim = "claim.eval_loss_decreased" + (f".{name}" if name else "")
            figures[claim] = evals[-1][1] < evals[0][1]
        tokens = [r["tokens"] for r in records if is_number(r.get("tokens"))]
        if tokens:
            figures[f"{prefix}.tokens"] = tokens[-1]
        tables.setdefault("loss_curves", {})[name or "finetune"] = {
            "loss": [[s, v] for s, v in losses], "eval_loss": [[s, v] for s, v in evals]}
    for claim in ("claim.loss_decreased", "claim.eval_loss_decreased"):
        named = [v for k, v in figures.items() if k.startswith(claim + ".")]
        if named:  # one fine-tune per language: the run-wide claim holds when it holds for each
            figures[claim] = all(named)
    return len(files)
