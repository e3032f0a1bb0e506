"""Per-configuration fingerprints of the smoke profile's model computations (docs/determinism.md).

    .venv/bin/python bench/determinism.py [--epochs N] [--out DIR]

Runs `python -m mplt.smoke.fingerprint` once per emulated CPU configuration
(`mplt.smoke.fingerprint.CONFIGURATIONS`, one after another) and prints one row each: the CPU capability torch used, its
threads, the max abs difference of the warm-started weights and of the LoRA adapter from the first
row, and whether each set of sampled completions (testgen, translate, evaluate base / fine-tuned)
is identical to the first row's. Default: the profile's 30 warm-start epochs (slow on a busy machine).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mplt.smoke.fingerprint import CONFIGURATIONS, max_abs_diff, run_configuration  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="warm-start epochs (default: the profile's)")
    parser.add_argument("--out", default=None, help="where to keep the runs (default: a temporary directory)")
    args = parser.parse_args()
    root = Path(args.out or tempfile.mkdtemp(prefix="mplt-determinism-"))
    # One at a time: at once, three torch processes oversubscribe a small machine (a 2-core one ran
    # each warm-start epoch 20x slower), and the seconds column would mean nothing.
    rows = [(name, root / f"config{i}", run_configuration(root / f"config{i}", env, threads, args.epochs))
            for i, (name, env, threads) in enumerate(CONFIGURATIONS)]
    first_out, first = rows[0][1], rows[0][2]
    print(f"warm-start epochs: {first['epochs']}, dtype {first['dtype']}; runs in {root}")
    header = f"{'configuration':24} {'ISA':8} {'thr':>3} {'weights |d|':>12} {'adapter |d|':>12} " \
             f"{'testgen':8} {'transl.':8} {'eval.b':8} {'eval.ft':8} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    for name, out, fp in rows:
        same = ["same" if fp["digests"][k] == first["digests"][k] else "DIFFER"
                for k in ("testgen", "translate", "evaluate.base", "evaluate.finetuned")]
        print(f"{name:24} {fp['capability']:8} {fp['threads']:>3} "
              f"{max_abs_diff(first_out / 'weights.pt', out / 'weights.pt'):>12.3g} "
              f"{max_abs_diff(first_out / 'adapter.pt', out / 'adapter.pt'):>12.3g} "
              + " ".join(f"{s:8}" for s in same) + f" {fp['seconds']:>8}")
    digests = {k: v[:12] for k, v in first["digests"].items()}
    print(f"completion digests (first row): {digests}")
    return 0 if all(fp["digests"] == first["digests"] for _, _, fp in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
