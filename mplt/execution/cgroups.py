"""Throw-away cgroup-v1 groups (pids, and memory when present) for one program: they cap the
number of processes and the total memory, and let us find and kill every member afterwards
(docs/runtime.md, section 7.3: cgroup v1, where root may create groups). Each group is named after
its owner (`leftovers.owner_prefix`), so a group left by a killed run is removed by the next run.
"""
from __future__ import annotations

import functools
import os
import time
import uuid
from pathlib import Path

from mplt.execution import leftovers

NOBODY = 65534
CGROUP_ROOT = Path("/sys/fs/cgroup")
_CONTROLLERS = ("pids", "memory")


class Cgroups:
    def __init__(self, paths: list[Path]):
        self.paths = paths

    @classmethod
    def create(cls, max_pids: int, memory_mb: int | None = None) -> "Cgroups | None":
        if os.geteuid() != 0 or not (CGROUP_ROOT / "pids" / "cgroup.procs").exists():
            return None
        sweep_stale_cgroups()
        name = f"{leftovers.owner_prefix()}{uuid.uuid4().hex[:8]}"
        group = cls([])
        try:
            pids = CGROUP_ROOT / "pids" / name
            pids.mkdir()
            group.paths.append(pids)
            (pids / "pids.max").write_text(str(max_pids))
        except OSError:
            group.remove()
            return None
        memory = CGROUP_ROOT / "memory"
        if memory_mb and (memory / "cgroup.procs").exists():
            # Optional: without it RLIMIT_AS still caps each process.
            path = memory / name
            try:
                path.mkdir()
                (path / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
                group.paths.append(path)
            except OSError:
                _rmdir(path)
        return group

    def wrap(self, cmd: list[str], shell: str = "/bin/sh") -> list[str]:
        # The shell moves itself into the groups, then execs the sandbox: no fork can escape.
        joins = " && ".join(f'echo $$ > "{p}/cgroup.procs"' for p in self.paths)
        return [shell, "-c", f'{joins} && exec "$@"', "sh", *cmd]

    def members(self) -> list[int]:
        return [int(p) for p in _read(self.paths[0] / "cgroup.procs").split()] if self.paths else []

    def wait_empty(self, seconds: float) -> bool:
        """True once the cgroup holds no process, False if some are still there after `seconds`."""
        deadline = time.monotonic() + seconds
        while self.members():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def kill_all(self) -> None:
        pause = 0.001  # members usually leave within milliseconds; back off up to 20 ms
        for _ in range(200):
            pids = self.members()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def remove(self) -> None:
        self.kill_all()
        for path in reversed(self.paths):
            _rmdir(path)


@functools.lru_cache(maxsize=None)
def sweep_stale_cgroups(min_age_s: float = 120.0) -> int:
    """Remove groups left by harnesses that were killed before cleaning up (once per process).
    A group whose owner is gone goes at once, its stray members killed first; a group without an
    owner in its name (older versions) only when empty and `min_age_s` old. A live run's group is
    never touched: its owner is alive, and a group with members cannot be removed (EBUSY)."""
    removed = 0
    for controller in _CONTROLLERS:
        for path in sorted((CGROUP_ROOT / controller).glob("mplt-*")):
            try:
                if leftovers.owner_gone(path.name):
                    Cgroups([path]).remove()
                elif (leftovers.is_owned(path.name) or _read(path / "cgroup.procs").strip()
                      or time.time() - path.stat().st_mtime < min_age_s):
                    continue
                else:
                    path.rmdir()
                removed += not path.exists()
            except OSError:
                continue
    return removed


@functools.lru_cache(maxsize=None)
def cgroups_available() -> bool:
    group = Cgroups.create(8, 64)
    if group is None:
        return False
    group.remove()
    return True


def fork_guard() -> str:
    if cgroups_available():
        return "cgroup (pids + memory)"
    return "rlimit-nproc (uid %d)" % (NOBODY if os.geteuid() == 0 else os.geteuid())


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _rmdir(path: Path) -> None:
    pause = 0.001
    for _ in range(200):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
