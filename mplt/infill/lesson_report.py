"""The `infill-lesson` stage's figures and its report section (docs/codegen2.md, section B5).

Figures (expected_results/README.md): `infill.pass@1.<model>.<benchmark>` for the base model and each
fine-tune (`fim-0`, `fim-50`, mplt/infill/lesson.py `model_name`) on `left_to_right` and `infilling`;
`infill.delta.<model>-vs-<reference>.<benchmark>` with `infill.delta_low...`, `infill.delta_high...`
(the 95 % interval) and `infill.delta_p...` (one-sided p of "model above reference"), from the paired
statistics over problems (mplt/results/stats.py). The section is one table that answers "what did the
infill mix cost left-to-right, and what did it buy for infilling".
"""
from __future__ import annotations

STAGE = "infill-lesson"
TABLE = "infill_lesson"
KINDS = {"left_to_right": "left-to-right", "infilling": "infilling"}


def lesson_figures(out, stage: str) -> None:
    """Read RUN/infill-lesson/summary.json into `out` (a mplt.results.stage_figures.Figures)."""
    summary = out.summary(stage)
    if summary is None:
        return
    for model, kinds in (summary.get("pass@1") or {}).items():
        for kind, value in kinds.items():
            if value is not None:
                out.figures[f"infill.pass@1.{model}.{kind}"] = value
    for row in summary.get("deltas") or []:
        name = f"{row['model']}-vs-{row['reference']}.{row['benchmark']}"
        if row.get("delta") is None:
            out.problems.append(f"{STAGE}: {name}: {row.get('note', 'not compared')}")
            continue
        out.figures.update({f"infill.delta.{name}": row["delta"], f"infill.delta_low.{name}": row["low"],
                            f"infill.delta_high.{name}": row["high"], f"infill.delta_p.{name}": row["p_value"]})
    if isinstance(summary.get("seconds"), (int, float)):
        out.figures[f"duration.{stage}_s"] = summary["seconds"]
    out.tables[TABLE] = {key: summary.get(key) for key in
                         ("model", "language", "fim_rates", "benchmarks", "n", "infill_n", "temperature",
                          "load_in_4bit", "pass@1", "deltas")}


def section_infill_lesson(results: dict) -> str:
    """The report's section: pass@1 of every model on both benchmarks, then the deltas with intervals."""
    table = results["tables"].get(TABLE)
    if not table:
        return ""
    benchmarks = table.get("benchmarks") or {}
    names = {kind: f"{KINDS[kind]} ({info.get('benchmark')}, {info.get('language')})"
             for kind, info in benchmarks.items() if kind in KINDS}
    lines = ["## CodeGen2's infill lesson: what the infill mix cost and bought", "",
             f"Base model `{table.get('model')}` fine-tuned on MultiPL-T {table.get('language')} at fim_rate "
             f"{', '.join(f'{r:g}' for r in table.get('fim_rates') or [])} (span corruption in the model's infill "
             f"format, docs/codegen2.md, section B2); n = {table.get('n')} left-to-right and "
             f"{table.get('infill_n')} infilling samples per problem, T = {table.get('temperature')}. "
             "Not compared with a published figure: none exists for these models and settings "
             "(docs/codegen2.md, section B5).", "",
             "| model | " + " | ".join(f"pass@1 {names.get(k, k)}" for k in KINDS) + " |",
             "|---|" + "---|" * len(KINDS)]
    for model, kinds in (table.get("pass@1") or {}).items():
        lines.append(f"| {model} | " + " | ".join(_number(kinds.get(k)) for k in KINDS) + " |")
    lines += ["", "| benchmark | model − reference | Δ pass@1 | 95 % interval | one-sided p | problems |",
              "|---|---|---|---|---|---|"]
    for row in table.get("deltas") or []:
        if row.get("delta") is None:
            lines.append(f"| {KINDS.get(row['benchmark'], row['benchmark'])} | {row['model']} − {row['reference']} "
                         f"| not compared | | | 0 |")
            continue
        lines.append(f"| {KINDS.get(row['benchmark'], row['benchmark'])} | {row['model']} − {row['reference']} | "
                     f"{row['delta']:+.4f} | [{row['low']:+.4f}, {row['high']:+.4f}] | {row['p_value']:.4f} | "
                     f"{row['problems']} |")
    lines += ["", "Read the `fim-50 − fim-0` rows: left-to-right, the cost of the infill mix (CodeGen2 found a "
              "small one, docs/codegen2.md, section A.6); infilling, what it bought."]
    return "\n".join(lines)


def _number(value) -> str:
    return "–" if value is None else f"{value:.4f}"
