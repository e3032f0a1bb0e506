"""Python problems turned into one language's records by our translator (mplt.translation), for the
benchmarks that start from Python (`humaneval`, `mini`)."""
from __future__ import annotations

from mplt.benchmarks.contract import ProblemSet, limit_records


def translate_problems(benchmark: str, language: str, problems, limit: int | None, source: str,
                       revision: str) -> ProblemSet:
    """The records of the first `limit` problems in `language`, with the problems the translator
    skipped and why."""
    from mplt.translation import Skip, translate_problem
    from mplt.translation.driver import prefetch_references
    records, skipped = [], []
    problems = limit_records(list(problems), limit)
    prefetch_references(problems, [language])   # the reference check, batched (speed only)
    for problem in problems:
        result = translate_problem(problem, language)
        if isinstance(result, Skip):
            skipped.append({"name": result.name, "reason": result.reason})
        else:
            records.append(result.to_record())
    return ProblemSet(benchmark, language, records, source, revision, skipped)
