"""Execution on a one-machine Ray cluster against this machine's pool, and a projection to a cluster
(docs/cluster.md).

    MPLT_HUMANEVAL=/path/HumanEval.jsonl.gz .venv/bin/python bench/cluster.py \\
        [--langs lua,r] [--problems 80] [--workers 2] [--repeats 2] [--nodes 1,8,32,128] [--cores 16,64]

For each language the same programs (translated HumanEval harnesses, each with its oracle and a
wrong body, as bench/execution.py) run warm through `execute_all` on this machine and through
`cluster = "local"` (an in-process Ray with `--workers` CPUs: one node, one executor), alternately,
`--repeats` times each, keeping each way's fastest (the machine's load varies). Prints programs/s
for both, the cluster's overhead over the whole stage and with the executor's start (actor
placement, node check, sandbox self-test) taken out, and whether every status agrees.

Then a PROJECTION, not a measurement: hours to execute the paper's translations (every selected
function's 50 completions in each language: `mplt.run.sizing` PAPER_FUNCTIONS x PAPER_SAMPLES, an
upper bound, since only functions whose tests were kept are translated) on N nodes of C cores, from
the per-core rates measured here through the cluster, assuming the rate grows linearly with cores
(execution is CPU-bound and programs are independent) and that nodes are as fast as this machine's
cores. Numbers depend on the machine's load: say so when quoting them.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mplt.benchmarks.humaneval import load_problems  # noqa: E402
from mplt.execution import cluster  # noqa: E402
from mplt.execution.limits import program_limits  # noqa: E402
from mplt.execution.pool import execute_all  # noqa: E402
from mplt.run.sizing import PAPER_FUNCTIONS, PAPER_SAMPLES  # noqa: E402
from mplt.settings import applied, resolve  # noqa: E402
from mplt.translation.oracle import oracle_and_failing_programs  # noqa: E402

LIMITS = program_limits(None)


def jobs_for(problems, lang: str, count: int) -> list[dict]:
    return [{"id": f"{name}/{kind}", "language": lang, "program": program}
            for name, kind, program in oracle_and_failing_programs(problems, lang, count)]


def timed_run(jobs: list[dict], workers: int, cluster_name: str) -> tuple[float, float, list[str]]:
    """(seconds for the stage, seconds of it spent starting executors, statuses)."""
    starts: list[float] = []
    real_start = cluster.start_executors

    def start_executors(*args, **kwargs):
        began = time.perf_counter()
        try:
            return real_start(*args, **kwargs)
        finally:
            starts.append(time.perf_counter() - began)
    cluster.start_executors = start_executors
    try:
        with applied(resolve({"cluster": cluster_name} if cluster_name else {})):
            began = time.perf_counter()
            results = execute_all(jobs, workers=workers, limits=LIMITS, progress=False, execution="warm")
            seconds = time.perf_counter() - began
    finally:
        cluster.start_executors = real_start
    return seconds, sum(starts), [r["status"] for r in results]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--langs", default="lua,r")
    parser.add_argument("--problems", type=int, default=80)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--nodes", default="1,8,32,128")
    parser.add_argument("--cores", default="16,64")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    import os
    import ray
    problems = load_problems(os.environ.get("MPLT_HUMANEVAL") or
                             Path(__file__).resolve().parents[2] / "shared" / "data" / "HumanEval.jsonl.gz")
    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level=logging.WARNING,
             runtime_env={"py_modules": [str(Path(cluster.__file__).resolve().parents[1])],
                          "excludes": ["__pycache__", "*.pyc"]})
    per_core: dict[str, float] = {}
    print(f"workers {args.workers}; {os.cpu_count()} CPUs here, shared with other work (numbers depend on load)")
    print(f"{'lang':5} {'programs':>8} {'local/s':>8} {'ray/s':>8} {'overhead':>9} {'w/o start':>9} {'start s':>7} agree")
    for lang in args.langs.split(","):
        jobs = jobs_for(problems, lang, args.problems)
        here_runs, ray_runs = [], []
        for _ in range(args.repeats):
            here_runs.append(timed_run(jobs, args.workers, ""))
            ray_runs.append(timed_run(jobs, args.workers, "local"))
        local_s, _, local = min(here_runs)
        ray_s, start_s, through = min(ray_runs)
        steady = ray_s - start_s
        per_core[lang] = len(jobs) / ray_s / args.workers
        print(f"{lang:5} {len(jobs):8} {len(jobs) / local_s:8.1f} {len(jobs) / ray_s:8.1f} "
              f"{100 * (ray_s / local_s - 1):8.1f}% {100 * (steady / local_s - 1):8.1f}% {start_s:7.1f} "
              f"{'yes' if local == through else 'NO'}")
    ray.shutdown()
    programs = PAPER_FUNCTIONS * PAPER_SAMPLES
    print(f"\nPROJECTION (not measured): hours to execute {PAPER_FUNCTIONS:,} functions x {PAPER_SAMPLES} "
          f"completions = {programs:,} programs per language (an upper bound), at the per-core rates above "
          "through the cluster, linear in cores")
    langs = list(per_core)
    print(f"{'nodes':>5} {'cores':>5} " + " ".join(f"{lang:>8}" for lang in langs) + f" {'all':>8}")
    for nodes in map(int, args.nodes.split(",")):
        for cores in map(int, args.cores.split(",")):
            hours = [programs / (per_core[lang] * nodes * cores) / 3600 for lang in langs]
            print(f"{nodes:5} {cores:5} " + " ".join(f"{h:8.2f}" for h in hours) + f" {sum(hours):8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
