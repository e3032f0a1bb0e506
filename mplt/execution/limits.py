"""Resource limits for one sandboxed program (runtime-facts.md 7.2)."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-program limits. `None` means the language's default (timeout) or derived value."""

    timeout_s: float | None = None       # wall clock; the whole process group is killed after it
    memory_mb: int = 1024                # RLIMIT_AS, raised to the language's floor if lower
    cpu_s: int | None = None             # RLIMIT_CPU soft limit; default: the timeout + 1 s
    file_size_mb: int = 16               # RLIMIT_FSIZE: the largest file the program may write
    open_files: int = 256                # RLIMIT_NOFILE
    max_processes: int = 128             # pids cgroup (or RLIMIT_NPROC for a non-root uid)
    output_keep_bytes: int = 64 * 1024   # stdout/stderr kept per stream
    output_kill_bytes: int = 8 * 1024 * 1024  # total output that ends the program as Killed
    disk_mb: int = 64                    # scratch directory + private /tmp, all files together

    def resolve_timeout(self, language_default: float) -> float:
        return float(self.timeout_s if self.timeout_s is not None else language_default)

    def resolve_cpu(self, timeout_s: float) -> int:
        return int(self.cpu_s if self.cpu_s is not None else math.ceil(timeout_s) + 1)

    def resolve_memory(self, floor_mb: int) -> int:
        return max(self.memory_mb, floor_mb)

    def cgroup_memory_mb(self, floor_mb: int) -> int:
        """Memory of all the program's processes together (resident, incl. its tmpfs files):
        RLIMIT_AS caps each process, this caps a fork of many hogs."""
        return 2 * self.resolve_memory(floor_mb) + self.disk_mb
