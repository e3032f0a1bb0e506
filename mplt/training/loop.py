"""The training loop: a plain, explicit, resumable PyTorch loop (karpathy/nanoGPT's train.py style; docs/style.md).

Per optimizer step: `grad_accum` micro-batches of `micro_batch` windows, loss weighted by each
micro-batch's label-token count (so accumulation equals one big batch), clip, AdamW, cosine schedule.
A LoRA fine-tune exports an adapter; a full fine-tune (`finetune = "full"`) saves the whole model
after each epoch instead (mplt/training/epochs.py), so that every epoch can be evaluated.
A final short accumulation group closes every epoch, so each epoch ends on a step boundary and gets
its own eval loss and checkpoint. Windows are shuffled per epoch with a generator seeded by
(seed, epoch), so a resumed run replays exactly the order of an uninterrupted one (MultiPL-T does not
reshuffle per epoch, docs/method.md, section 5.1; we do, deterministically).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mplt.errors import MpltError
from mplt.io import JsonlAppender, read_jsonl, write_jsonl
from mplt.progress import progress_bar
from mplt.training.checkpoint import TrainState, latest_checkpoint, load_checkpoint, save_checkpoint
from mplt.training.config import TrainConfig, config_dict
from mplt.training.data import Documents, interleave, load_documents, sample_documents, split_eval
from mplt.training.loss import causal_lm_loss
from mplt.training.packing import IGNORE, pack_documents, tokenize
from mplt.training.step import optimizer_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    out_dir: Path
    adapter_dir: Path
    state: TrainState
    eval_losses: tuple[tuple[int, float], ...]   # (step, eval loss)
    data_stats: dict
    resumed_from: int | None                    # checkpoint step, if resumed
    model: object = field(default=None, repr=False, compare=False)   # the trained (peft) model
    epoch_models: tuple[Path, ...] = ()          # full fine-tuning: the model after each epoch


def finetune(cfg: TrainConfig, out_dir: str | Path, documents: list[Documents] | None = None,
             on_step: Callable[[int], None] | None = None, show_progress: bool = True,
             restart: bool = False) -> TrainResult:
    """Train (or resume) a LoRA adapter, or the whole model, on `documents` (default: cfg.data) and
    export it to `out_dir` (the adapter; with full fine-tuning the model after each epoch)."""
    import shutil

    import torch
    from transformers import get_cosine_schedule_with_warmup

    from mplt.models.load import pick_device
    from mplt.models.precision import compute_dtype
    from mplt.training.epochs import save_epoch_model
    from mplt.training.export import export_adapter, export_full
    from mplt.training.model import max_model_length, param_groups, prepare_model

    out = Path(out_dir)
    if restart:
        shutil.rmtree(out / "checkpoints", ignore_errors=True)
        shutil.rmtree(out / "epochs", ignore_errors=True)
        (out / "epochs.json").unlink(missing_ok=True)
        (out / "metrics.jsonl").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    device = pick_device() if cfg.device == "auto" else cfg.device
    dtype = compute_dtype(device, cfg.compute_dtype)
    _seed_everything(cfg.seed)
    documents = documents or [sample_documents(d, cfg.sample_docs, cfg.seed) for src in cfg.data
                              for d in load_documents(src, cfg.langs, cfg.data_revision, cfg.max_docs)]
    model, tokenizer, spec, loaded = prepare_model(cfg, device)
    corruption = _build_corruption(cfg, tokenizer, spec)
    seq_len = min(cfg.seq_len, max_model_length(model, spec))
    if seq_len < cfg.seq_len:
        log.warning("seq_len %d exceeds the model's context; packing to %d", cfg.seq_len, seq_len)
    train_ids, train_labels, eval_ids, eval_labels, stats = _prepare_data(cfg, documents, tokenizer, seq_len,
                                                                         corruption)
    (out / "finetune_config.json").write_text(json.dumps(
        {**config_dict(cfg), "effective_seq_len": seq_len, "device": device, "effective_compute_dtype": str(dtype),
         "base_commit": loaded.commit}, indent=1) + "\n")
    fingerprint = _fingerprint(train_ids, train_labels, cfg)

    windows = train_ids.shape[0]
    groups_per_epoch = math.ceil(math.ceil(windows / cfg.micro_batch) / cfg.grad_accum)
    total_steps = groups_per_epoch * cfg.epochs
    if cfg.max_steps:
        total_steps = min(total_steps, cfg.max_steps)
    warmup = cfg.planned_warmup(total_steps)
    announce_plan(windows, groups_per_epoch, total_steps, warmup, cfg, str(dtype).removeprefix("torch."), show_progress)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=cfg.adam_betas)
    scheduler = get_cosine_schedule_with_warmup(optimizer, warmup, schedule_length(cfg, windows, total_steps))

    ckpt_dir = out / "checkpoints"
    state, resumed_from = TrainState(), None
    latest = latest_checkpoint(ckpt_dir)
    if latest is not None:
        state = load_checkpoint(latest, model, optimizer, scheduler, fingerprint)
        resumed_from = state.step
        _truncate_metrics(out / "metrics.jsonl", state.step)
        log.info("resuming from %s (step %d, epoch %d)", latest, state.step, state.epoch)
    metrics = JsonlAppender(out / "metrics.jsonl")   # creates the file
    eval_losses = [(r["step"], r["eval_loss"]) for r in read_jsonl(out / "metrics.jsonl", skip_partial=True)
                   if "eval_loss" in r] if resumed_from is not None and latest is not None else []

    def evaluate() -> float | None:
        loss = _eval_loss(model, eval_ids, eval_labels, cfg.micro_batch, device, dtype)
        if loss is not None:
            eval_losses.append((state.step, loss))
            metrics.write({"step": state.step, "epoch": state.epoch, "eval_loss": loss})
        return loss

    if resumed_from is None:
        evaluate()   # step 0, as MultiPL-T (docs/method.md, section 5.1)
    try:
        with progress_bar("finetune", total_steps, show_progress, done=state.step, loss=float("nan"), tok_s=0.0,
                          detail="loss {task.fields[loss]:.4f}  {task.fields[tok_s]:,.0f} tok/s") as advance:
            while state.epoch < cfg.epochs and not (cfg.max_steps and state.step >= cfg.max_steps):
                groups = _epoch_groups(windows, cfg, state.epoch)
                for group in groups[state.group_in_epoch:]:
                    started = time.perf_counter()
                    loss, tokens = _train_step(model, group, train_ids, train_labels, device, dtype)
                    lr = scheduler.get_last_lr()[0]
                    grad_norm = optimizer_step(trainable, optimizer, scheduler, cfg.max_grad_norm, cfg.weight_grid_bits)
                    state.step += 1
                    state.group_in_epoch += 1
                    state.tokens += tokens
                    tok_s = tokens / max(time.perf_counter() - started, 1e-9)
                    metrics.write({"step": state.step, "epoch": state.epoch, "loss": loss, "lr": lr,
                                    "grad_norm": float(grad_norm), "tokens": state.tokens, "tokens_per_s": tok_s})
                    advance(loss=loss, tok_s=tok_s)
                    if on_step is not None:
                        on_step(state.step)
                    if cfg.max_steps and state.step >= cfg.max_steps:
                        break
                if state.group_in_epoch >= len(groups):
                    state.epoch += 1
                    state.group_in_epoch = 0
                eval_loss = evaluate()
                if cfg.full:   # before the checkpoint: a resumed run retrains (and rewrites) an unsaved epoch
                    complete = state.group_in_epoch == 0
                    save_epoch_model(out, model, tokenizer, epoch=state.epoch if complete else state.epoch + 1,
                                     step=state.step, complete=complete, eval_loss=eval_loss)
                save_checkpoint(ckpt_dir, model, optimizer, scheduler, state, fingerprint, eval_loss,
                                keep_only_latest=cfg.full)
    finally:
        metrics.close()
    if cfg.full:
        final, epoch_dirs = export_full(model, tokenizer, out, cfg, spec, loaded, stats, eval_losses, state)
        return TrainResult(out, final, state, tuple(eval_losses), stats, resumed_from, model, epoch_dirs)
    adapter_dir = export_adapter(model, tokenizer, out, cfg, spec, loaded, stats, eval_losses, state)
    return TrainResult(out, adapter_dir, state, tuple(eval_losses), stats, resumed_from, model)


def schedule_length(cfg: TrainConfig, windows: int, total_steps: int) -> int:
    """The steps the cosine is planned over: the optimizer steps, or with `scheduler_steps =
    "micro-batches"` the micro-batches, as MultiPL-T's older trainer (docs/method.md, section 5.2): it
    is still stepped once per optimizer step, so after 1/grad_accum of its length the run ends with
    the lr near its peak."""
    if cfg.scheduler_steps == "optimizer":
        return total_steps
    micro_batches = math.ceil(windows / cfg.micro_batch) * cfg.epochs
    return min(micro_batches, total_steps * cfg.grad_accum) if cfg.max_steps else micro_batches


def announce_plan(windows: int, groups_per_epoch: int, total_steps: int, warmup: int, cfg: TrainConfig,
                  dtype: str, show: bool = True) -> str:
    """One line with the planned optimizer steps, before any training; a warning when warmup covers
    most of them (the lr would barely reach its peak). Returns the line."""
    line = (f"finetune plan: {windows} windows of {cfg.seq_len} tokens, {groups_per_epoch} optimizer steps per "
            f"epoch x {cfg.epochs} epochs = {total_steps} steps (micro-batch {cfg.micro_batch} x accumulation "
            f"{cfg.grad_accum}), warmup {warmup} steps, compute dtype {dtype}")
    log.info(line)
    if show:
        from rich import get_console
        get_console().print(line)
    if total_steps and warmup >= 0.5 * total_steps:
        log.warning("warmup (%d steps) covers %d%% of the %d planned steps: the learning rate barely reaches its "
                    "peak; lower warmup_steps, set warmup_fraction, or train more steps (smaller micro_batch, "
                    "grad_accum or seq_len, more epochs)", warmup, round(100 * warmup / total_steps), total_steps)
    return line


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _build_corruption(cfg: TrainConfig, tokenizer, spec):
    """Built before any data work so a tokenizer without sentinels fails at once (B2)."""
    if cfg.fim_rate == 0:
        return None
    from mplt.infill import FimConfig, SpanCorruption
    fmt = spec.infill_format if cfg.fim_format == "auto" else cfg.fim_format
    if cfg.fim_format == "auto" and fmt == "none":
        # A model the registry does not know (a local copy, a rehearsal stand-in): the format whose
        # sentinels its tokenizer holds, as infill sampling reads it (mplt/infill/sampling.py).
        from mplt.infill.formats import INFILL_FORMATS
        from mplt.models.registry import find_model
        unregistered = find_model(spec.key) is None
        found = [f.name for f in INFILL_FORMATS.values() if unregistered and f.has_tokens(tokenizer)]
        fmt = found[0] if len(found) == 1 else fmt
    if fmt == "none":
        raise MpltError(f"--fim-rate {cfg.fim_rate}: model {spec.key} has no infill format; "
                        "pass --fim-format codegen2|starcoder-psm")
    return SpanCorruption(tokenizer, FimConfig(rate=cfg.fim_rate, format=fmt, min_ratio=cfg.fim_min_ratio,
                                               max_ratio=cfg.fim_max_ratio, max_spans=cfg.fim_max_spans,
                                               snap_lines=cfg.fim_snap_lines, loss=cfg.fim_loss,
                                               seed=cfg.seed))


def _prepare_data(cfg, documents, tokenizer, seq_len, corruption):
    train_groups, eval_texts, per_lang = [], [], {}
    for docs in documents:
        train, held = split_eval(docs.texts, cfg.eval_fraction, cfg.eval_max_docs, cfg.seed)
        train_groups.append(train)
        eval_texts += held
        per_lang[docs.language] = {"source": docs.source, "train_docs": len(train), "eval_docs": len(held)}
    train_texts = interleave(train_groups)
    if not train_texts:
        raise MpltError("no training documents left after the eval split")
    eos = tokenizer.eos_token_id
    train_ids, train_labels, train_stats = pack_documents(tokenize(tokenizer, train_texts), eos, seq_len,
                                                          cfg.last_window, corruption, shard=0)
    if train_ids.shape[0] == 0:
        raise MpltError(f"fewer than seq_len={seq_len} training tokens and last_window=drop: nothing to train on")
    eval_ids, eval_labels, eval_stats = pack_documents(tokenize(tokenizer, eval_texts), eos, seq_len, "pad",
                                                       corruption, shard=1)
    stats = {"languages": per_lang, "seq_len": seq_len, "train": train_stats.__dict__,
             "eval": eval_stats.__dict__}
    log.info("packed %d documents (%d tokens) into %d windows of %d", train_stats.documents, train_stats.tokens,
             train_stats.windows, seq_len)
    return train_ids, train_labels, eval_ids, eval_labels, stats


def _fingerprint(ids, labels, cfg: TrainConfig) -> str:
    h = hashlib.sha256(ids.numpy().tobytes())
    h.update(labels.numpy().tobytes())
    keys = ("model", "revision", "finetune", "scheduler_steps", "max_grad_norm", "load_in_4bit", "lora_r", "lora_alpha", "lora_targets", "micro_batch",
            "grad_accum", "lr", "weight_decay", "warmup_steps", "warmup_fraction", "compute_dtype", "weight_grid_bits", "seed")
    h.update(json.dumps({k: str(getattr(cfg, k)) for k in keys}, sort_keys=True).encode())
    return h.hexdigest()


def _epoch_groups(windows: int, cfg: TrainConfig, epoch: int):
    import torch
    order = torch.randperm(windows, generator=torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch))
    batches = [order[i:i + cfg.micro_batch] for i in range(0, windows, cfg.micro_batch)]
    return [batches[i:i + cfg.grad_accum] for i in range(0, len(batches), cfg.grad_accum)]


def _train_step(model, group, ids, labels, device, dtype=None) -> tuple[float, int]:
    """Forward/backward over one accumulation group; returns (mean token loss, window tokens).
    Forward passes run under autocast in `dtype` (mplt.models.precision); the loss comes out fp32."""
    from mplt.models.precision import autocast, compute_dtype
    dtype = dtype or compute_dtype(device)
    counts = [int((labels[b][:, 1:] != IGNORE).sum()) for b in group]   # HF shifts labels by one
    total = max(1, sum(counts))
    loss_sum, tokens = 0.0, 0
    for batch, count in zip(group, counts):
        x, y = ids[batch].to(device), labels[batch].to(device)
        with autocast(device, dtype):
            loss = causal_lm_loss(model(input_ids=x).logits, y)
        (loss * (count / total)).backward()
        loss_sum += float(loss.detach()) * count
        tokens += x.numel()
    return loss_sum / total, tokens


def _eval_loss(model, ids, labels, micro_batch: int, device, dtype=None) -> float | None:
    import torch

    from mplt.models.precision import autocast, compute_dtype
    dtype = dtype or compute_dtype(device)
    if ids.shape[0] == 0:
        return None
    model.eval()
    loss_sum, total = 0.0, 0
    with torch.no_grad():
        for i in range(0, ids.shape[0], micro_batch):
            x, y = ids[i:i + micro_batch].to(device), labels[i:i + micro_batch].to(device)
            count = int((y[:, 1:] != IGNORE).sum())
            with autocast(device, dtype):
                loss_sum += float(causal_lm_loss(model(input_ids=x).logits, y)) * count
            total += count
    model.train()
    return loss_sum / max(1, total)


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop rows logged after the checkpoint we resume from (work the kill threw away)."""
    if path.exists():
        write_jsonl(path, [r for r in read_jsonl(path, skip_partial=True) if r.get("step", 0) <= step])
