"""The one place that chooses a compute dtype for a device.

* Decided by the device *type*: "cuda", "cuda:0" and torch.device("cuda", 1) all count as CUDA
  (a string comparison with "cuda" sent every indexed device to fp32).
* CUDA: bf16 where the GPU supports it (Ampere and later), else fp16. CPU: fp32.
* `requested` overrides the automatic choice ("bfloat16", "float16", "float32", "float64"):
  tests force bf16 on CPU to show that the compute dtype reaches attention and logits.

Training runs its forward passes under `autocast(device, dtype)`: with a 4-bit base,
`prepare_model_for_kbit_training` upcasts the non-quantized weights (norms, embeddings, the output
head) to fp32, so without autocast attention and the vocabulary-wide logits run in fp32 (QLoRA,
Dettmers et al. 2023, section 3, computes in bf16). The loss stays fp32: transformers' causal-LM
loss upcasts the logits before the cross-entropy.
"""
from __future__ import annotations

import contextlib

DTYPE_NAMES = ("auto", "bfloat16", "float16", "float32", "float64")


def device_type(device) -> str:
    """"cuda" for "cuda", "cuda:1" or a torch.device; "cpu", "mps", ... likewise."""
    import torch
    return torch.device(device).type


def compute_dtype(device, requested: str = "auto"):
    """The torch dtype weights and activations are computed in on `device`."""
    import torch

    from mplt.errors import MpltError
    if requested not in DTYPE_NAMES:
        raise MpltError(f"unknown dtype {requested!r}; known: {', '.join(DTYPE_NAMES)}")
    if requested != "auto":
        return getattr(torch, requested)
    if device_type(device) == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def autocast(device, dtype):
    """Autocast to `dtype` on the device's type; a no-op in fp32/fp64 (nothing to cast down to)."""
    import torch
    if dtype in (torch.float32, torch.float64):
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_type(device), dtype=dtype)
