"""Funnel figures: the counts each data stage keeps per step (select -> testgen -> translate ->
dataset), found in a stage's summary wherever they sit (`{"funnel": [{step, count}]}` or
`{"counts": {...}}`), as `funnel.<stage>[.<lang>].<step>` figures and a table for the report."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from mplt.results.readers import DURATION_KEYS, canonical_language, is_number, slug


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
