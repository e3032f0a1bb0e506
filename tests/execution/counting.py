"""Counting the cold sandbox runs the pool makes (`mplt.execution.pool.run_program`), for the pool
and warm-worker tests."""
from __future__ import annotations

from mplt.execution import pool


def count_cold_runs(monkeypatch) -> list[str]:
    """The programs of every cold run from now on, in order (the real runs still happen)."""
    calls: list[str] = []
    real = pool.run_program

    def run(language, program, limits):
        calls.append(program)
        return real(language, program, limits)
    monkeypatch.setattr(pool, "run_program", run)
    return calls
