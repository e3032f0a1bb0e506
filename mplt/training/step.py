"""One optimizer step, shared by the fine-tuning loop (`mplt.training.loop`) and the smoke model's
warm-start (`mplt.training.warmstart`): clip the gradient norm, AdamW step, snap the weights to the
grid (`mplt.training.grid`, off unless `grid_bits` > 0), advance the schedule, clear the gradients.
The order is part of the smoke profile's determinism (docs/determinism.md): the grid snaps the
weights the optimizer just wrote, before anything reads them."""
from __future__ import annotations

from mplt.training.grid import snap_to_grid


def optimizer_step(parameters, optimizer, scheduler, max_grad_norm: float, grid_bits: int = 0):
    """Returns the gradient norm before clipping (a tensor). `max_grad_norm` 0 measures the norm
    without clipping (MultiPL-T's older 1B trainer does not clip, docs/method.md, section 5.2)."""
    import torch
    parameters = list(parameters)
    grad_norm = torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm if max_grad_norm > 0 else float("inf"))
    optimizer.step()
    snap_to_grid(parameters, grid_bits)
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return grad_norm
