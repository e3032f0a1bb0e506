"""Throughput of the data pipeline: functions per second through `select` (the standard
library), assertions validated and coverage runs per second in `testgen`, and translations
validated per second per language in `translate`.

    .venv/bin/python bench/pipeline.py [--copies 4] [--workers W] [--langs lua,rkt,ml,r,jl]

Test generation and translation use the hand-written LLM-like fixtures of tests/pipeline/fixtures
(no model): the testgen fixture's passing assertions and the translate fixture's passing
completions, each copied `--copies` times with a distinct trailing comment so the pool's cache of
identical programs does not skip them. Sandbox start-up dominates these numbers.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "pipeline" / "fixtures"
COMMENT = {"py": "#", "lua": "--", "rkt": ";", "ml": None, "r": "#", "jl": "#"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of each fixture program")
    parser.add_argument("--workers", type=int, default=0, help="sandbox workers (0 = CPU count)")
    parser.add_argument("--langs", default="lua,rkt,ml,r,jl")
    return parser.parse_args(argv)


def tag(program: str, language: str, i: int) -> str:
    marker = COMMENT[language]
    return program + (f"\n{marker} copy {i}\n" if marker else f"\n(* copy {i} *)\n")


def timed_jobs(jobs: list[dict], out: Path, limits, workers: int) -> tuple[int, float, int]:
    from mplt.pipeline.execute import execute_jobs
    start = time.monotonic()
    results = execute_jobs(jobs, out, limits=limits, workers=workers, progress=False)
    return len(jobs), time.monotonic() - start, sum(r["status"] == "OK" for r in results.values())


def main(argv=None) -> int:
    args = parse_args(argv)
    from mplt.execution.limits import Limits
    from mplt.io import read_jsonl
    from mplt.langs import get_language
    from mplt.pipeline.assertions import build_assertion_program
    from mplt.pipeline.coverage import build_coverage_program
    from mplt.pipeline.select import SelectConfig, run_select
    from mplt.pipeline.testgen import TestgenConfig, run_testgen
    from mplt.pipeline.translate import TranslateConfig, run_translate
    from mplt.translation import build_program
    rows = []
    with tempfile.TemporaryDirectory(prefix="mplt-bench-") as tmp:
        tmp = Path(tmp)
        summary = run_select(tmp / "stdlib", SelectConfig(), progress=False)
        rows.append(("select (stdlib)", "functions", summary["counts"]["functions"], summary["seconds"],
                     f"{summary['functions']} selected"))

        run = tmp / "fixture"
        run_select(run, SelectConfig(source="dir", path=str(FIXTURES / "src")), progress=False)
        run_testgen(run, TestgenConfig(samples_file=str(FIXTURES / "testgen_samples.jsonl")), progress=False)
        functions = list(read_jsonl(run / "testgen" / "functions.jsonl"))
        jobs = [{"id": f"{f['id']}:{k}:{c}", "language": "py",
                 "program": tag(build_assertion_program(f["source"], t), "py", c)}
                for f in functions for k, t in enumerate(f["tests"]) for c in range(args.copies)]
        n, secs, ok = timed_jobs(jobs, tmp / "asserts.jsonl", Limits(timeout_s=5), args.workers)
        rows.append(("testgen: assertions", "assertions", n, secs, f"{ok} passed"))
        jobs = [{"id": f"{f['id']}:{c}", "language": "py",
                 "program": tag(build_coverage_program(f["source"], f["name"], f["tests"]), "py", c)}
                for f in functions for c in range(args.copies)]
        n, secs, ok = timed_jobs(jobs, tmp / "coverage.jsonl", Limits(timeout_s=60), args.workers)
        rows.append(("testgen: coverage", "coverage runs", n, secs, f"{ok} ran"))

        langs = [lang for lang in args.langs.split(",") if get_language(lang).find_executable()]
        run_translate(run, TranslateConfig(languages=tuple(langs), timeout_s=30.0,
                                           samples_file=str(FIXTURES / "translate_samples.jsonl")), progress=False)
        for lang in langs:
            problems = {p["id"]: p for p in read_jsonl(run / "translate" / lang / "problems.jsonl")}
            completions = list(read_jsonl(run / "translate" / lang / "completions.jsonl"))
            outcomes = {o["id"]: o for o in read_jsonl(run / "translate" / lang / "outcomes.jsonl")}
            jobs = []
            for record in completions:
                passing = outcomes[record["id"]]["passing"]
                for i, completion in enumerate(record["completions"]):
                    program = problems[record["id"]]["prompt"] + completion
                    if program not in passing:
                        continue  # time passing programs only (a timeout would measure the limit)
                    for c in range(args.copies):
                        jobs.append({"id": f"{record['id']}:{i}:{c}", "language": lang,
                                     "program": tag(build_program(problems[record["id"]], completion), lang, c)})
            n, secs, ok = timed_jobs(jobs, tmp / f"translate-{lang}.jsonl", Limits(timeout_s=30), args.workers)
            rows.append((f"translate: {lang}", "translations", n, secs, f"{ok} passed"))
    print_table(rows)
    return 0


def print_table(rows) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table(title="mplt pipeline throughput")
    for column in ("stage", "unit", "count", "seconds", "per second", "note"):
        table.add_column(column, justify="right" if column in ("count", "seconds", "per second") else "left")
    for stage, unit, count, secs, note in rows:
        table.add_row(stage, unit, str(count), f"{secs:.1f}", f"{count / secs:.2f}" if secs else "-", note)
    Console().print(table)


if __name__ == "__main__":
    sys.exit(main())
