"""The unbiased pass@k estimator (Chen et al. 2021; docs/conventions.md, section 7).

pass@k = 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i), which stays
stable for large n where the binomials overflow. Only k <= n is meaningful: with n < k the formula
returns 1.0 whenever n - c < k, a bogus pass@100 from 20 samples (nuprl/MultiPL-E#31), so such k
are not reported, as in openai/human-eval and the bigcode harness.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from mplt.langs.status import OK


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c of them correct) is correct."""
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"need 0 <= c <= n and k >= 1, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    estimate = 1.0
    for i in range(n - c + 1, n + 1):
        estimate *= 1.0 - k / i
    return 1.0 - estimate


def is_pass(result: dict) -> bool:
    """MultiPL-E's rule: status "OK" and exit code 0 (docs/conventions.md, sections 5, 7)."""
    return result.get("status") == OK and result.get("exit_code") == 0


def count_passes(results: Iterable[dict]) -> tuple[int, int]:
    """(n, c) for one problem's execution results."""
    results = list(results)
    return len(results), sum(is_pass(r) for r in results)


def mean_pass_at_k(counts: Sequence[tuple[int, int]], ks: Sequence[int] = (1, 10, 100)) -> dict[str, float]:
    """Mean over problems of the per-problem estimate, for every k that all problems allow
    (k <= the smallest n), keyed "pass@k". Problems with no samples are not scored."""
    counts = [(n, c) for n, c in counts if n > 0]
    if not counts:
        return {}
    smallest = min(n for n, _ in counts)
    return {f"pass@{k}": sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
            for k in ks if k <= smallest}
