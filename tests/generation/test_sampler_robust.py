"""The seeded sampler's draw does not move with last-bit differences in the logits
(docs/determinism.md), and still samples the nucleus with the model's probabilities."""
from __future__ import annotations

import torch

from mplt.generation.sampler import pick_tokens


def test_last_bit_differences_do_not_change_the_draw():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(64, 500, generator=gen, dtype=torch.float64) * 3
    # Two near-tied leading tokens per row: in probability order they would swap with the noise.
    scores[:, 7] = scores.max(dim=-1).values + 0.5
    scores[:, 300] = scores[:, 7]
    noisy = scores * (1 + 1e-13 * torch.randn(scores.shape, generator=gen, dtype=torch.float64))
    for _ in range(20):
        u = torch.rand(64, generator=gen, dtype=torch.float64)
        assert torch.equal(pick_tokens(scores, u, 0.6, 0.95), pick_tokens(noisy, u, 0.6, 0.95))


def test_draws_follow_the_renormalised_nucleus():
    scores = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]], dtype=torch.float64))
    u = torch.linspace(0, 1, 2001, dtype=torch.float64)[:-1]
    tokens = torch.cat([pick_tokens(scores, u[i:i + 1], 1.0, 0.9) for i in range(len(u))]).flatten()
    counts = torch.bincount(tokens, minlength=4).double() / len(u)
    # top_p 0.9 keeps 0.5, 0.3, 0.15 (0.95 is reached with the third); the 0.05 token is never drawn.
    assert counts[3] == 0
    assert torch.allclose(counts[:3], torch.tensor([0.5, 0.3, 0.15], dtype=torch.float64) / 0.95, atol=2e-3)


def test_draws_at_once_equal_one_draw_per_step():
    """make_sampler precomputes each row's draws; torch's CPU generator must give the same sequence
    as the per-step scalar draws the recorded completions were sampled with."""
    import torch
    from mplt.generation.sampler import derive_seed, draw_uniforms
    seeds = [derive_seed(7, f"p{i}", j) for i in range(3) for j in range(2)] + [0]
    at_once = draw_uniforms(seeds, 600)
    for row, seed in enumerate(seeds):
        g = torch.Generator(device="cpu").manual_seed(seed)
        one_by_one = torch.tensor([torch.rand((), generator=g, dtype=torch.float64).item() for _ in range(600)],
                                  dtype=torch.float64)
        assert torch.equal(at_once[row], one_by_one)


def test_the_nucleus_among_the_heaviest_tokens_is_the_sorted_one():
    """`pick_tokens` finds the nucleus among the tokens with a non-zero weight when they are few;
    it must give the token of the whole-vocabulary stable sort, ties by token id included."""
    from mplt.generation.sampler import SCALE, _pick_among_top, _pick_by_sort
    gen = torch.Generator().manual_seed(1)
    for spread in (2.0, 6.0, 20.0):
        scores = torch.randn(12, 4000, generator=gen, dtype=torch.float64) * spread
        scores[:, 100:140] = scores[:, 0:40]                  # tied weights at other token ids
        scores[:, 3000] = scores[:, 5] = scores.max(dim=-1).values
        for temperature, top_p in ((0.2, 0.95), (0.8, 0.95), (1.0, 0.5), (0.6, 1.0)):
            weights = torch.round(torch.softmax(scores / temperature, dim=-1) * SCALE).to(torch.int64)
            k = int((weights > 0).sum(dim=-1).max())
            for _ in range(10):
                u = torch.rand(12, generator=gen, dtype=torch.float64)
                expected = _pick_by_sort(weights, u, top_p)
                assert torch.equal(_pick_among_top(weights, k, u, top_p), expected)
                assert torch.equal(pick_tokens(scores, u, temperature, top_p), expected)
