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


def pick_tokens(scores, uniforms, temperature: float, top_p: float, top_k: int = 0):
    """The sampled token of each row: `uniforms[r]` in [0, 1) drawn for row r. Returns [batch, 1].

    Top-k (`top_k` > 0) comes first, as in transformers' TopKLogitsWarper (which runs before
    TopPLogitsWarper): tokens scoring below the k-th highest score are dropped, ties with it kept.

    Nucleus: keep the most probable tokens until their mass reaches top_p (the first token always
    survives), as in transformers' TopPLogitsWarper; ties are ordered by token id. Then draw among
    the kept tokens in vocabulary order. Only tokens with a non-zero weight can be drawn, and they
    all come before the zero-weight ones in probability order, so when they are few (a peaked
    distribution, the usual case) the nucleus is found among them alone (`_pick_among_top`);
    otherwise by sorting the whole vocabulary (`_pick_by_sort`). Both give the same token
    (tests/generation/test_sampler_robust.py)."""
    import torch
    if 0 < top_k < scores.shape[-1]:
        kth = scores.topk(top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    probs = torch.softmax(scores.double() / temperature, dim=-1)                # [batch, vocab]
    weights = torch.round(probs * SCALE).to(torch.int64)
    nonzero = int((weights > 0).sum(dim=-1).max())
    if nonzero * 8 <= weights.shape[-1]:
        return _pick_among_top(weights, nonzero, uniforms, top_p)
    return _pick_by_sort(weights, uniforms, top_p)


def _pick_by_sort(weights, uniforms, top_p: float):
    import torch
    sorted_weights, order = weights.sort(dim=-1, descending=True, stable=True)  # ties by token id
    before = sorted_weights.cumsum(dim=-1) - sorted_weights
    keep_sorted = before < top_p * weights.sum(dim=-1, keepdim=True)
    keep = torch.zeros_like(keep_sorted).scatter(1, order, keep_sorted)
    cumulative = (weights * keep).cumsum(dim=-1)                                 # vocabulary order
    total = cumulative[:, -1:]
    targets = torch.minimum((uniforms.double()[:, None] * total).to(torch.int64), total - 1)
    return torch.searchsorted(cumulative, targets, right=True)


def _pick_among_top(weights, k: int, uniforms, top_p: float):
    """`_pick_by_sort` on the `k` heaviest tokens of each row (every token with a non-zero weight
    among them): `topk` on weight * vocab + (vocab - 1 - id), unique keys whose descending order is
    the stable sort's (weights < 2^33, so the keys stay inside int64 for any vocabulary < 2^30)."""
    import torch
    vocab = weights.shape[-1]
    ids = torch.arange(vocab, dtype=torch.int64, device=weights.device)
    top, order = (weights * vocab + (vocab - 1 - ids)).topk(k, dim=-1, sorted=True)
    sorted_weights = top // vocab
    before = sorted_weights.cumsum(dim=-1) - sorted_weights
    keep = before < top_p * weights.sum(dim=-1, keepdim=True)
    kept_ids, by_id = torch.where(keep, order, vocab).sort(dim=-1)               # vocabulary order
    cumulative = (sorted_weights * keep).gather(1, by_id).cumsum(dim=-1)
    total = cumulative[:, -1:]
    targets = torch.minimum((uniforms.double()[:, None] * total).to(torch.int64), total - 1)
    return kept_ids.gather(1, torch.searchsorted(cumulative, targets, right=True))


def draw_uniforms(seeds: Sequence[int], steps: int):
    """[rows, steps] float64 draws: row r holds the first `steps` draws of its own generator seeded
    `seeds[r]`, drawn at once on the CPU. torch's CPU generator yields the same sequence for one
    `torch.rand(steps)` as for `steps` scalar draws (tests/generation/test_sampler_robust.py), so
    precomputing keeps every sampled token while saving a Python call per row per step."""
    import torch
    return torch.stack([torch.rand(steps, generator=torch.Generator(device="cpu").manual_seed(s), dtype=torch.float64)
                        for s in seeds])


def make_sampler(seeds: Sequence[int], temperature: float, top_p: float, steps: int, device="cpu", top_k: int = 0):
    """A LogitsProcessor that picks the next token of row r with its own generator `seeds[r]`, for at
    most `steps` generation steps; the draws are copied to `device` once, not once per step."""
    import torch
    from transformers import LogitsProcessor

    # Rounded to the default dtype (float32) as the per-step `torch.tensor(floats)` of earlier
    # versions did: the recorded completions (tests/generation/test_golden.py) depend on it.
    draws = draw_uniforms(seeds, steps).to(torch.get_default_dtype()).to(device)

    class SeededSampler(LogitsProcessor):
        def __init__(self):
            self.step = 0   # generate() calls the processor once per new token

        def __call__(self, input_ids, scores):
            tokens = pick_tokens(scores, draws[:, self.step], temperature, top_p, top_k)   # [batch, 1]
            self.step += 1
            return torch.full_like(scores, float("-inf")).scatter(1, tokens, 0.0)

    return SeededSampler()
