"""Statistics over problems: is a fine-tuned model's pass@1 above its base model's, beyond noise?

Both models answer the same benchmark problems, so the comparison is paired: per problem `i`,
`d_i = pass@1_tuned(i) - pass@1_base(i)`, and the delta is the mean of the `d_i` (Miller 2024,
"Adding Error Bars to Evals", arXiv:2411.00640, section 4: analyse paired differences, which removes
the problems' own variance from the comparison).

* **Interval**: a Student t interval on the mean of the `d_i`, `mean +- t(P-1) * sd / sqrt(P)`, clipped
  to [-1, 1] (pass@1 lies in [0, 1]). Miller (sections 2-4) recommends standard errors from the central
  limit theorem over questions; with the 150-odd problems of a MultiPL-E language the t and normal
  quantiles agree to 1 %, and for small benchmarks t is the wider, honest choice. It needs no random
  numbers, so the interval is the same on every machine. Since `d_i` already averages the n samples
  per problem, the interval covers both the sampling of completions and the choice of problems.
* **Test**: a one-sided sign-flip permutation test of "tuned > base" (the paired randomisation test:
  under the null each `d_i` is as likely to have the other sign). Exact (all 2^m sign patterns of the m
  non-zero `d_i`) when m <= `exact_up_to`; otherwise `resamples` random patterns drawn with `seed`,
  with p = (1 + hits) / (1 + resamples) so that a Monte Carlo p-value is never 0 (Phipson and Smyth
  2010, "Permutation P-values Should Never Be Zero"). It makes no normality assumption, which matters
  for pass@1 differences: most are 0 and a few are large.

A claim "fine-tuned above base" holds when the test gives p < `ALPHA` (one-sided); the interval
describes the size of the change and is not the test (expected_results/README.md says what the check
expects).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from mplt.errors import MpltError

ALPHA = 0.05            # one-sided significance level of "fine-tuned above base"
CONFIDENCE = 0.95
RESAMPLES = 20_000      # Monte Carlo sign patterns: the p-value's own noise is < 0.002 near 0.05
EXACT_UP_TO = 16        # 2^16 patterns enumerated; beyond that, Monte Carlo


@dataclass(frozen=True)
class PairedDelta:
    delta: float        # mean over shared problems of tuned - base
    low: float          # 95 % interval of the delta (t interval over problems)
    high: float
    p_value: float      # one-sided sign-flip test of "tuned > base"
    problems: int       # problems scored by both models


def significant(result: PairedDelta, alpha: float = ALPHA) -> bool:
    """Whether "tuned above base" holds at the one-sided level `alpha`."""
    return result.delta > 0 and result.p_value < alpha


def _check_scores(scores: Mapping[str, float], what: str) -> None:
    for name, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise MpltError(f"{what} pass@1 of problem {name!r} must be a number in [0, 1], got {value!r}")


def paired_delta(base: Mapping[str, float], tuned: Mapping[str, float], *, seed: int = 0,
                 confidence: float = CONFIDENCE, resamples: int = RESAMPLES,
                 exact_up_to: int = EXACT_UP_TO) -> PairedDelta:
    """Per-problem pass@1 of two models (keys: problem names) -> delta, interval and p-value.

    Only problems present in both count: a problem one model was not scored on (a translation skip,
    an interrupted run) says nothing about the difference. `problems` says how many were used; the
    caller reports a mismatch. Deterministic for a given `seed` (which only the Monte Carlo test uses).
    """
    _check_scores(base, "base")
    _check_scores(tuned, "tuned")
    if not 0.0 < confidence < 1.0:
        raise MpltError(f"confidence must be in (0, 1), got {confidence}")
    if resamples < 1:
        raise MpltError(f"resamples must be >= 1, got {resamples}")
    shared = sorted(set(base) & set(tuned))
    if not shared:
        raise MpltError("no problem was scored for both models: nothing to compare")
    diffs = [float(tuned[name]) - float(base[name]) for name in shared]
    delta = math.fsum(diffs) / len(diffs)
    low, high = t_interval(diffs, confidence)
    p_value = sign_flip_p_value(diffs, seed=seed, resamples=resamples, exact_up_to=exact_up_to)
    return PairedDelta(delta, low, high, p_value, len(diffs))


def t_interval(diffs: list[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided t interval of the mean of `diffs`, clipped to [-1, 1]; [-1, 1] for one value."""
    count = len(diffs)
    if count < 2:
        return -1.0, 1.0
    mean = math.fsum(diffs) / count
    variance = math.fsum((d - mean) ** 2 for d in diffs) / (count - 1)
    half = student_t_quantile(0.5 + confidence / 2, count - 1) * math.sqrt(variance / count)
    return max(-1.0, mean - half), min(1.0, mean + half)


