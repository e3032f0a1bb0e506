"""`python reproduce.py report --run-dir D [--expected FILE]`: write D/report/ (report.md, results.json,
check.json, PNG plots) from whatever stages of the run have finished."""
from __future__ import annotations

import argparse

HELP = "write the run's report (report/report.md, results.json, plots) from its stage outputs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="the run directory (reproduce.py run --run-dir)")
    parser.add_argument("--expected", default=None,
                        help="expected-results JSON for the check table (default: by profile)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where the report goes (default: RUN/report), e.g. for a read-only run")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mplt.errors import MpltError
    from mplt.io import unwritable_reason
    from mplt.results.report import write_report

    if not Path(args.run_dir).is_dir():
        raise MpltError(f"{args.run_dir}: no such run directory")
    out_dir = Path(args.out) if args.out else Path(args.run_dir) / "report"
    why = unwritable_reason(out_dir)
    if why:
        raise MpltError(f"{out_dir}: cannot write the report ({why}); "
                        + ("choose another --out" if args.out else "pass --out DIR to write it elsewhere"))
    written = write_report(args.run_dir, args.expected, out_dir)
    results = written["results_data"]
    print(f"report: {written['report']}")
    print(f"results: {written['results']} ({len(results['figures'])} figures; stages: "
          + ", ".join(f"{s} {v}" for s, v in results["stages"].items()) + ")")
    if written["error"]:
        print(f"check table: not included ({written['error']})")
    return 0
