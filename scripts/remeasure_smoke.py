"""Re-measure `expected_results/smoke.json` in one command: full smoke runs under emulated CPUs and
under each given Python, a check that they agree, then the expectations.

    .venv/bin/python scripts/remeasure_smoke.py --out /tmp/smoke-measure \\
        --python /path/to/another-venv/bin/python --write expected_results/smoke.json
    .venv/bin/python scripts/remeasure_smoke.py --runs RUN_DIR RUN_DIR ... [--write FILE]

Runs, one after the other (at once they oversubscribe a small machine; docs/determinism.md):
  * this interpreter under each configuration of `mplt.smoke.fingerprint.CONFIGURATIONS` (machine
    default; `default` ISA with MKL SSE4.2 and oneDNN SSE4.1, 1 thread; `avx2`, 2 threads), the
    thread count through OMP_NUM_THREADS;
  * each `--python` (another build of Python 3.11 with mplt installed, e.g. a venv made from
    Debian's /usr/bin/python3.11) under the machine default.
Each run is `reproduce.py run --profile smoke`, as `make reproduce` runs it. `--runs` takes finished
runs instead (made by hand, e.g. `make reproduce PROFILE=smoke` in a fresh clone set up with
another Python). Each is compared with the first (docs/determinism.md, "Python builds"):
  * the smoke model's weights and tokenizer, and every sampled completion (testgen samples,
    translate and evaluate completions): byte-identical;
  * the figures (durations left out): equal, the fine-tuning losses to LOSS_RTOL;
  * the LoRA adapters' largest difference is printed, not judged: an emulated CPU moves them
    (measured: 8.8e-5 under the `default` ISA after the profile's fine-tune) while they sample the
    very same tokens, and the samples are what every figure rests on.
Only when every run agrees does `--write` store the expectations (scripts/measure_smoke.py's rules
over all runs); otherwise it exits 1 and writes nothing. Each run's own check against the current
file is reported, not required.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from measure_smoke import run_configuration  # noqa: E402
from mplt.smoke.fingerprint import CONFIGURATIONS, ENV_KEYS  # noqa: E402

LOSS_RTOL = 1e-6


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


def samples(run_dir: Path) -> list[Path]:
    return [run_dir / "testgen" / "samples.jsonl", *sorted((run_dir / "translate").glob("*/completions.jsonl")),
            *sorted((run_dir / "evaluate").glob("*/*/completions.jsonl"))]


def figures(run_dir: Path) -> dict:
    results = json.loads((run_dir / "report" / "results.json").read_text())
    return {k: v for k, v in results["figures"].items() if not k.startswith("duration.")}


def adapters(run_dir: Path):
    import torch
    from safetensors.torch import load_file
    found = {}
    for path in sorted((run_dir / "finetune").glob("*/adapter/adapter_model.safetensors")):
        tensors = load_file(path)
        found[path.parent.parent.name] = torch.cat([tensors[k].flatten().double() for k in sorted(tensors)])
    return found


def compare(first: Path, run: Path) -> dict[str, tuple[bool, str]]:
    """name -> (agrees, what was seen), for `run` against `first`."""
    seen = {}
    for name, paths in (("weights", [Path("model/model.safetensors")]), ("tokenizer", [Path("model/tokenizer.json")])):
        mine = digest([run / p for p in paths])
        seen[name] = (mine == digest([first / p for p in paths]), mine[:12])
    mine = digest(samples(run))
    seen["samples"] = (mine == digest(samples(first)), f"{mine[:12]} ({len(samples(run))} files)")
    a, b = adapters(first), adapters(run)
    worst = max((float((a[k] - b[k]).abs().max()) if k in b and a[k].shape == b[k].shape else math.inf)
                for k in a) if a and set(a) == set(b) else math.inf
    seen["adapters"] = (True, f"|d| {worst:.3g} (shown, not judged)")
    x, y = figures(first), figures(run)
    differ = sorted(k for k in set(x) | set(y)
                    if not (x.get(k) == y.get(k) or (k.endswith("_loss") and isinstance(x.get(k), float)
                                                     and isinstance(y.get(k), float)
                                                     and math.isclose(x[k], y[k], rel_tol=LOSS_RTOL))))
    seen["figures"] = (not differ, f"{len(x)} equal" if not differ else
                       "differ: " + ", ".join(f"{k} {x.get(k)} vs {y.get(k)}" for k in differ))
    return seen


def smoke_run(python: str, run_dir: Path, env: dict[str, str], threads: int | None) -> tuple[int, float]:
    full_env = {**{k: v for k, v in os.environ.items() if k not in ENV_KEYS}, **env,
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if threads:
        full_env["OMP_NUM_THREADS"] = str(threads)
    start = time.monotonic()
    with open(run_dir.parent / f"{run_dir.name}.log", "w") as log:
        code = subprocess.run([python, "reproduce.py", "run", "--profile", "smoke", "--run-dir", str(run_dir),
                               "--no-progress"], cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT).returncode
    return code, time.monotonic() - start


def bad_plan(out: Path, pythons: list[str]) -> str | None:
    if out.exists() and any(out.iterdir()):
        return f"{out} is not empty: give a new directory"
    return next((f"--python {p} is not an executable" for p in pythons if not os.access(p, os.X_OK)), None)


def run_plan(out: Path, pythons: list[str]) -> list[tuple[Path, int, float | None]] | None:
    """The new runs, one after the other; None (with an error line) when one writes no report."""
    out.mkdir(parents=True, exist_ok=True)
    plan = [(sys.executable, env, threads) for _, env, threads in CONFIGURATIONS]
    plan += [(p, {}, None) for p in pythons]
    rows = []
    for i, (python, env, threads) in enumerate(plan):
        run_dir = out / f"run{i}"
        print(f"[{i + 1}/{len(plan)}] {python} {env or 'machine default'}, threads {threads or 'default'}: {run_dir}",
              flush=True)
        code, seconds = smoke_run(python, run_dir, env, threads)
        if not (run_dir / "report" / "results.json").exists():
            print(f"error: the run in {run_dir} wrote no report (exit {code}); log: {run_dir}.log", file=sys.stderr)
            return None
        rows.append((run_dir, code, seconds))
    return rows


def finished(runs: list[str]) -> tuple[list[tuple[Path, int, float | None]] | None, str | None]:
    rows = []
    for run in map(Path, runs):
        if not (run / "report" / "results.json").exists():
            return None, f"{run} has no report/results.json: not a finished smoke run"
        check = run / "report" / "check.json"
        passed = check.exists() and json.loads(check.read_text()).get("passed")
        rows.append((run, 0 if passed else 1, None))
    return rows, None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="a new directory for the runs")
    parser.add_argument("--runs", nargs="+", default=None, metavar="RUN_DIR",
                        help="compare (and --write from) these finished runs instead of running new ones")
    parser.add_argument("--python", action="append", default=[],
                        help="another interpreter with mplt installed (repeatable)")
    parser.add_argument("--write", default=None, help="write the expectations here when every run agrees")
    args = parser.parse_args(argv)
    if args.runs:
        rows, problem = finished(args.runs)
    elif args.out:
        problem = bad_plan(Path(args.out), args.python)
        rows = None
    else:
        rows, problem = None, "give --out DIR for new runs, or --runs RUN_DIR ... to compare finished ones"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if rows is None:
        rows = run_plan(Path(args.out), args.python)
        if rows is None:
            return 1
    first = rows[0][0]
    agree = True
    for run_dir, code, seconds in rows:
        seen = compare(first, run_dir)
        agree &= all(ok for ok, _ in seen.values())
        took = f", {seconds / 60:.1f} min" if seconds is not None else ""
        print(f"{run_dir} ({run_configuration(run_dir)}{took}; own check {'passed' if code == 0 else 'FAILED'})")
        for name, (ok, what) in seen.items():
            print(f"    {name:9} {'ok    ' if ok else 'DIFFER'} {what}")
    if not agree:
        print("error: the runs disagree; expectations not written", file=sys.stderr)
        return 1
    if args.write:
        written = subprocess.run([sys.executable, str(REPO / "scripts" / "measure_smoke.py"),
                                  *(str(r[0]) for r in rows)], capture_output=True, text=True)
        if written.returncode != 0:
            print(f"error: measure_smoke.py failed: {written.stderr.strip()}", file=sys.stderr)
            return 1
        Path(args.write).write_text(written.stdout)
        print(f"wrote {args.write} from {len(rows)} runs that agree")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
