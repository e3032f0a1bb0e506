"""causal_lm_loss: transformers' causal-LM loss, without its float32 downcast of float64 logits."""
from __future__ import annotations

import torch

from mplt.training.loss import causal_lm_loss


def test_matches_transformers_loss_in_float32():
    from transformers.loss.loss_utils import ForCausalLMLoss
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 9, 50, generator=gen)
    labels = torch.randint(0, 50, (2, 9), generator=gen)
    labels[0, :3] = -100
    assert torch.equal(causal_lm_loss(logits, labels), ForCausalLMLoss(logits, labels, vocab_size=50))


def test_keeps_float64():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 9, 50, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 50, (2, 9), generator=gen)
    loss = causal_lm_loss(logits, labels)
    loss.backward()
    assert loss.dtype == torch.float64 and logits.grad.dtype == torch.float64
    expected = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 50), labels[:, 1:].reshape(-1))
    assert torch.allclose(loss, expected, rtol=0, atol=1e-15)
