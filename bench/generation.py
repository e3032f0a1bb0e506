"""Generation speed of the HF backend: HumanEval prompts in one language, n samples each.

    .venv/bin/python bench/generation.py [--model DIR] [--lang lua] [--problems 8] [--n 4]
        [--max-new-tokens 64] [--batch-size 16] [--humaneval-path FILE]

Without --model a tiny Llama is built in a temporary directory (mplt.models.tiny; CPU). Prompts come
from the `humaneval` benchmark (--humaneval-path, else $MPLT_HUMANEVAL), translated to --lang with
its stop strings, as `eval` sends them. Prints one table row: completions/s, generated tokens/s
(the completions re-tokenized, after the EOS and stop-string cut), time to the first
finished prompt, and the share of wall time spent outside `model.forward` (sampling, stop checks,
padding and the generate loop itself). On a shared machine label the numbers "under load".
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed_forward(model, totals: dict):
    """Wrap model.forward so every call adds its wall time and one call to `totals`."""
    inner = model.forward

    def forward(*args, **kwargs):
        start = time.perf_counter()
        out = inner(*args, **kwargs)
        totals["forward_s"] += time.perf_counter() - start
        totals["calls"] += 1
        return out
    model.forward = forward


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory or registry key (default: a tiny local model)")
    parser.add_argument("--lang", default="lua")
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--humaneval-path", default=os.environ.get("MPLT_HUMANEVAL"))
    parser.add_argument("--label", default="under load (shared machine)")
    args = parser.parse_args()

    import torch
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    from mplt.generation import SamplingConfig
    from mplt.generation.backends.hf import HFBackend
    from mplt.models.load import load_model

    model = args.model
    if model is None:
        from mplt.models.tiny import build_tiny_model, stdlib_texts
        model = str(build_tiny_model(Path(tempfile.mkdtemp(prefix="mplt-bench-gen-")), stdlib_texts(60)))
    problems = load_benchmark("humaneval", args.lang, BenchmarkOptions(humaneval_path=args.humaneval_path,
                                                                       limit=args.problems)).records
    prompts = [{**r, "id": r["name"]} for r in problems]
    loaded = load_model(model, device="cuda" if torch.cuda.is_available() else "cpu")
    totals = {"forward_s": 0.0, "calls": 0}
    timed_forward(loaded.model, totals)
    config = SamplingConfig(n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens,
                            batch_size=args.batch_size, seed=0)
    backend = HFBackend(loaded)
    first: list[float] = []
    tokens = 0
    start = time.perf_counter()
    for record in backend.generate(prompts, config, lambda k: None):
        first = first or [time.perf_counter() - start]
        tokens += sum(len(loaded.tokenizer(c, add_special_tokens=False)["input_ids"]) for c in record["completions"])
    wall = time.perf_counter() - start
    completions = len(prompts) * args.n
    print(f"HF backend, {len(prompts)} {args.lang} prompts x n={args.n}, max_new_tokens={args.max_new_tokens}, "
          f"batch {args.batch_size}, {loaded.model.device}, torch threads {torch.get_num_threads()}; {args.label}")
    header = f"{'completions/s':>13} {'tokens/s':>9} {'first (s)':>9} {'wall (s)':>8} {'forward calls':>13} {'outside forward':>15}"
    print(header)
    print("-" * len(header))
    print(f"{completions / wall:13.2f} {tokens / wall:9.1f} {first[0]:9.2f} {wall:8.2f} {totals['calls']:13d} "
          f"{100 * (1 - totals['forward_s'] / wall):14.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
