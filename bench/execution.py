"""Execution throughput per language: MultiPL-E-style, mplt cold and mplt warm (docs/warm.md).

    MPLT_HUMANEVAL=/path/HumanEval.jsonl.gz .venv/bin/python bench/execution.py \\
        [--langs lua,rkt,ml,r,jl] [--problems 10] [--workers 2] [--repeats 5]

For each language, the same programs (real HumanEval test harnesses translated by mplt, each with
its oracle body and with a wrong body: distinct programs, so the content-hash cache does not help)
run three ways, in one run, with the same number of workers:
  MultiPL-E-style  a fresh interpreter per program, no sandbox (as MultiPL-E's evaluator)
  mplt cold        `execute_all(..., execution="cold")`: a fresh interpreter in the sandbox
  mplt warm        `execute_all(..., execution="warm")`: warm workers (fork or spawn, docs/warm.md)
Prints programs/s for each, warm / MultiPL-E, whether the three agree on every status, the kind of
warm worker, the resident memory of one warm worker after a few programs (the forking interpreter,
or the spawner's shell), and the sandbox's set-up cost per program (median wall time of a cold
sandboxed run minus a bare run of the same file).
Numbers depend on the machine's load: say so when quoting them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mplt.benchmarks.humaneval import load_problems  # noqa: E402
from mplt.execution import cgroups, isolation  # noqa: E402
from mplt.execution.limits import program_limits  # noqa: E402
from mplt.execution.pool import execute_all  # noqa: E402
from mplt.execution.sandbox import run_program  # noqa: E402
from mplt.execution.warm import WarmWorker  # noqa: E402
from mplt.langs import get_language  # noqa: E402
from mplt.langs.status import TIMEOUT  # noqa: E402
from mplt.translation.oracle import oracle_and_failing_programs  # noqa: E402

LIMITS = program_limits(None)


def programs_for(problems, lang: str, count: int) -> list[str]:
    """Each problem's oracle body and the language's failing body (mplt.translation.oracle)."""
    return [program for _, _, program in oracle_and_failing_programs(problems, lang, count)]


def multipl_e_style(lang: str, programs: list[str], workers: int) -> tuple[float, list[str]]:
    """A fresh interpreter per program, no sandbox, `workers` threads: (programs/s, statuses)."""
    language = get_language(lang)
    executable = language.find_executable()
    timeout = LIMITS.resolve_timeout(language.timeout_s)

    def one(program: str) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"program{language.extension}"
            path.write_text(program)
            try:
                proc = subprocess.run(language.run_command(executable, path), cwd=tmp, capture_output=True,
                                      timeout=timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                return TIMEOUT
            return language.classify(proc.returncode, proc.stdout.decode(errors="replace"),
                                     proc.stderr.decode(errors="replace"))
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(one, programs))
    return len(programs) / (time.monotonic() - start), statuses


def mplt_run(lang: str, programs: list[str], workers: int, execution: str) -> tuple[float, list[str]]:
    jobs = [{"id": i, "language": lang, "program": p} for i, p in enumerate(programs)]
    start = time.monotonic()
    results = execute_all(jobs, workers=workers, limits=LIMITS, progress=False, execution=execution)
    return len(programs) / (time.monotonic() - start), [r["status"] for r in results]


def warm_rss_mib(lang: str, programs: list[str]) -> float | None:
    """Resident memory of one warm worker's process after a few programs."""
    worker = WarmWorker(get_language(lang), LIMITS, isolation.detect_mode())
    try:
        for program in programs[:6]:
            try:
                worker.run(program)
            except Exception:   # a disturbed run: the figure is for the ordinary case
                break
        rss = _rss_kib(worker.pid) if worker.alive else 0
    finally:
        worker.close()
    return rss / 1024 if rss else None


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def setup_cost_ms(lang: str, program: str, repeats: int) -> float:
    """Median sandboxed wall time minus median bare wall time of the same program, in ms."""
    language = get_language(lang)
    executable = language.find_executable()
    bare, boxed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"program{language.extension}"
        path.write_text(program)
        for _ in range(repeats + 1):  # the first round warms caches and is dropped
            start = time.monotonic()
            subprocess.run(language.run_command(executable, path), cwd=tmp, capture_output=True, check=False)
            bare.append(time.monotonic() - start)
            start = time.monotonic()
            run_program(language, program, LIMITS)
            boxed.append(time.monotonic() - start)
    return (statistics.median(boxed[1:]) - statistics.median(bare[1:])) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", default="lua,rkt,ml,r,jl")
    parser.add_argument("--problems", type=int, default=10, help="HumanEval problems per language (x2 programs)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="runs per set-up cost median")
    parser.add_argument("--humaneval-path", default=os.environ.get("MPLT_HUMANEVAL"))
    args = parser.parse_args(argv)
    if not args.humaneval_path:
        raise SystemExit("give --humaneval-path or set MPLT_HUMANEVAL (HumanEval.jsonl.gz)")
    problems = load_problems(args.humaneval_path)
    headers = ("lang", "programs", "MultiPL-E prog/s", "cold prog/s", "warm prog/s", "warm/MultiPL-E",
               "statuses agree", "warm kind", "warm RSS MiB", "sandbox set-up ms")
    rows = []
    for lang in [get_language(x).name for x in args.langs.split(",") if x.strip()]:
        if get_language(lang).find_executable() is None:
            rows.append((lang, "missing", *[""] * (len(headers) - 2)))
            continue
        programs = programs_for(problems, lang, args.problems)
        base, base_status = multipl_e_style(lang, programs, args.workers)
        cold, cold_status = mplt_run(lang, programs, args.workers, "cold")
        warm, warm_status = mplt_run(lang, programs, args.workers, "warm")
        agree = sum(a == b == c for a, b, c in zip(base_status, cold_status, warm_status))
        rss = warm_rss_mib(lang, programs)
        rows.append((lang, str(len(programs)), f"{base:.2f}", f"{cold:.2f}", f"{warm:.2f}", f"{warm / base:.2f}x",
                     f"{agree}/{len(programs)}", "fork" if get_language(lang).warm_script else "spawn",
                     f"{rss:.0f}" if rss else "-",
                     f"{setup_cost_ms(lang, programs[0], args.repeats):+.0f}"))
    print(f"sandbox mode: {isolation.detect_mode()}; fork guard: {cgroups.fork_guard()}; workers: {args.workers}; "
          f"load average: {os.getloadavg()[0]:.1f} (other work on the machine slows every column)")
    print(" | ".join(headers))
    for row in rows:
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
