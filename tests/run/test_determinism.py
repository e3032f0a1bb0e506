"""The smoke profile's model computations give the same results under emulated other CPUs
(docs/determinism.md): warm-start, sampling with the testgen / translate / evaluate settings, a LoRA
fine-tune and sampling with it, each configuration in its own subprocess and environment.

The warm-start is shortened to 2 epochs to keep CI modest (3 configurations in turn); every other
setting is the profile's. The full smoke run against expected_results/smoke.json is test_smoke_run.
"""
from __future__ import annotations

import pytest

from mplt.smoke.fingerprint import CONFIGURATIONS, max_abs_diff, run_configuration

pytestmark = pytest.mark.slow
EPOCHS = 2
# Measured after 2 epochs (docs/determinism.md): float64 warm-started weights 3.2e-12 and 3.8e-11 from
# the machine default (a float32 warm-start: 4e-6 to 2e-5); the LoRA adapters, 5 epochs at lr 3e-3
# from those bases, 3.3e-7 and 1.3e-7. The completions sampled from them were identical.
WEIGHT_TOL = 1e-9
ADAPTER_TOL = 1e-5


@pytest.fixture(scope="module")
def fingerprints(tmp_path_factory):
    # One configuration after the other: three torch processes at once on CI's 2 cores oversubscribe
    # the threads (measured: a warm-start epoch took 3 min instead of 9 s).
    root = tmp_path_factory.mktemp("fingerprints")
    return [(name, root / f"config{i}", run_configuration(root / f"config{i}", env, threads, EPOCHS))
            for i, (name, env, threads) in enumerate(CONFIGURATIONS)]


def test_configurations_really_differ(fingerprints):
    by_name = {name: fp for name, _, fp in fingerprints}
    assert by_name["default ISA, 1 thread"]["capability"] == "DEFAULT"
    assert by_name["default ISA, 1 thread"]["threads"] == 1 and by_name["avx2, 2 threads"]["threads"] == 2
    assert all(fp["dtype"] == "float64" and fp["epochs"] == EPOCHS for _, _, fp in fingerprints)


def test_sampled_completions_are_identical_across_configurations(fingerprints):
    _, _, first = fingerprints[0]
    for name, _, fp in fingerprints[1:]:
        assert fp["digests"] == first["digests"], name


def test_trained_weights_agree_to_float64_rounding(fingerprints):
    _, first_out, _ = fingerprints[0]
    for name, out, _ in fingerprints[1:]:
        assert max_abs_diff(first_out / "weights.pt", out / "weights.pt") < WEIGHT_TOL, name
        assert max_abs_diff(first_out / "adapter.pt", out / "adapter.pt") < ADAPTER_TOL, name
