"""Full-parameter warm-start of a small model on (prompt, completion) examples: the smoke profile's
`model` stage (mplt/smoke/model.py) teaches its freshly built tiny model the continuations of the
pipeline's own prompts this way.

Unlike the fine-tuning loop (`mplt.training.loop`: packed windows, LoRA, checkpoints) every example
is one row, padded per batch, and the loss covers the completion and its EOS only, as generation
sees them: the stripped prompt's tokens, then the generated ones. Shared with the loop: the loss
(`mplt.training.loss`, computed in float64 for a float64 model), the optimizer step with the 2^-bits
weight grid (`mplt.training.step`, `mplt.training.grid`) and the progress bar. Batches are drawn
per epoch from a generator seeded with `seed`; the schedule is linear warmup then cosine decay.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mplt.progress import progress_bar
from mplt.training.loss import IGNORE_INDEX, causal_lm_loss
from mplt.training.step import optimizer_step


@dataclass(frozen=True)
class WarmStartSettings:
    epochs: int
    batch_size: int
    lr: float
    warmup_steps: int
    seed: int
    max_positions: int
    weight_grid_bits: int = 0
    max_grad_norm: float = 1.0


def encode_example(tokenizer, example: dict, max_len: int) -> tuple[list[int], list[int]]:
    """Prompt and completion tokenized separately, as generation sees them; labels on the completion
    and the final EOS only; both cut to the last `max_len` tokens."""
    prompt = tokenizer(example["prompt"].strip())["input_ids"]
    completion = tokenizer(example["completion"])["input_ids"] + [tokenizer.eos_token_id]
    ids = (prompt + completion)[-max_len:]
    labels = ([IGNORE_INDEX] * len(prompt) + completion)[-max_len:]
    return ids, labels


def collate(rows: list[tuple[list[int], list[int]]], pad_id: int) -> dict:
    import torch
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, lab) in enumerate(rows):
        input_ids[i, :len(ids)] = torch.tensor(ids)
        labels[i, :len(lab)] = torch.tensor(lab)
        mask[i, :len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """The learning-rate factor at `step`: linear warmup, then cosine decay to 0. Not transformers'
    `get_cosine_schedule_with_warmup` (which the fine-tuning loop uses): that one starts at factor
    0, so the first optimizer step would not train; this one starts at 1/warmup. The
    smoke profile's expected figures were computed with it (docs/determinism.md)."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def warm_start(model, tokenizer, examples: list[dict], settings: WarmStartSettings, *, progress: bool = True,
               log=None) -> dict:
    """Train every parameter of `model` in place; returns steps and per-epoch mean losses."""
    import torch
    rows = [encode_example(tokenizer, e, settings.max_positions) for e in examples]
    torch.manual_seed(settings.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(rows) / settings.batch_size)
    total = steps_per_epoch * settings.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: warmup_cosine(s, settings.warmup_steps, total))
    generator = torch.Generator().manual_seed(settings.seed)
    model.train()
    losses = []
    with progress_bar("model: warm-start steps", total, progress) as advance:
        for epoch in range(settings.epochs):
            order = torch.randperm(len(rows), generator=generator).tolist()
            epoch_loss = []
            for start in range(0, len(order), settings.batch_size):
                batch = collate([rows[i] for i in order[start:start + settings.batch_size]], tokenizer.pad_token_id)
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
                loss = causal_lm_loss(logits, batch["labels"])
                loss.backward()
                optimizer_step(model.parameters(), optimizer, schedule, settings.max_grad_norm,
                               settings.weight_grid_bits)
                epoch_loss.append(loss.item())
                advance()
            losses.append(sum(epoch_loss) / len(epoch_loss))
            if log is not None:
                log.info("model: warm-start epoch %d/%d, loss %.4f", epoch + 1, settings.epochs, losses[-1])
    return {"examples": len(rows), "steps": total, "losses": losses}
