"""Seeded per-sample token sampling (temperature + nucleus), independent of batch composition and
robust to last-bit differences between CPUs.

transformers' `do_sample=True` draws every row from the one global torch RNG, so a sample would
depend on which other rows share its batch, on the batch size and on where a resumed run starts.
Here each row (one sample of one prompt) owns a `torch.Generator` seeded from
(global seed, prompt id, sample index): the same seed gives the same completion whatever the
batching. The processor samples the token itself and hands greedy search a one-hot score row.

The same logits computed on another CPU differ in their last bits (other vector kernels, other
summation orders). Two choices keep such differences from changing the drawn token
(docs/determinism.md): the probabilities are rounded to integer multiples of 2^-32, so the nucleus
and the draw are exact integer arithmetic, and the draw walks the kept tokens in vocabulary order,
not in probability order. In probability order two nearly equal tokens that swap places move each
other's whole interval; in vocabulary order a last-bit change moves an interval boundary by one
unit, which changes the draw with probability ~2^-32.
"""
from __future__ import annotations

import hashlib
from typing import Sequence

SCALE = 2 ** 32   # probability grid; sums over a vocabulary stay far inside int64


def derive_seed(seed: int, prompt_id: str, index: int) -> int:
    """A 63-bit seed for sample `index` of prompt `prompt_id` (stable across runs and platforms)."""
    digest = hashlib.sha256(f"{seed}\x00{prompt_id}\x00{index}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def pick_tokens(scores, uniforms, temperature: float, top_p: float):
    """The sampled token of each row: `uniforms[r]` in [0, 1) drawn for row r. Returns [batch, 1]."""
    import torch
    probs = torch.softmax(scores.double() / temperature, dim=-1)                # [batch, vocab]
    weights = torch.round(probs * SCALE).to(torch.int64)
    # Nucleus: keep the most probable tokens until their mass reaches top_p (the first token always
    # survives), as in transformers' TopPLogitsWarper; ties are ordered by token id (stable sort).
    sorted_weights, order = weights.sort(dim=-1, descending=True, stable=True)
    before = sorted_weights.cumsum(dim=-1) - sorted_weights
    keep_sorted = before < top_p * weights.sum(dim=-1, keepdim=True)
    keep = torch.zeros_like(keep_sorted).scatter(1, order, keep_sorted)
    cumulative = (weights * keep).cumsum(dim=-1)                                 # vocabulary order
    total = cumulative[:, -1:]
    targets = torch.minimum((uniforms.double()[:, None] * total).to(torch.int64), total - 1)
    return torch.searchsorted(cumulative, targets, right=True)


def make_sampler(seeds: Sequence[int], temperature: float, top_p: float):
    """A LogitsProcessor that picks the next token of row r with its own generator `seeds[r]`."""
    import torch
    from transformers import LogitsProcessor

    generators = [torch.Generator(device="cpu").manual_seed(s) for s in seeds]

    class SeededSampler(LogitsProcessor):
        def __call__(self, input_ids, scores):
            u = torch.tensor([torch.rand((), generator=g, dtype=torch.float64).item() for g in generators],
                             device=scores.device)
            tokens = pick_tokens(scores, u, temperature, top_p)                  # [batch, 1]
            out = torch.full_like(scores, float("-inf"))
            return out.scatter(1, tokens, 0.0)

    return SeededSampler()
