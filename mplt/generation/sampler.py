"""Seeded per-sample token sampling (temperature + nucleus), independent of batch composition.

transformers' `do_sample=True` draws every row from the one global torch RNG, so a sample would
depend on which other rows share its batch, on the batch size and on where a resumed run starts.
Here each row (one sample of one prompt) owns a `torch.Generator` seeded from
(global seed, prompt id, sample index): the same seed gives the same completion whatever the
batching. The processor samples the token itself and hands greedy search a one-hot score row.
"""
from __future__ import annotations

import hashlib
from typing import Sequence


def derive_seed(seed: int, prompt_id: str, index: int) -> int:
    """A 63-bit seed for sample `index` of prompt `prompt_id` (stable across runs and platforms)."""
    digest = hashlib.sha256(f"{seed}\x00{prompt_id}\x00{index}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def make_sampler(seeds: Sequence[int], temperature: float, top_p: float):
    """A LogitsProcessor that picks the next token of row r with its own generator `seeds[r]`."""
    import torch
    from transformers import LogitsProcessor

    generators = [torch.Generator(device="cpu").manual_seed(s) for s in seeds]

    class SeededSampler(LogitsProcessor):
        def __call__(self, input_ids, scores):
            logits = scores.float() / temperature                       # [batch, vocab]
            probs = torch.softmax(logits, dim=-1)
            sorted_probs, order = probs.sort(dim=-1, descending=True, stable=True)
            # Nucleus: keep the most probable tokens until their mass reaches top_p (the first
            # token always survives), as in transformers' TopPLogitsWarper.
            before = sorted_probs.cumsum(dim=-1) - sorted_probs
            sorted_probs = sorted_probs * (before < top_p)
            cumulative = sorted_probs.cumsum(dim=-1)                     # [batch, vocab]
            u = torch.tensor([torch.rand((), generator=g, dtype=torch.float64).item() for g in generators],
                             device=scores.device)
            targets = (u * cumulative[:, -1].double()).to(cumulative.dtype)[:, None]
            pick = torch.searchsorted(cumulative, targets, right=True)   # [batch, 1]
            kept = (sorted_probs > 0).sum(dim=-1, keepdim=True) - 1
            pick = torch.minimum(pick, kept)
            tokens = order.gather(1, pick)                               # [batch, 1]
            out = torch.full_like(scores, float("-inf"))
            return out.scatter(1, tokens, 0.0)

    return SeededSampler()
