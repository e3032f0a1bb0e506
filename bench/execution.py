"""Execution throughput and sandbox overhead per language (docs/sandbox.md).

    .venv/bin/python bench/execution.py [--langs py,lua,...] [--programs 8] [--repeats 5]

For each language: programs/second for a small passing MultiPL-E-style test program through
`execute_all` with 1 worker and with N = cpu_count workers (distinct programs, so the cache does
not help), and the sandbox's overhead per program: median wall time of `run_program` minus the
median of running the same file with the bare interpreter command. Prints a table.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mplt.execution import cgroups, isolation  # noqa: E402
from mplt.execution.limits import Limits  # noqa: E402
from mplt.execution.pool import execute_all  # noqa: E402
from mplt.execution.sandbox import run_program  # noqa: E402
from mplt.langs import get_language  # noqa: E402

PROGRAMS = {
    "py": "def add(a, b):\n    return a + b\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n",
    "lua": ("local function add(a, b)\n    return a + b\nend\n\nlu = require('luaunit')\n\n"
            "function test_humaneval()\nlocal candidate = add\n    lu.assertEquals(candidate(1, 2), 3)\nend\n\n"
            "os.exit(lu.LuaUnit.run())\n"),
    "rkt": ("#lang racket\n\n(define (add a b)\n  (+ a b))\n\n(require rackunit)\n\n(define (test-humaneval) \n\n"
            "  (let (( candidate add))\n    (check-within (candidate 1 2) 3 0.001)\n))\n\n(test-humaneval)\n"),
    "ml": "let add (a : int) (b : int) : int =\n  a + b\n\nlet assertions =\n let candidate = add in\n  (assert ((candidate 1 2) = 3));\n  ()\n",
    "r": ("add <- function(a, b) {\n  a + b\n}\ntest_humaneval <- function() {\n    candidate <- add\n"
          "    stopifnot(isTRUE(all.equal(candidate(1, 2), 3)))\n}\ntest_humaneval()\n"),
    "jl": ("function add(a::Int64, b::Int64)::Int64 \n    a + b\nend\n\nusing Test\n\n@testset begin\n\n"
           "candidate = add;\n\t@test(candidate(1, 2) == 3)\nend\n"),
}
LIMITS = Limits(timeout_s=120)


def throughput(lang: str, n_programs: int, workers: int) -> float:
    comment = get_language(lang).comment_prefix
    close = " *)" if comment == "(*" else ""
    # A distinct trailing comment per program, so the content-hash cache runs every one.
    jobs = [{"id": i, "language": lang, "program": PROGRAMS[lang] + f"{comment} bench {time.time_ns()} {i}{close}\n"}
            for i in range(n_programs)]
    start = time.monotonic()
    results = execute_all(jobs, workers=workers, limits=LIMITS, progress=False)
    elapsed = time.monotonic() - start
    bad = [r for r in results if r["status"] != "OK"]
    if bad:
        raise SystemExit(f"{lang}: benchmark program failed: {bad[0]['status']} {bad[0]['stderr'][-300:]}")
    return n_programs / elapsed


def overhead(lang: str, repeats: int) -> tuple[float, float]:
    """(median bare seconds, median sandboxed seconds) for the same program."""
    language = get_language(lang)
    executable = language.find_executable()
    bare, boxed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"program{language.extension}"
        path.write_text(PROGRAMS[lang])
        for _ in range(repeats + 1):  # the first round warms caches and is dropped
            start = time.monotonic()
            subprocess.run(language.run_command(executable, path), cwd=tmp, capture_output=True, check=False)
            bare.append(time.monotonic() - start)
            start = time.monotonic()
            run_program(language, PROGRAMS[lang], LIMITS)
            boxed.append(time.monotonic() - start)
    return statistics.median(bare[1:]), statistics.median(boxed[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", default="py,lua,rkt,ml,r,jl")
    parser.add_argument("--programs", type=int, default=8, help="programs per throughput measurement")
    parser.add_argument("--repeats", type=int, default=5, help="runs per overhead median")
    args = parser.parse_args(argv)
    workers = os.cpu_count() or 1
    langs = [get_language(x).name for x in args.langs.split(",") if x.strip()]
    rows = []
    for lang in langs:
        if get_language(lang).find_executable() is None:
            rows.append((lang, "missing", "", "", "", ""))
            continue
        one = throughput(lang, args.programs, 1)
        many = throughput(lang, args.programs, workers)
        bare, boxed = overhead(lang, args.repeats)
        rows.append((lang, f"{one:.2f}", f"{many:.2f}", f"{bare * 1000:.0f}", f"{boxed * 1000:.0f}",
                     f"{(boxed - bare) * 1000:+.0f}"))
    headers = ("lang", "prog/s (1 worker)", f"prog/s ({workers} workers)", "bare ms (median)",
               "sandboxed ms (median)", "overhead ms")
    print(f"sandbox mode: {isolation.detect_mode()}; fork guard: {cgroups.fork_guard()}; "
          f"load average: {os.getloadavg()[0]:.1f}")
    try:
        from rich.console import Console
        from rich.table import Table
        table = Table(title="Execution benchmark")
        for h in headers:
            table.add_column(h, justify="right")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    except ImportError:
        print(" | ".join(headers))
        for row in rows:
            print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
