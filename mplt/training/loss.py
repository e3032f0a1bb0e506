"""The causal-LM training loss, computed in the model's own precision when that is float64.

transformers' `ForCausalLMLoss` casts the logits to float32 before the cross-entropy, so a float64
model still gets float32 gradients, whose last bits depend on the CPU's vector kernels; we measured
gradient differences of ~1e-7 (relative) between ATEN_CPU_CAPABILITY=default and avx512 with
transformers' loss and ~1e-15 with this one (docs/determinism.md). Same formula otherwise: labels
shifted by one, -100 ignored, mean over the counted tokens; half-precision logits are upcast to
float32 exactly as transformers does, so GPU training is unchanged.
"""
from __future__ import annotations

IGNORE_INDEX = -100


def causal_lm_loss(logits, labels):
    import torch
    if logits.dtype != torch.float64:
        logits = logits.float()
    shifted = torch.nn.functional.pad(labels, (0, 1), value=IGNORE_INDEX)[..., 1:].contiguous()
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             shifted.reshape(-1).to(logits.device), ignore_index=IGNORE_INDEX)
