"""Generation speed of each available backend: HumanEval prompts in one language, n samples each.

    .venv/bin/python bench/generation.py [--model DIR] [--lang lua] [--problems 8] [--n 4]
        [--max-new-tokens 64] [--batch-size 16] [--humaneval-path FILE]
        [--backends hf,vllm] [--base-url http://127.0.0.1:8000 --served-model NAME]

Without --model a tiny Llama is built in a temporary directory (mplt.models.tiny; CPU). Prompts come
from the `humaneval` benchmark (--humaneval-path, else $MPLT_HUMANEVAL), translated to --lang with
its stop strings, as `eval` sends them. Backends: `hf`, `vllm` when vllm is importable, `openai`
when --base-url names a running server (--served-model: its name for the model, default --model).
Prints one row per backend: start-up (opening the backend), completions/s, generated tokens/s (the
completions re-tokenized with the model's tokenizer, after the EOS and stop-string cut), time to
the first finished prompt, and for HF the share of wall time spent outside `model.forward`
(sampling, stop checks, padding and the generate loop itself). On a shared machine label the
numbers "under load".
"""
from __future__ import annotations

import argparse
import importlib.util
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


def open_one(name: str, model: str, args, totals: dict):
    """The backend `name` on `model`; HF with its forward pass timed into `totals`."""
    from mplt.generation import ModelOptions
    if name == "hf":
        import torch
        from mplt.generation.backends.hf import HFBackend
        from mplt.models.load import load_model
        loaded = load_model(model, device="cuda" if torch.cuda.is_available() else "cpu")
        timed_forward(loaded.model, totals)
        return HFBackend(loaded)
    if name == "vllm":
        from mplt.generation.backends import vllm
        return vllm.open_backend(ModelOptions(model=model))
    from mplt.generation.backends import openai
    return openai.open_backend(ModelOptions(model=args.served_model or model, base_url=args.base_url))


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
    parser.add_argument("--backends", default=None, help="comma-separated (default: every available one)")
    parser.add_argument("--base-url", default="", help="a running OpenAI-compatible server (backend openai)")
    parser.add_argument("--served-model", default="", help="the server's name for the model (default: --model)")
    parser.add_argument("--label", default="under load (shared machine)")
    args = parser.parse_args()

    import torch
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    from mplt.generation import SamplingConfig
    from mplt.models.load import load_tokenizer, resolve_spec

    model = args.model
    if model is None:
        from mplt.models.tiny import build_tiny_model, shipped_texts
        model = str(build_tiny_model(Path(tempfile.mkdtemp(prefix="mplt-bench-gen-")), shipped_texts()))
    available = ["hf"] + (["vllm"] if importlib.util.find_spec("vllm") else []) + (["openai"] if args.base_url else [])
    names = args.backends.split(",") if args.backends else available
    problems = load_benchmark("humaneval", args.lang, BenchmarkOptions(path=args.humaneval_path,
                                                                       limit=args.problems)).records
    prompts = [{**r, "id": r["name"]} for r in problems]
    tokenizer = load_tokenizer(resolve_spec(model))
    print(f"{len(prompts)} {args.lang} prompts x n={args.n}, max_new_tokens={args.max_new_tokens}, "
          f"batch {args.batch_size}, {'cuda' if torch.cuda.is_available() else 'cpu'}, "
          f"torch threads {torch.get_num_threads()}; {args.label}")
    header = (f"{'backend':>8} {'start-up (s)':>12} {'completions/s':>13} {'tokens/s':>9} {'first (s)':>9} "
              f"{'wall (s)':>8} {'outside forward':>15}")
    print(header)
    print("-" * len(header))
    for name in names:
        totals = {"forward_s": 0.0, "calls": 0}
        start = time.perf_counter()
        backend = open_one(name, model, args, totals)
        startup = time.perf_counter() - start
        config = SamplingConfig(n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens,
                                batch_size=args.batch_size, seed=0, backend=name,
                                base_url=args.base_url if name == "openai" else "")
        first: list[float] = []
        tokens = 0
        start = time.perf_counter()
        for record in backend.generate(prompts, config, lambda k: None):
            first = first or [time.perf_counter() - start]
            tokens += sum(len(tokenizer(c, add_special_tokens=False)["input_ids"]) for c in record["completions"])
        wall = time.perf_counter() - start
        outside = f"{100 * (1 - totals['forward_s'] / wall):14.1f}%" if totals["calls"] else f"{'-':>15}"
        print(f"{name:>8} {startup:12.1f} {len(prompts) * args.n / wall:13.2f} {tokens / wall:9.1f} "
              f"{first[0]:9.2f} {wall:8.2f} {outside}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
