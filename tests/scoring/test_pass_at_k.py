"""pass@k: known values, the n < k rule, stability, and scoring hand-written result fixtures."""
from __future__ import annotations

import math

import pytest

from mplt.scoring import count_passes, mean_pass_at_k, pass_at_k, score_problem, summarize_language


def exact(n, c, k):
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def test_known_values():
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(10, 0, 1) == 0.0 and pass_at_k(10, 0, 10) == 0.0
    assert pass_at_k(7, 7, 1) == 1.0 and pass_at_k(7, 7, 7) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(200, 10, 100) == pytest.approx(exact(200, 10, 100))
    assert pass_at_k(4, 3, 2) == 1.0          # n - c < k: every 2-subset holds a pass


@pytest.mark.parametrize("n", [1, 2, 5, 20, 50])
def test_matches_binomial_formula(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(exact(n, c, k), abs=1e-12)


def test_stable_for_large_n():
    value = pass_at_k(100_000, 37, 100)
    assert 0.0 < value < 1.0 and math.isfinite(value)
    assert value == pytest.approx(1 - math.exp(sum(math.log1p(-100 / i) for i in range(100_000 - 37 + 1, 100_001))))
    assert pass_at_k(100_000, 50_000, 1) == pytest.approx(0.5)


def test_bad_arguments():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 0)


def test_k_above_n_is_not_reported():
    # nuprl/MultiPL-E#31: with n=20, pass@100 would be a bogus 1.0.
    assert mean_pass_at_k([(20, 1), (20, 0)]) == {"pass@1": pytest.approx(0.025), "pass@10": pytest.approx(0.25)}
    assert mean_pass_at_k([(20, 1), (5, 5)], ks=(1, 10)) == {"pass@1": pytest.approx(0.525)}
    assert mean_pass_at_k([]) == {}


def test_human_eval_style_example_gives_half():
    # Hand-written fixture, as human-eval's example_samples: two problems, one correct and one incorrect
    # completion each -> pass@1 = 0.5.
    counts = [count_passes([{"status": "OK", "exit_code": 0}, {"status": "Failure", "exit_code": 1}]),
              count_passes([{"status": "Exception", "exit_code": 1}, {"status": "OK", "exit_code": 0}])]
    assert counts == [(2, 1), (2, 1)]
    assert mean_pass_at_k(counts) == {"pass@1": 0.5}


def test_only_ok_with_exit_code_zero_passes():
    # Hand-written result records: "OK" with a non-zero exit code (or none) is not a pass.
    results = [{"status": "OK", "exit_code": 0}, {"status": "OK", "exit_code": 1},
               {"status": "OK", "exit_code": None}, {"status": "Timeout", "exit_code": None},
               {"status": "SyntaxError", "exit_code": 1}]
    assert count_passes(results) == (5, 1)


def test_score_problem_and_summary_from_hand_written_results():
    # Hand-written fixtures: problem A has a correct and an incorrect completion, problem B two correct
    # ones, problem C was skipped (no completions).
    def result(status, code):
        return {"program": "p", "stdout": "", "stderr": "", "exit_code": code, "status": status, "timestamp": 1}

    a = score_problem({"name": "A", "language": "lua", "completions": ["x", "y"]},
                      [result("OK", 0), result("Failure", 1)])
    b = score_problem({"name": "B", "language": "lua"}, [result("OK", 0), result("OK", 0)])
    c = score_problem({"name": "C", "language": "lua", "skipped_reason": "too long"}, [])
    assert (a["n"], a["c"], a["pass@1"]) == (2, 1, 0.5) and "completions" not in a
    assert set(a["results"][0]) >= {"program", "stdout", "stderr", "exit_code", "status", "timestamp"}
    assert "pass@10" not in a and c["n"] == 0
    summary = summarize_language([a, b, c], language="lua", model="m", temperature=0.2)
    assert summary["pass@1"] == pytest.approx(0.75)
    assert "pass@10" not in summary
    assert (summary["num_problems"], summary["num_unscored"]) == (2, 1)
    assert (summary["min_completions"], summary["max_completions"]) == (2, 2)
    assert summary["language"] == "lua" and summary["temperature"] == 0.2


def test_table_renders():
    from rich.console import Console
    from mplt.scoring import pass_at_k_table
    console = Console(record=True, width=120)
    console.print(pass_at_k_table([{"language": "lua", "benchmark": "multipl-e", "model": "m", "temperature": 0.2,
                                    "num_problems": 2, "min_completions": 20, "max_completions": 20,
                                    "pass@1": 0.125}]))
    text = console.export_text()
    assert "lua" in text and "12.50" in text and "pass@1" in text
