"""Load must not flip verdicts (docs/execution.md): the timeout of the pipeline's programs
is CPU time, with a wall limit of several timeouts behind it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mplt.execution.limits import LOADED_WALL_FACTOR, Limits, program_limits
from mplt.langs.status import OK, TIMEOUT
from mplt.execution.sandbox import run_program

# Busy-waits on the process's own CPU clock (Lua's os.clock), so it needs 1 s of CPU on any machine.
ONE_CPU_SECOND = "local t = os.clock()\nwhile os.clock() - t < 1.0 do end\nassert(1 + 1 == 2)\n"
SPIN = "while true do end\n"
SLEEP = 'os.execute("sleep 60")\n'


@pytest.fixture
def busy_cores():
    """Two busy loops per core, for the duration of the test."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        yield len(loops)
    finally:
        for proc in loops:
            proc.kill()
            proc.wait()


def test_program_that_needs_one_cpu_second_passes_on_saturated_cores(busy_cores):
    result = run_program("lua", ONE_CPU_SECOND, program_limits(2.0))
    assert result.status == OK, (busy_cores, result)


def test_program_that_spins_forever_is_a_timeout_by_its_cpu_limit():
    result = run_program("lua", SPIN, program_limits(1.0))
    assert result.status == TIMEOUT and "CPU time" in result.reason, result


def test_program_that_blocks_is_a_timeout_by_its_wall_limit():
    result = run_program("lua", SLEEP, program_limits(1.0))
    assert result.status == TIMEOUT and "wall-clock" in result.reason, result
    assert result.duration_s < 60


def test_limits_resolve_cpu_and_wall():
    assert program_limits(2.0).resolve_cpu(2.0) == 2
    assert program_limits(2.0).resolve_wall(2.0) == 2.0 * LOADED_WALL_FACTOR
    assert Limits(timeout_s=2.5).resolve_cpu(2.5) == 3 and Limits().resolve_wall(4.0) == 4.0
