"""Write `expected_results/smoke.json` from measured smoke runs (format: expected_results/README.md).

    python scripts/measure_smoke.py runs/smoke-a runs/smoke-b > expected_results/smoke.json

Each figure's value is the mean over the runs; each run's CPU emulation (ATEN_CPU_CAPABILITY and the
like, from its environment.json) is named in the sources. The smoke computations do not
depend on the CPU or the load (docs/determinism.md, docs/execution.md), so runs under different
emulations should agree exactly and the spread term below is 0; the tolerances are kept for what
remains machine-dependent outside the model (toolchain versions) and are tight enough to catch a
broken stage (a stage that keeps nothing, or passes everything, falls outside):
* funnel counts: +-20 % of the value, at least +-2 items (`COUNT_SHARE`, `COUNT_FLOOR`);
* pass@1: +-0.15 (`PASS_TOL`) plus half the spread seen between the runs;
* evaluation settings (problems, n): exact; `claim.loss_decreased` when every run showed it.
Julia figures are optional: the smoke profile drops Julia where it is not installed.
"""
from __future__ import annotations

import json
import math
import platform
import statistics
import sys
from pathlib import Path

COUNT_SHARE = 0.2
COUNT_FLOOR = 2
PASS_TOL = 0.15


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def expectations(runs: list[dict], source: str) -> dict:
    names = sorted(set.intersection(*(set(r["figures"]) for r in runs)))
    figures = {}
    for name in names:
        values = [r["figures"][name] for r in runs]
        seen = f"{source}; runs gave {', '.join(str(round(v, 4)) if isinstance(v, float) else str(v) for v in values)}"
        entry: dict | None = None
        if name.startswith("funnel.") and all(isinstance(v, int) for v in values):
            value = round(statistics.mean(values))
            entry = {"value": value, "abs_tol": max(COUNT_FLOOR, math.ceil(COUNT_SHARE * value)), "source": seen}
        elif name.startswith(("pass@1.base.", "pass@1.finetuned.")):
            value = statistics.mean(values)
            spread = max(values) - min(values)
            entry = {"value": round(value, 4), "abs_tol": round(PASS_TOL + spread / 2, 4), "source": seen}
        elif name.startswith("eval.") and name.endswith((".num_problems", ".n")) and len(set(values)) == 1:
            entry = {"equals": values[0], "source": f"{source}: the profile's evaluation settings"}
        elif name == "claim.loss_decreased" and all(v is True for v in values):
            entry = {"claim": True, "source": f"{source}: every fine-tune lowers its training loss"}
        if entry is None:
            continue
        if name.endswith(".jl") or ".jl." in name:
            entry["optional"] = True
        figures[name] = entry
    return {"format": "mplt-expected-results/1", "profile": "smoke",
            "description": ("Measured on CPU with the smoke profile's fixed seeds. These figures check the "
                            "machinery (every data stage keeps some items and drops others; base and fine-tuned "
                            "models are generated, executed and scored alike; pass@1 measures memorisation of our "
                            "solutions to a third of the mini benchmark, the other problems fail), not the method: "
                            "the model is a 4M-parameter model warm-started on our own material. Julia figures are "
                            "optional (Julia may be absent)."),
            "figures": figures}


def run_configuration(run_dir: Path) -> str:
    """The CPU emulation and Python a run ran under (environment.json), e.g.
    `ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=1, Python 3.11.7`: the figures must depend on neither
    (docs/determinism.md)."""
    try:
        environment = json.loads((run_dir / "environment.json").read_text())
    except (OSError, ValueError):
        return "configuration not recorded"
    env = environment.get("env", {})
    keys = ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "OMP_NUM_THREADS")
    python = (environment.get("hardware") or {}).get("python")
    return (" ".join(f"{k}={env[k]}" for k in keys if k in env) or "machine default") + \
        (f", Python {python}" if python else "")


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python scripts/measure_smoke.py RUN_DIR [RUN_DIR ...]", file=sys.stderr)
        return 2
    runs = [json.loads((Path(d) / "report" / "results.json").read_text()) for d in argv]
    import os
    source = (f"measured: smoke profile, seed 0, {len(runs)} run(s) on {_cpu()}, {os.cpu_count()} cores "
              f"({'; '.join(run_configuration(Path(d)) for d in argv)})")
    print(json.dumps(expectations(runs, source), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