def sign_flip_p_value(diffs: list[float], *, seed: int = 0, resamples: int = RESAMPLES,
                      exact_up_to: int = EXACT_UP_TO) -> float:
    """P(sum of randomly signed |d_i| >= observed sum) under the sign-flip null."""
    import numpy as np
    sizes = np.array([abs(d) for d in diffs if d != 0.0], dtype=np.float64)
    if sizes.size == 0:
        return 1.0
    observed = math.fsum(d for d in diffs if d != 0.0)
    slack = 1e-9 * float(sizes.sum())   # ties (equal sums in another order) count as "as large"
    if sizes.size <= exact_up_to:
        patterns = np.arange(2 ** sizes.size, dtype=np.int64)
        signs = ((patterns[:, None] >> np.arange(sizes.size)) & 1) * 2 - 1
        return float(np.mean(signs @ sizes >= observed - slack))
    rng = np.random.default_rng(seed)
    hits, left = 0, resamples
    while left:
        chunk = min(left, 2_000)   # bounded memory: chunk x m signs at a time
        signs = rng.integers(0, 2, size=(chunk, sizes.size), dtype=np.int8) * 2 - 1
        hits += int(np.count_nonzero(signs @ sizes >= observed - slack))
        left -= chunk
    return (1 + hits) / (1 + resamples)


def sampling_standard_error(scores: Mapping[str, float], samples: int | Mapping[str, int]) -> float:
    """Standard error of one pass@1 figure from sampling its completions, the problems held fixed.

    pass@1 = (1/P) sum_i c_i/n_i with c_i ~ Binomial(n_i, p_i), so Var = (1/P^2) sum_i p_i(1-p_i)/n_i;
    q(1-q)/(n-1), with q = c/n, estimates p(1-p)/n without bias (E[q(1-q)] = p(1-p)(n-1)/n). This is
    the noise of rerunning the same evaluation (expected_results/README.md bounds it by
    sqrt(p(1-p)/(nP))); `samples` is n for every problem, or n per problem.
    """
    _check_scores(scores, "the")
    if not scores:
        raise MpltError("no problem scores: no standard error")
    total = 0.0
    for name, q in scores.items():
        n = samples if isinstance(samples, int) else samples.get(name)
        if not isinstance(n, int) or n < 1:
            raise MpltError(f"problem {name!r}: the sample count must be a positive integer, got {n!r}")
        total += q * (1.0 - q) / max(n - 1, 1)
    return math.sqrt(total) / len(scores)


# --- Student's t quantile (no SciPy: mplt's dependencies do not include it) ----------------------

def student_t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom, via the regularized incomplete beta
    function: P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2) (Abramowitz and Stegun 26.7.1)."""
    tail = 0.5 * _incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t >= 0 else tail


def student_t_quantile(probability: float, df: int) -> float:
    """The t with P(T <= t) = probability (bisection on the CDF; 1e-12 is ample for an interval)."""
    if not 0.0 < probability < 1.0 or df < 1:
        raise MpltError(f"t quantile needs 0 < probability < 1 and df >= 1, got {probability}, {df}")
    low, high = -1.0, 1.0
    while student_t_cdf(low, df) > probability:
        low *= 2.0
    while student_t_cdf(high, df) < probability:
        high *= 2.0
    while high - low > 1e-12 * max(1.0, abs(high)):
        middle = (low + high) / 2.0
        if student_t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes, 6.4)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1.0) / (a + b + 2.0):   # the fraction converges fast only below this point
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return front * result / a
