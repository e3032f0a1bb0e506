"""Stage `dataset`: the fine-tuning sets (docs/method.md, section 4.1).

For each language: the passing programs of `translate` are cleaned (`dedup.clean_program`: test
harness and canonical-Python comment block removed), items containing `TODO` are dropped,
exact duplicates removed, then near-duplicates within each problem (ROUGE-Lsum F > 0.6, greedy,
comments stripped). Outputs per language: `RUN/dataset/<lang>/train.jsonl` and a Hugging Face
dataset `RUN/dataset/<lang>/hf/` (`content, problem_id, language, pass_rate, id, original_id,
failing_content, tests`), and `RUN/dataset/summary.json` with the funnel per language:
functions in, with tests, with coverage, translatable, with >= 1 passing translation, items out.
Cheap and deterministic: a rerun recomputes everything and rewrites the outputs atomically.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl, write_jsonl
from mplt.pipeline.common import SUMMARY, begin_stage, require_inputs, require_kept, stage_dir, stage_log, write_summary
from mplt.pipeline.dedup import clean_program, rouge_dedup
from mplt.pipeline.funnel import Funnel

COLUMNS = ("content", "problem_id", "language", "pass_rate", "id", "original_id", "failing_content", "tests")


@dataclass(frozen=True)
class DatasetConfig:
    languages: tuple[str, ...] = ()     # () = every language `translate` produced
    rouge_threshold: float = 0.6        # --dedup_threshold; >= 1 disables near-dup removal
    save_hf: bool = True                # also write datasets.Dataset.save_to_disk
    allow_empty: bool = False       # keep nothing without failing (a rehearsal: stand-ins follow)


def build_items(outcomes: list[dict], language: str, threshold: float, funnel: Funnel) -> list[dict]:
    items = []
    seen: set[str] = set()
    counts = dict.fromkeys(("passing_programs", "no_todo", "unique", "not_near_duplicate"), 0)
    for outcome in outcomes:
        cleaned = [clean_program(p, language) for p in outcome["passing"]]
        counts["passing_programs"] += len(cleaned)
        cleaned = [c for c in cleaned if "TODO" not in c]
        counts["no_todo"] += len(cleaned)
        unique = []
        for c in cleaned:
            if c not in seen:
                seen.add(c)
                unique.append(c)
        counts["unique"] += len(unique)
        kept = rouge_dedup(unique, language, threshold)
        counts["not_near_duplicate"] += len(kept)
        for k, content in enumerate(kept):
            items.append({"content": content, "problem_id": outcome["id"], "language": language,
                          "pass_rate": outcome["pass_rate"], "id": f"{outcome['id']}_{k}",
                          "original_id": outcome["function_id"],
                          "failing_content": outcome.get("failing_content", ""),
                          "tests": outcome.get("tests", "")})
    for step, count in counts.items():
        funnel.record(step, count)
    return items


def save_hf(items: list[dict], path: Path) -> None:
    import datasets
    if path.exists():
        shutil.rmtree(path)
    columns = {c: [item[c] for item in items] for c in COLUMNS}
    features = datasets.Features({c: datasets.Value("float64" if c == "pass_rate" else "string")
                                  for c in COLUMNS})
    datasets.Dataset.from_dict(columns, features=features).save_to_disk(str(path))


def run_dataset(run_dir: Path, config: DatasetConfig = DatasetConfig(), *, progress: bool = True) -> dict:
    inputs = require_inputs(run_dir, "dataset", config)
    translate_dir = inputs["translate"]
    translated = read_json(translate_dir / SUMMARY)
    testgen = read_json(inputs["testgen"] / SUMMARY)["counts"]
    selected = read_json(inputs["select"] / SUMMARY)["counts"]
    languages = list(config.languages or translated["languages"])
    missing = [lang for lang in languages if lang not in translated["languages"]]
    if missing:
        raise MpltError(f"[dataset] language(s) {', '.join(missing)} not produced by `translate` "
                        f"(have: {', '.join(translated['languages'])})")
    out = begin_stage(run_dir, "dataset", config)
    if not progress:
        import datasets
        datasets.disable_progress_bars()
    with stage_log(run_dir, "dataset") as log:
        start = time.monotonic()
        summary = {"stage": "dataset", "languages": {}}
        for language in languages:
            lang_summary = translated["languages"][language]
            funnel = Funnel()
            funnel.record("functions_in", selected["selected"])
            funnel.record("with_tests", testgen["with_passing_test"])
            funnel.record("with_coverage", testgen["with_coverage"])
            funnel.record("translatable", lang_summary["translatable"])
            funnel.record("with_pass", lang_summary["with_pass"])
            outcomes_path = translate_dir / language / "outcomes.jsonl"
            outcomes = list(read_jsonl(outcomes_path)) if outcomes_path.exists() else []
            items = build_items(outcomes, language, config.rouge_threshold, funnel)
            funnel.record("items_out", len(items))
            lang_out = stage_dir(run_dir, f"dataset/{language}")
            write_jsonl(lang_out / "train.jsonl", items)
            if config.save_hf:
                save_hf(items, lang_out / "hf")
            summary["languages"][language] = {
                "items": len(items), "problems": len({i["problem_id"] for i in items}),
                "skipped_language": lang_summary.get("skipped_language", ""), **funnel.to_dict()}
            log.info("dataset %s: %d items\n%s", language, len(items), funnel.format_table())
        require_kept("dataset", sum(v["items"] for v in summary["languages"].values()),
                     "no fine-tuning item in any language (" + ", ".join(
                         f"{lang}: {v['skipped_language'] or 'none kept after cleaning and dedup'}"
                         for lang, v in summary["languages"].items()) + ")",
                     allow_empty=config.allow_empty, log=log)
        summary["seconds"] = round(time.monotonic() - start, 2)
        write_summary(out, "dataset", summary)
    return summary
