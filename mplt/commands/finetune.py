"""`reproduce.py finetune`: QLoRA (default) or LoRA fine-tuning of a base model on MultiPL-T data."""
from __future__ import annotations

import argparse

HELP = "fine-tune a base model with (Q)LoRA on the generated data (resumes from the last checkpoint)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="registry key, Hub id or local model directory")
    p.add_argument("--revision", help="model revision (branch, tag or commit)")
    p.add_argument("--data", required=True, action="append",
                   help="run dir, dataset dir, JSONL file, save_to_disk dir or Hub dataset id (repeatable)")
    p.add_argument("--data-revision", help="Hub dataset revision (pin a commit)")
    p.add_argument("--langs", nargs="+", help="languages to train on (default: all found)")
    p.add_argument("--mix", choices=("interleave", "separate"),
                   help="interleave languages into one adapter (OUT/adapter), or train one adapter per "
                        "language (OUT/<lang>/adapter)")
    p.add_argument("--out", required=True, help="output directory (checkpoints, metrics, adapter, card)")
    p.add_argument("--preset", default="qlora", choices=("qlora", "paper", "full"),
                   help="hyperparameter preset (full: every weight trained in bf16, no LoRA; mplt/training/config.py)")
    p.add_argument("--config", help="TOML file with a [finetune] table (overrides the preset)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--max-steps", type=int, help="stop after N optimizer steps (0 = all epochs)")
    p.add_argument("--lr", type=float)
    p.add_argument("--seq-len", type=int, help="packing window (bounded by the model's context)")
    p.add_argument("--micro-batch", type=int, help="windows per forward pass")
    p.add_argument("--grad-accum", type=int, help="micro-batches per optimizer step")
    p.add_argument("--warmup-steps", type=int)
    p.add_argument("--warmup-fraction", type=float,
                   help="warmup as a share of the planned steps (wins over --warmup-steps when > 0)")
    p.add_argument("--compute-dtype", choices=("auto", "bfloat16", "float16", "float32"),
                   help="compute dtype (default auto: bf16 on CUDA where supported, else fp16; fp32 on CPU)")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--lora-r", type=int)
    p.add_argument("--lora-alpha", type=int)
    p.add_argument("--lora-dropout", type=float)
    p.add_argument("--lora-targets", help="comma-separated module names, 'all-linear' or 'auto'")
    p.add_argument("--fim-rate", type=float, help="share of documents infill-transformed (default 0)")
    p.add_argument("--fim-format", help="infill format for the transform (default: the model's)")
    p.add_argument("--max-docs", type=int, help="use at most N documents per language (smoke runs)")
    p.add_argument("--sample-docs", type=int, help="a seeded sample of N documents per language (seed --seed)")
    p.add_argument("--eval-fraction", type=float, help="held-out share of documents (default 0.01)")
    p.add_argument("--last-window", choices=("pad", "drop"), help="last partial packed window")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="cuda, cpu, ... (default: cuda when available)")
    p.add_argument("--no-4bit", action="store_true", help="plain LoRA on a full-precision base")
    p.add_argument("--no-gradient-checkpointing", action="store_true")
    p.add_argument("--merge", action="store_true", help="also export a merged model to OUT/merged")
    p.add_argument("--restart", action="store_true", help="discard checkpoints in OUT instead of resuming")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from mplt.errors import MpltError
    from mplt.io import ensure_writable
    from mplt.run.lock import directory_lock
    from mplt.training.config import resolve_config

    langs = tuple(x.strip() for lang in args.langs for x in lang.split(",") if x.strip()) if args.langs else None
    if args.langs is not None and not langs:    # `--langs ""`: a mistake, not "all found"
        raise MpltError(f"--langs {' '.join(args.langs)!r} names no language; give e.g. lua rkt")
    overrides = {
        "model": args.model, "revision": args.revision, "data": tuple(args.data),
        "data_revision": args.data_revision,
        "langs": langs,
        "mix": args.mix, "epochs": args.epochs, "max_steps": args.max_steps, "lr": args.lr,
        "seq_len": args.seq_len, "micro_batch": args.micro_batch, "grad_accum": args.grad_accum,
        "warmup_steps": args.warmup_steps, "warmup_fraction": args.warmup_fraction,
        "compute_dtype": args.compute_dtype, "weight_decay": args.weight_decay, "lora_r": args.lora_r,
        "lora_alpha": args.lora_alpha, "lora_dropout": args.lora_dropout, "lora_targets": args.lora_targets,
        "fim_rate": args.fim_rate, "fim_format": args.fim_format, "max_docs": args.max_docs,
        "sample_docs": args.sample_docs,
        "eval_fraction": args.eval_fraction, "last_window": args.last_window, "seed": args.seed,
        "device": args.device, "load_in_4bit": False if args.no_4bit else None,
        "gradient_checkpointing": False if args.no_gradient_checkpointing else None,
    }
    cfg = resolve_config(args.preset, args.config, overrides)
    ensure_writable(args.out)
    with directory_lock(args.out, "finetune", "--out"):
        return _finetune(cfg, args)


def _finetune(cfg, args: argparse.Namespace) -> int:
    from mplt.training.jobs import finetune_jobs, load_training_documents

    documents, skipped = load_training_documents(cfg)
    for lang, why in skipped.items():
        print(f"skipping {lang}: {why}")
    for outcome in finetune_jobs(cfg, args.out, progress=not args.no_progress, restart=args.restart,
                                 merge=args.merge, documents=documents):
        where, result = outcome.job.out, outcome.result
        what = "the model after each epoch" if cfg.full else "adapter"
        if result is None:
            done = f"{what} already exported (kept; --restart trains again)"
        else:
            last_eval = f"{result.eval_losses[-1][1]:.4f}" if result.eval_losses else "n/a"
            done = f"{result.state.step} steps, {result.state.epoch} epochs, eval loss {last_eval}"
        saved = f"models in {where / 'epochs'} (listed in {where / 'epochs.json'})" if cfg.full else \
            f"adapter in {where / 'adapter'}"
        print(f"{where}: {done}; {saved}" + (f", merged model in {outcome.merged}" if outcome.merged else ""))
    return 0
