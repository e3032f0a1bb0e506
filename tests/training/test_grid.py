"""Weight snapping (mplt.training.grid): tiny differences vanish, real updates survive."""
import torch

from mplt.training.grid import snap_to_grid


def test_a_difference_far_below_the_grid_vanishes():
    gen = torch.Generator().manual_seed(0)
    a = torch.nn.Parameter(torch.randn(1000, generator=gen, dtype=torch.float64) * 0.02)
    b = torch.nn.Parameter(a.detach() + 1e-15 * torch.randn(1000, generator=gen, dtype=torch.float64))
    assert not torch.equal(a, b)
    snap_to_grid([a, b], 20)
    assert torch.equal(a, b)
    assert torch.equal(a * 2 ** 20, torch.round(a * 2 ** 20))          # on the grid


def test_updates_above_the_grid_survive_and_zero_bits_is_off():
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    with torch.no_grad():
        p += torch.tensor([1e-3, -2e-3, 1e-8], dtype=torch.float64)
    before = p.detach().clone()
    snap_to_grid([p], 0)
    assert torch.equal(p, before)
    snap_to_grid([p], 20)
    assert abs(p[0].item() - 1e-3) < 2 ** -21 and abs(p[1].item() + 2e-3) < 2 ** -21 and p[2].item() == 0.0


def test_frozen_tensors_are_left_alone():
    frozen = torch.nn.Parameter(torch.tensor([0.1234567891], dtype=torch.float64), requires_grad=False)
    snap_to_grid([frozen], 20)
    assert frozen.item() == 0.1234567891
