"""Throughput of the MultiPL-E machinery: problems translated per second, and completions
executed per second end to end (program assembly + the sandbox pool), per language. The
translation rate has the reference check's outcomes cached; "reference s" is the batched check
(mplt/translation/guard.py) run once with an empty cache.

    .venv/bin/python bench/translate_eval.py [--humaneval-path P] [--langs lua,rkt,ml,r,jl]
                                             [--exec-limit 20] [--workers W] [--repeat 3]

HumanEval comes from --humaneval-path, else $MPLT_HUMANEVAL, else shared/data/HumanEval.jsonl.gz in
the folder that holds the repository. Execution runs, for the first --exec-limit translated problems, two
completions each: the oracle (mplt/translation/oracle.py, must pass) and a trivially wrong body
(must fail); the table shows how many of each passed, as a sanity check of the numbers.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# A body that parses but answers wrongly (or raises), per language, after MultiPL-E's prompt.
WRONG = {"lua": "    return nil\nend\n", "rkt": "  (error \"wrong\"))\n", "ml": "  failwith \"wrong\"\n",
         "r": "  NULL\n}\n", "jl": "    error(\"wrong\")\nend\n", "py": "    return None\n"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--humaneval-path", default=os.environ.get(
        "MPLT_HUMANEVAL", str(REPO.parent / "shared" / "data" / "HumanEval.jsonl.gz")))
    parser.add_argument("--langs", default="lua,rkt,ml,r,jl")
    parser.add_argument("--exec-limit", type=int, default=20, help="problems executed per language")
    parser.add_argument("--workers", type=int, default=None, help="pool threads (default: CPU count)")
    parser.add_argument("--repeat", type=int, default=3, help="translation timing: best of R passes")
    return parser.parse_args(argv)


def time_translation(problems, language: str, repeat: int):
    """(translated, problems/s with the reference check's outcomes cached, seconds of the batched
    reference check itself, run once with a fresh cache)."""
    from mplt.translation import Skip, translate_problem
    from mplt.translation.driver import prefetch_references
    from mplt.translation.guard import Reference
    reference = Reference()
    start = time.perf_counter()
    prefetch_references(problems, [language], reference)
    reference_s = time.perf_counter() - start
    best, outcomes = float("inf"), []
    for _ in range(repeat):
        start = time.perf_counter()
        outcomes = [translate_problem(p, language, reference=reference) for p in problems]
        best = min(best, time.perf_counter() - start)
    translated = sum(not isinstance(o, Skip) for o in outcomes)
    return translated, len(problems) / best, reference_s


def time_execution(problems, language: str, limit: int, workers: int | None):
    from mplt.execution.pool import execute_all
    from mplt.translation import Skip, build_program
    from mplt.translation.oracle import build_oracle

    jobs = []
    for problem in problems:
        built = build_oracle(problem, language)
        if isinstance(built, Skip):
            continue
        translated, oracle = built
        record = translated.to_record()
        jobs.append({"id": f"{record['name']}/oracle", "kind": "oracle", "language": language,
                     "program": build_program(record, oracle)})
        jobs.append({"id": f"{record['name']}/wrong", "kind": "wrong", "language": language,
                     "program": build_program(record, WRONG[language])})
        if len(jobs) >= 2 * limit:
            break
    start = time.perf_counter()
    results = execute_all(jobs, None, workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    passed = {kind: sum(r["status"] == "OK" and r["exit_code"] == 0 for r in results if r["kind"] == kind)
              for kind in ("oracle", "wrong")}
    return len(jobs), len(jobs) / elapsed, passed


def main(argv=None) -> int:
    args = parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    from mplt.benchmarks.humaneval import load_problems
    from mplt.langs import parse_languages

    if not Path(args.humaneval_path).exists():
        print(f"HumanEval not found at {args.humaneval_path}; pass --humaneval-path or set MPLT_HUMANEVAL",
              file=sys.stderr)
        return 2
    problems = load_problems(args.humaneval_path)
    workers = args.workers or os.cpu_count() or 1
    table = Table(title=f"translate + execute throughput (HumanEval, {len(problems)} problems, "
                        f"{workers} workers, {os.cpu_count()} CPUs)")
    for column in ("language", "translated", "problems/s", "reference s", "executed", "completions/s",
                   "oracle pass", "wrong pass"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for lang in (language.name for language in parse_languages(args.langs)):
        translated, rate, reference_s = time_translation(problems, lang, args.repeat)
        executed, exec_rate, passed = time_execution(problems, lang, args.exec_limit, workers)
        table.add_row(lang, f"{translated}/{len(problems)}", f"{rate:.0f}", f"{reference_s:.1f}", str(executed),
                      f"{exec_rate:.2f}",
                      f"{passed['oracle']}/{executed // 2}", f"{passed['wrong']}/{executed // 2}")
    Console(width=110).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
