"""Scoring: the unbiased pass@k estimator, per-problem records, per-language summaries and table.

    pass_at_k(n, c, k)              # 1 - C(n-c, k)/C(n, k), stable product form
    score_problem(problem, results) # per-problem record (MultiPL-E results layout + n, c, pass@k)
    summarize_language(problems, language=..., model=..., ...)  # mean over problems, k <= n only
    print_table(summaries)          # rich table
"""
from mplt.scoring.pass_at_k import count_passes, is_pass, mean_pass_at_k, pass_at_k
from mplt.scoring.summary import KS, pass_at_k_table, print_table, score_problem, summarize_language

__all__ = ["KS", "count_passes", "is_pass", "mean_pass_at_k", "pass_at_k", "pass_at_k_table", "print_table",
           "score_problem", "summarize_language"]
