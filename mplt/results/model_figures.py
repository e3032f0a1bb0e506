"""Figures of the model stages: `finetune` (metrics.jsonl per fine-tune) and `evaluate` (pass@k
summaries of mplt.scoring under `evaluate/{base,finetuned}/`). Names: expected_results/README.md."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from mplt.io import DataError, read_jsonl
from mplt.results.readers import (PASS_KEY, SKIP_DIRS, canonical_language, is_number, json_files,
                              read_json_lenient, slug)


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
            for key in ("protocol", "precision"):
                if isinstance(node.get(key), str):
                    figures[f"eval.{variant}.{lang}.{key}"] = node[key]
            # mplt.scoring.summary writes the sample count as min/max completions per problem
            if "n" not in node and is_number(node.get("min_completions")):
                figures[f"eval.{variant}.{lang}.n"] = node["min_completions"]
            model = {k: node[k] for k in ("model", "revision", "adapter", "benchmark", "commit",
                                          "model_commit", "dataset_revision") if isinstance(node.get(k), str)}
            if model:
                meta.setdefault("evaluation", {}).setdefault(variant, {})[lang] = model
    return found


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
