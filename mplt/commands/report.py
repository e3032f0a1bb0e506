"""`python reproduce.py report --run-dir D [--expected FILE]`: write D/report/ (report.md, results.json,
check.json, PNG plots) from whatever stages of the run have finished."""
from __future__ import annotations

import argparse

HELP = "write the run's report (report/report.md, results.json, plots) from its stage outputs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="the run directory (reproduce.py run --run-dir)")
    parser.add_argument("--expected", default=None,
                        help="expected-results JSON for the check table (default: by profile)")


def run(args: argparse.Namespace) -> int:
    from mplt.run.report import write_report

    written = write_report(args.run_dir, args.expected)
    results = written["results_data"]
    print(f"report: {written['report']}")
    print(f"results: {written['results']} ({len(results['figures'])} figures; stages: "
          + ", ".join(f"{s} {v}" for s, v in results["stages"].items()) + ")")
    if written["error"]:
        print(f"check table: not included ({written['error']})")
    return 0
