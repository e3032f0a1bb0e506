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
