"""Per-problem scores, per-language summaries and the pass@k table (docs/conventions.md, section 7).

A per-problem record keeps MultiPL-E's results-file layout (the completion record's metadata plus a
`results` list of `program, stdout, stderr, exit_code, status, timestamp`) and adds `n`, `c` and
the per-problem pass@k estimates. A language summary averages the estimates over problems.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from mplt.scoring.pass_at_k import count_passes, mean_pass_at_k, pass_at_k

KS = (1, 10, 100)
RESULT_FIELDS = ("program", "stdout", "stderr", "exit_code", "status", "timestamp", "duration_s")


def score_problem(problem: dict, results: Sequence[dict], ks: Sequence[int] = KS) -> dict:
    """One problem's record: metadata + `results` + n, c, pass@k for k <= n."""
    n, c = count_passes(results)
    record = {k: v for k, v in problem.items() if k != "completions"}
    record["results"] = [{f: r.get(f) for f in RESULT_FIELDS} for r in results]
    record.update(n=n, c=c, **{f"pass@{k}": pass_at_k(n, c, k) for k in ks if k <= n})
    return record


def summarize_language(problems: Iterable[dict], *, ks: Sequence[int] = KS, **labels) -> dict:
    """Mean pass@k over the scored problems (those with at least one result). `labels` (language,
    model, revision, benchmark, dataset_revision, temperature, ...) are copied into the summary."""
    problems = list(problems)
    scored = [p for p in problems if p["n"] > 0]
    sizes = [p["n"] for p in scored]
    return {**labels, **mean_pass_at_k([(p["n"], p["c"]) for p in scored], ks),
            "num_problems": len(scored), "num_unscored": len(problems) - len(scored),
            "min_completions": min(sizes, default=0), "max_completions": max(sizes, default=0)}


def pass_at_k_table(summaries: Sequence[dict], title: str = "pass@k"):
    """A rich Table: one row per language summary, a column per reported k."""
    from rich.table import Table

    ks = sorted({int(key[5:]) for s in summaries for key in s if key.startswith("pass@")})
    table = Table(title=title)
    for column in ("language", "benchmark", "model", "T", "problems", "completions"):
        table.add_column(column, justify="left" if column in ("language", "benchmark", "model") else "right")
    for k in ks:
        table.add_column(f"pass@{k}", justify="right")
    for s in summaries:
        completions = (f"{s['min_completions']}" if s["min_completions"] == s["max_completions"]
                       else f"{s['min_completions']}-{s['max_completions']}")
        table.add_row(str(s.get("language", "")), str(s.get("benchmark", "")), _short(str(s.get("model", ""))),
                      f"{s.get('temperature', '')}", str(s["num_problems"]), completions,
                      *(f"{100 * s[f'pass@{k}']:.2f}" if f"pass@{k}" in s else "-" for k in ks))
    return table


def print_table(summaries: Sequence[dict], title: str = "pass@k (%)") -> None:
    from rich.console import Console
    Console().print(pass_at_k_table(summaries, title))


def _short(model: str, width: int = 40) -> str:
    return model if len(model) <= width else "..." + model[-(width - 3):]
