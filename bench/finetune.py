"""Fine-tuning throughput and memory: QLoRA vs plain LoRA.

    .venv/bin/python bench/finetune.py [--steps 6] [--seq-len 256] [--micro-batch 4] [--threads N]
                                       [--gpu-model starcoderbase-1b]

MEASURED on CPU: the tiny local Llama (4.5M parameters, widths multiples of 32) with LoRA r=16 on all
linear layers, gradient checkpointing on; tokens/s = window tokens per optimizer step / median step time
(first step excluded), peak memory = the child process's max RSS (`resource.getrusage`). Each mode runs
in its own process so the peaks do not mix.
MEASURED on GPU (only when CUDA is present): the same for `--gpu-model` at seq 2048 with the qlora
preset's micro-batch, peak = `torch.cuda.max_memory_allocated`.
ESTIMATED (no GPU needed): peak GPU memory for StarCoderBase-1B/3B/7B-shaped models at seq 2048 with the
qlora preset (micro-batch 4, r=16, all linear layers, gradient checkpointing); see `estimate_gpu_gb`.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# StarCoderBase shapes (gpt_bigcode config.json of the 1B/3B/7B checkpoints): layers, hidden, MLP width,
# vocabulary; multi-query attention (one 128-wide K/V head); tied input/output embeddings.
ARCHS = {"1B": (24, 2048, 8192, 49152), "3B": (36, 2816, 11264, 49152), "7B": (42, 4096, 16384, 49152)}


def estimate_gpu_gb(layers: int, hidden: int, ffn: int, vocab: int, batch: int = 4, seq: int = 2048,
                    rank: int = 16) -> dict[str, float]:
    """Peak GPU memory of QLoRA training, in GB (1e9 bytes), component by component:

    * 4-bit linear weights: 0.5 byte/param + double-quantized absmax (~0.127 bit/param, QLoRA paper);
    * embeddings + norms: `prepare_model_for_kbit_training` upcasts every non-4-bit param to fp32;
    * LoRA on every linear layer: r*(d_in+d_out) params, fp32 weight + grad + two AdamW moments = 16 B;
    * activations with gradient checkpointing: each layer keeps its bf16 input (b*s*h*2 B), and one
      layer is recomputed at a time: ~34*b*s*h bytes (Korthikanti et al. 2022, bf16, attention scores
      excluded because SDPA does not materialise them) plus b*s*ffn*2*2 for the MLP intermediates;
    * logits: b*s*V in bf16 plus the fp32 upcast and its gradient for the loss (2+4+4 bytes);
    * fixed: CUDA context + allocator slack, 0.8 GB, then +10 % fragmentation.
    """
    linear = layers * (hidden * hidden * 2 + hidden * 2 * 128 + 2 * hidden * ffn)   # q, out, kv, MLP
    lora = layers * rank * ((hidden + hidden) * 2 + (hidden + 256) + (hidden + ffn) * 2)
    parts = {
        "4-bit weights": linear * (0.5 + 0.127 / 8),
        "fp32 embeddings+norms": (vocab * hidden + 8192 * hidden + layers * 4 * hidden) * 4,
        "LoRA+grads+AdamW": lora * 16,
        "activations (ckpt)": layers * batch * seq * hidden * 2 + 34 * batch * seq * hidden + batch * seq * ffn * 4,
        "logits+loss": batch * seq * vocab * 10,
    }
    total = (sum(parts.values()) + 0.8e9) * 1.10
    return {k: v / 1e9 for k, v in {**parts, "total": total}.items()}


def child(mode: str, model_dir: str, steps: int, seq_len: int, micro_batch: int, threads: int,
          device: str) -> None:
    """Run in a fresh process: prepare the model, time `steps` optimizer steps, print one JSON line."""
    import torch

    from mplt.training.config import resolve_config
    from mplt.training.model import param_groups, prepare_model
    if threads:
        torch.set_num_threads(threads)
    cfg = resolve_config("qlora", overrides=dict(model=model_dir, data=("-",), load_in_4bit=mode == "qlora",
                                                 seq_len=seq_len, micro_batch=micro_batch, device=device))
    model, tok, _, _ = prepare_model(cfg, device)
    optimizer = torch.optim.AdamW(param_groups(model, 0.0), lr=1e-4)
    x = torch.randint(0, len(tok), (micro_batch, seq_len), device=device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times, losses = [], []
    for _ in range(steps + 1):
        start = time.perf_counter()
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        losses.append(float(loss))
    step_s = statistics.median(times[1:])
    peak = torch.cuda.max_memory_allocated() / 1e9 if device == "cuda" else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9   # ru_maxrss is KiB on Linux
    print(json.dumps({"mode": mode, "tokens_per_s": micro_batch * seq_len / step_s, "step_s": step_s,
                      "peak_gb": peak, "loss_first": losses[0], "loss_last": losses[-1]}))


def measure(mode: str, model_dir: str, args, device: str, seq_len: int, micro_batch: int) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--model-dir", model_dir, "--steps", str(args.steps),
           "--seq-len", str(seq_len), "--micro-batch", str(micro_batch), "--threads", str(args.threads),
           "--device", device]
    out = subprocess.run(cmd, capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", **_env()})
    if out.returncode:
        raise SystemExit(f"{mode} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env() -> dict:
    import os
    return dict(os.environ)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--micro-batch", type=int, default=4)
    p.add_argument("--threads", type=int, default=0, help="torch threads in the child (0 = torch default)")
    p.add_argument("--gpu-model", default="starcoderbase-1b")
    p.add_argument("--child")
    p.add_argument("--model-dir")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    if args.child:
        child(args.child, args.model_dir, args.steps, args.seq_len, args.micro_batch, args.threads, args.device)
        return

    import torch

    from mplt.models.tiny import build_tiny_model, shipped_texts
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = str(build_tiny_model(Path(tmp) / "tiny", shipped_texts()))
        for mode in ("qlora", "lora"):
            r = measure(mode, model_dir, args, "cpu", args.seq_len, args.micro_batch)
            rows.append(("measured", f"tiny 4.5M, CPU, {args.micro_batch}x{args.seq_len}", mode,
                         f"{r['tokens_per_s']:,.0f}", f"{r['peak_gb']:.2f} (max RSS)",
                         f"{r['loss_first']:.3f} -> {r['loss_last']:.3f}"))
    if torch.cuda.is_available():
        for mode in ("qlora", "lora"):
            r = measure(mode, args.gpu_model, args, "cuda", 2048, 4)
            rows.append(("measured", f"{args.gpu_model}, GPU, 4x2048", mode, f"{r['tokens_per_s']:,.0f}",
                         f"{r['peak_gb']:.2f} (max allocated)", f"{r['loss_first']:.3f} -> {r['loss_last']:.3f}"))
    else:
        rows.append(("not run", "1B on GPU", "-", "-", "no CUDA device here", "-"))
    for name, arch in ARCHS.items():
        est = estimate_gpu_gb(*arch)
        detail = ", ".join(f"{k} {v:.2f}" for k, v in est.items() if k != "total")
        rows.append(("ESTIMATE", f"StarCoderBase-{name}-shaped, GPU, 4x2048", "qlora", "-",
                     f"{est['total']:.1f}", detail))
    header = ("kind", "model / setting", "mode", "tokens/s", "peak memory GB", "loss (first -> last) / breakdown")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    main()
