"""Resource limits for one sandboxed program (docs/runtime.md, section 7.2).

The pipeline's and the evaluation's programs (`program_limits`) have their timeout measured in CPU
time, with a generous wall-clock limit behind it (docs/execution.md): a program that needs 1 s of
CPU takes several seconds of wall time on a machine whose cores are busy with other work, and its
verdict must not become Timeout because of that load (docs/execution.md). A program that spins forever still
reaches the CPU limit after `timeout_s` CPU seconds (Timeout); one that blocks without using the CPU
reaches the wall limit (Timeout). A bare `Limits()` keeps the wall clock as the timeout.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mplt.errors import MpltError


def check_timeout(value, name: str = "timeout_s") -> None:
    """A timeout is a positive, finite number of seconds, or None for the language's default. NaN
    passes `value <= 0` (every comparison with it is false) and reaches `math.ceil`, and a negative
    or zero timeout scores every program Timeout without running it: both are refused where they
    are given (docs/bad-input.md, "Limits and the sandbox's settings")."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise MpltError(f"{name} must be positive and finite (seconds), got {value!r}")


@dataclass(frozen=True)
class Limits:
    """Per-program limits. `None` means the language's default (timeout) or derived value."""

    timeout_s: float | None = None       # wall clock x wall_factor, and CPU seconds (RLIMIT_CPU)
    memory_mb: int = 1024                # RLIMIT_AS, raised to the language's floor if lower
    cpu_s: int | None = None             # RLIMIT_CPU soft limit; default: the timeout, rounded up
    wall_factor: float = 1.0             # wall-clock limit = timeout x this; the process group is killed
    file_size_mb: int = 16               # RLIMIT_FSIZE: the largest file the program may write
    open_files: int = 256                # RLIMIT_NOFILE
    max_processes: int = 128             # pids cgroup (or RLIMIT_NPROC for a non-root uid)
    output_keep_bytes: int = 64 * 1024   # stdout/stderr kept per stream
    output_kill_bytes: int = 8 * 1024 * 1024  # total output that ends the program as Killed
    disk_mb: int = 64                    # scratch directory + private /tmp, all files together

    def __post_init__(self):
        check_timeout(self.timeout_s)

    def resolve_timeout(self, language_default: float) -> float:
        return float(self.timeout_s if self.timeout_s is not None else language_default)

    def resolve_cpu(self, timeout_s: float) -> int:
        return int(self.cpu_s if self.cpu_s is not None else max(1, math.ceil(timeout_s)))

    def resolve_wall(self, timeout_s: float) -> float:
        return timeout_s * max(1.0, self.wall_factor)

    def resolve_memory(self, floor_mb: int) -> int:
        return max(self.memory_mb, floor_mb)

    def cgroup_memory_mb(self, floor_mb: int) -> int:
        """Memory of all the program's processes together (resident, incl. its tmpfs files):
        RLIMIT_AS caps each process, this caps a fork of many hogs."""
        return 2 * self.resolve_memory(floor_mb) + self.disk_mb


# Wall limit of the pipeline's programs, in timeouts: a program that gets a third of a core (two
# busy loops and two sandbox workers on a 2-core machine, docs/execution.md) still reaches its CPU limit first.
LOADED_WALL_FACTOR = 3.0


def program_limits(timeout_s: float | None) -> Limits:
    """Limits of the programs whose verdicts make figures (testgen, translate, evaluate): the timeout
    is CPU time, the wall limit LOADED_WALL_FACTOR timeouts."""
    return Limits(timeout_s=timeout_s, wall_factor=LOADED_WALL_FACTOR)
