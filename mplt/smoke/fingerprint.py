"""Fingerprint the smoke profile's model computations on this machine (docs/determinism.md).

    python -m mplt.smoke.fingerprint OUT [--epochs N] [--threads N]

Runs the smoke profile's model-dependent work with the profile's own settings: the `model`
warm-start, sampling with the testgen, translate and evaluate settings, and one LoRA fine-tune
(the `finetune` settings) on the Lua warm-start texts, then sampling with the fine-tuned model.
Writes `OUT/fingerprint.json`: a SHA-256 of every set of completions, the warm-started weights as
one float64 vector (`OUT/weights.pt`, for the max abs difference between machines) and the CPU
configuration it ran under. The same fingerprint under other `ATEN_CPU_CAPABILITY`, MKL or thread
settings shows that the figures of a smoke run do not depend on them (tests/run/test_determinism.py,
bench/determinism.py). `--epochs` shortens the warm-start (CI); the other settings stay the profile's.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from mplt.config import config_from_dict
from mplt.errors import MpltError

ENV_KEYS = ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA", "OMP_NUM_THREADS")
FINETUNE_LANG = "lua"
# (name, environment, torch threads or None): emulations of other CPUs on this one. PyTorch picks its
# vector kernels from ATEN_CPU_CAPABILITY, MKL its code path from MKL_ENABLE_INSTRUCTIONS, oneDNN from
# ONEDNN_MAX_CPU_ISA; another thread count splits reductions differently.
CONFIGURATIONS = (
    ("machine default", {}, None),
    ("default ISA, 1 thread", {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                               "ONEDNN_MAX_CPU_ISA": "SSE41"}, 1),
    ("avx2, 2 threads", {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                         "ONEDNN_MAX_CPU_ISA": "AVX2"}, 2),
)


def run_configuration(out: Path, env: dict[str, str], threads: int | None, epochs: int | None) -> dict:
    """`python -m mplt.smoke.fingerprint` in a subprocess with `env` added; returns its fingerprint."""
    import subprocess
    argv = [sys.executable, "-m", "mplt.smoke.fingerprint", str(out)]
    argv += ["--epochs", str(epochs)] if epochs else []
    argv += ["--threads", str(threads)] if threads else []
    full_env = {**{k: v for k, v in os.environ.items() if k not in ENV_KEYS}, **env,
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(argv, env=full_env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise MpltError(f"fingerprint under {env or 'the default environment'} failed: "
                        f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    return json.loads((out / "fingerprint.json").read_text())


def max_abs_diff(a: Path, b: Path) -> float:
    import torch
    x, y = torch.load(a), torch.load(b)
    return float((x - y).abs().max()) if x.shape == y.shape else float("inf")


def completions_digest(records: list[dict]) -> str:
    h = hashlib.sha256()
    for record in records:
        h.update(json.dumps([record["id"], record["completions"]], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def _sample(model_dir: str, profile, stage: str, prompts: list[dict], adapter: str | None = None) -> list[dict]:
    """Sample as the profile's `stage` does: its dtype and its SamplingConfig (the stage's defaults
    under the profile's keys)."""
    from mplt.generation import sample_completions
    from mplt.models.load import load_model
    from mplt.stages.registry import get_stage
    _, config_class = get_stage(stage).load()
    config = config_from_dict(config_class, profile.table(stage), where=f"smoke [{stage}]")
    loaded = load_model(model_dir, adapter=adapter, dtype=config.dtype)
    return sample_completions(loaded, prompts, config.sampling, progress=False)


def fingerprint(out: Path, epochs: int | None = None) -> dict:
    import torch

    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    from mplt.run.profiles import load_profile
    from mplt.smoke.material import warmstart_examples
    from mplt.smoke.model import SmokeModelConfig, run_model
    from mplt.training.stage import FinetuneStageConfig
    from mplt.training.data import Documents
    from mplt.training.loop import finetune

    profile = load_profile("smoke", out, filter_langs=False)
    model_table = profile.table("model")
    if epochs:
        model_table["epochs"] = epochs
    model_config = config_from_dict(SmokeModelConfig, model_table, where="smoke [model]")
    start = time.monotonic()
    run_model(out, model_config, progress=False)
    model_dir = str(out / "model")
    examples = warmstart_examples(model_config)
    testgen = [{"id": e["id"], "prompt": e["prompt"]} for e in examples if e["id"].endswith(":testgen")]
    translate = [{"id": e["id"], "prompt": e["prompt"]} for e in examples if e["id"].endswith(f":{FINETUNE_LANG}")]
    evaluate_table = profile.table("evaluate")
    mini = load_benchmark(evaluate_table["benchmark"], FINETUNE_LANG, BenchmarkOptions()).records
    benchmark = [{**r, "id": r["name"]} for r in mini]   # as the evaluate stage sends them
    digests = {"testgen": completions_digest(_sample(model_dir, profile, "testgen", testgen)),
               "translate": completions_digest(_sample(model_dir, profile, "translate", translate)),
               "evaluate.base": completions_digest(_sample(model_dir, profile, "evaluate", benchmark))}
    stage = config_from_dict(FinetuneStageConfig, {**profile.table("finetune"), "data": str(out)},
                             where="smoke [finetune]")
    texts = tuple(e["prompt"] + e["completion"] for e in examples if e["id"].endswith(f":{FINETUNE_LANG}"))
    result = finetune(stage.train_config((FINETUNE_LANG,)), out / "finetune",
                      [Documents(FINETUNE_LANG, "warm-start texts", texts)], show_progress=False)
    digests["evaluate.finetuned"] = completions_digest(
        _sample(model_dir, profile, "evaluate", benchmark, adapter=str(result.adapter_dir)))
    from safetensors.torch import load_file
    weights = load_file(out / "model" / "model.safetensors")
    torch.save(torch.cat([weights[k].flatten().double() for k in sorted(weights)]), out / "weights.pt")
    adapter = load_file(result.adapter_dir / "adapter_model.safetensors")
    torch.save(torch.cat([adapter[k].flatten().double() for k in sorted(adapter)]), out / "adapter.pt")
    report = {"capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
              "env": {k: os.environ[k] for k in ENV_KEYS if k in os.environ}, "epochs": model_config.epochs,
              "dtype": model_config.dtype, "digests": digests,
              "finetune_last_loss": round(_last_loss(out / "finetune"), 6),
              "seconds": round(time.monotonic() - start, 1)}
    (out / "fingerprint.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _last_loss(finetune_dir: Path) -> float:
    rows = [json.loads(line) for line in (finetune_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return [r["loss"] for r in rows if "loss" in r][-1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m mplt.smoke.fingerprint", description=__doc__.splitlines()[0])
    parser.add_argument("out", help="a new directory")
    parser.add_argument("--epochs", type=int, default=None, help="warm-start epochs (default: the profile's)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args(argv)
    try:
        out = Path(args.out)
        if out.exists() and any(out.iterdir()):
            raise MpltError(f"{out} is not empty: give a new directory")
        if args.threads:
            import torch
            torch.set_num_threads(args.threads)
        print(json.dumps(fingerprint(out, args.epochs)))
    except MpltError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
