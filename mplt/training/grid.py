"""Snap trained weights to a fixed grid after every optimizer step (docs/determinism.md).

float64 alone does not make a long training run the same on every CPU: the vector kernels' summation
orders leave differences of ~1e-16, and 30 warm-start epochs at a high learning rate amplify them
until the loss itself differs (measured: equal to 4 digits up to epoch 9, 5 % apart by epoch 24,
`ATEN_CPU_CAPABILITY=avx2` against the machine's AVX-512 default). Rounding every weight to a
multiple of 2^-bits after each step erases a difference far below the grid unless the value lies
within that difference of a rounding boundary: with bits = 20 (grid ~1e-6) and differences ~1e-18
in an update, about 1e-12 per weight and step, so two CPUs end with the same weights. The grid is
far below an Adam update at the smoke profile's learning rates (~1e-3), so training is unchanged in
effect. Off (bits = 0) everywhere but the smoke profile.
"""
from __future__ import annotations


def snap_to_grid(parameters, bits: int) -> None:
    """In place: every trainable tensor rounded to the nearest multiple of 2^-bits (exact in float64
    for the smoke model's weights, whose magnitudes stay far below 2^(52-bits))."""
    import torch
    if bits <= 0:
        return
    scale = float(2 ** bits)
    with torch.no_grad():
        for p in parameters:
            if p.requires_grad:
                p.mul_(scale).round_().div_(scale)
