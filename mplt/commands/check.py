"""`python reproduce.py check --run-dir D [--expected FILE]`: expected vs got per figure.

Exit code 0 when every figure is within its tolerance, 1 when any is outside or missing, 2 when the
run directory or the expected-results file is unusable (one-line error).
"""
from __future__ import annotations

import argparse

HELP = "compare a run's figures with expected_results/<profile>.json; non-zero exit on any failure"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="the run directory (reproduce.py run --run-dir)")
    parser.add_argument("--expected", default=None,
                        help="expected-results JSON (default: expected_results/<profile>.json)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where check.json and results.json go (default: RUN/report; a read-only "
                             "run is checked without writing them)")


def print_rows(rows, expected_path, *, failures_only: bool = False) -> None:
    """One line per figure; `failures_only` (the end of a run) lists just the figures outside their
    range. The source column needs a wide terminal; report/check.json and report.md always have it."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    failed = [r for r in rows if not r.ok]
    shown = failed if failures_only else rows
    if shown:
        table = Table(title=f"check: {expected_path}" + (" (figures outside their range)" if failures_only else ""),
                      title_justify="left")
        table.add_column("Figure", no_wrap=True, min_width=min(30, max(len(r.name) for r in shown)))
        for column in ("Expected", "Got", "Verdict"):
            table.add_column(column, no_wrap=True)
        with_source = console.width >= 140
        if with_source:
            table.add_column("Source", overflow="ellipsis", no_wrap=True, max_width=60)
        style = {"pass": "green", "skip": "yellow", "fail": "bold red", "missing": "bold red"}
        for row in shown:
            cells = [row.name, row.expected, row.got, f"[{style[row.verdict]}]{row.verdict}[/]"]
            table.add_row(*cells, *([row.source] if with_source else []))
        console.print(table)
    for row in failed:
        if row.verdict == "missing":
            console.print(f"[red]missing:[/] {row.name} is not in this run's results "
                          "(did its stage run? see report/report.md)")
    if failed:
        console.print(f"[bold red]FAIL[/]: {len(failed)} of {len(rows)} figures outside their expected range")
    else:
        console.print(f"[bold green]PASS[/]: all {len(rows)} figures as expected")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mplt.errors import MpltError
    from mplt.io import unwritable_reason, write_json
    from mplt.results.check import check_run, rows_to_json
    from mplt.results.collect import collect_results, write_results
    from mplt.stages.summary import SUMMARY

    run_dir = Path(args.run_dir)
    if not run_dir.is_dir():
        raise MpltError(f"{run_dir}: no such run directory")
    if (run_dir / "rehearse" / SUMMARY).exists() and not args.expected:
        raise MpltError(f"{run_dir} is a rehearsal (random stand-in models): it has no expected figures; "
                        "pass --expected FILE to compare anyway")
    results = collect_results(run_dir)
    expected_path, rows = check_run(results, args.expected)
    passed = all(r.ok for r in rows)
    out_dir = Path(args.out) if args.out else run_dir / "report"
    why = unwritable_reason(out_dir)
    if why and args.out:
        raise MpltError(f"{out_dir}: cannot write ({why}); choose another --out")
    if not why:
        write_results(results, out_dir)
        write_json(out_dir / "check.json", {"expected": str(expected_path), "rows": rows_to_json(rows),
                                             "passed": passed})
    print_rows(rows, expected_path)
    if why:     # a finished run on read-only storage is still checked; only the files are skipped
        print(f"note: {out_dir} is not writable ({why}): check.json not written; pass --out DIR to keep it")
    return 0 if passed else 1
