"""Statistics over problems (mplt/results/stats.py) on data constructed here (not measurements)."""
from __future__ import annotations

import math
import random

import pytest

from mplt.errors import MpltError
from mplt.results.stats import (PairedDelta, paired_delta, sampling_standard_error, sign_flip_p_value,
                                significant, student_t_quantile)


def scores(count: int, seed: int, top: float = 0.3) -> dict[str, float]:
    rng = random.Random(seed)
    return {f"HumanEval_{i}": round(rng.random() * top * 20) / 20 for i in range(count)}


def test_a_clear_improvement_is_significant_and_inside_its_interval():
    base = scores(161, seed=1)
    tuned = {k: min(1.0, v + (0.25 if i % 4 == 0 else 0.0)) for i, (k, v) in enumerate(base.items())}
    result = paired_delta(base, tuned, seed=3)
    assert isinstance(result, PairedDelta) and result.problems == 161
    assert result.delta == pytest.approx(sum(tuned[k] - base[k] for k in base) / 161)
    assert 0 < result.low < result.delta < result.high
    assert result.p_value < 0.001 and significant(result)


def test_identical_scores_are_not_significant():
    base = scores(161, seed=2)
    result = paired_delta(base, dict(base))
    assert result == PairedDelta(0.0, 0.0, 0.0, 1.0, 161)
    assert not significant(result)


def test_a_tiny_improvement_on_few_problems_is_not_significant():
    base = {"a": 0.0, "b": 0.1, "c": 0.2}
    tuned = {"a": 0.05, "b": 0.15, "c": 0.25}
    result = paired_delta(base, tuned)
    # exact: 3 non-zero differences, 2^3 sign patterns, only the observed one reaches its sum
    assert result.p_value == pytest.approx(1 / 8)
    assert not significant(result)
    assert result.low <= result.delta <= result.high


def test_noise_around_zero_is_not_significant_and_a_loss_is_not_a_gain():
    base = scores(161, seed=4)
    rng = random.Random(5)
    noisy = {k: min(1.0, max(0.0, v + rng.choice((-0.05, 0.0, 0.05)))) for k, v in base.items()}
    assert paired_delta(base, noisy, seed=0).p_value > 0.05
    worse = {k: max(0.0, v - 0.1) for k, v in base.items()}
    result = paired_delta(base, worse)
    assert result.delta < 0 and result.high < 0 and result.p_value > 0.99 and not significant(result)


def test_deterministic_for_a_seed_and_monte_carlo_when_large():
    base = scores(120, seed=6)
    tuned = {k: min(1.0, v + (0.1 if i % 3 == 0 else -0.05 if i % 7 == 0 else 0.0))
             for i, (k, v) in enumerate(base.items())}
    first = paired_delta(base, tuned, seed=11, resamples=3000)
    assert paired_delta(base, tuned, seed=11, resamples=3000) == first
    other = paired_delta(base, tuned, seed=12, resamples=3000)
    assert (other.delta, other.low, other.high) == (first.delta, first.low, first.high)  # seed: the test only
    # a Monte Carlo p-value is (1 + hits) / (1 + resamples): never 0
    assert first.p_value >= 1 / 3001 and (first.p_value * 3001) == pytest.approx(round(first.p_value * 3001))


def test_exact_test_matches_enumeration_by_hand():
    diffs = [0.2, 0.1, -0.05, 0.0]
    patterns = [(a * 0.2 + b * 0.1 + c * 0.05) for a in (1, -1) for b in (1, -1) for c in (1, -1)]
    expected = sum(p >= 0.25 - 1e-12 for p in patterns) / 8
    assert sign_flip_p_value(diffs) == pytest.approx(expected)


def test_only_shared_problems_count_and_bad_input_is_one_line():
    base = {"a": 0.0, "b": 0.5, "only_base": 1.0}
    tuned = {"a": 0.5, "b": 0.5, "only_tuned": 0.0}
    assert paired_delta(base, tuned).problems == 2
    with pytest.raises(MpltError, match="no problem was scored for both"):
        paired_delta({"a": 0.1}, {"b": 0.2})
    with pytest.raises(MpltError, match="in \\[0, 1\\]"):
        paired_delta({"a": 1.5}, {"a": 0.2})


def test_one_problem_has_the_widest_interval():
    result = paired_delta({"a": 0.0}, {"a": 1.0})
    assert (result.low, result.high) == (-1.0, 1.0) and result.p_value == 0.5


def test_t_quantiles_match_the_tables():
    for df, value in ((1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042), (160, 1.975)):
        assert student_t_quantile(0.975, df) == pytest.approx(value, abs=1e-3)
    assert student_t_quantile(0.025, 10) == pytest.approx(-2.228, abs=1e-3)


def test_sampling_standard_error():
    # every problem at q = c/n = 0.5 with n = 20: Var = P * 0.25 / 19 / P^2
    figures = {f"p{i}": 0.5 for i in range(100)}
    assert sampling_standard_error(figures, 20) == pytest.approx(math.sqrt(0.25 / 19 / 100))
    assert sampling_standard_error({"a": 0.0, "b": 1.0}, 20) == 0.0  # no sampling variation seen
    assert sampling_standard_error({"a": 0.5, "b": 0.5}, {"a": 2, "b": 20}) > sampling_standard_error(
        {"a": 0.5, "b": 0.5}, 20)
    with pytest.raises(MpltError, match="sample count"):
        sampling_standard_error({"a": 0.5}, {"b": 3})
