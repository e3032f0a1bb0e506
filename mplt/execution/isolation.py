"""Which isolation this machine offers, detected once per process.

Modes, best first:
  bubblewrap  no network, read-only root, private /tmp, own pid namespace, dies with its parent
  netns       `unshare` into a fresh network (and pid) namespace: no network, but the file system
              is shared
  none        no isolation: programs run with a loud warning in every result and in the log
Fork bombs are contained by a pids cgroup when this process may create one (root); otherwise the
program runs as a non-root uid under RLIMIT_NPROC, which the kernel ignores for uid 0
(runtime-facts.md 7.2, 7.3).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

NOBODY = 65534
_CGROUP_V1 = Path("/sys/fs/cgroup/pids")
_CGROUP_V2 = Path("/sys/fs/cgroup")


def _works(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=None)
def detect_mode() -> str:
    forced = os.environ.get("MPLT_SANDBOX")
    if forced in ("bubblewrap", "netns", "none"):
        return forced
    bwrap = shutil.which("bwrap")
    if bwrap and _works([bwrap, *bwrap_args("/tmp"), "true"]):
        return "bubblewrap"
    unshare = shutil.which("unshare")
    if unshare and _works([unshare, *unshare_args(), "true"]):
        return "netns"
    return "none"


def bwrap_args(scratch: str) -> list[str]:
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--bind", scratch, scratch, "--chdir", scratch,
            "--unshare-all", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # Inside, the program is uid 65534 with no capabilities.
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL"]
    return args + ["--"]


def unshare_args() -> list[str]:
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return [*user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--"]


class PidsCgroup:
    """A throw-away pids cgroup: caps the number of processes and lets us kill every member."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, max_pids: int) -> "PidsCgroup | None":
        if os.geteuid() != 0:
            return None
        for base in (_CGROUP_V1, _CGROUP_V2):
            if not (base / "cgroup.procs").exists():
                continue
            if base == _CGROUP_V2 and "pids" not in _read(base / "cgroup.controllers"):
                continue
            path = base / f"mplt-{uuid.uuid4().hex[:12]}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(max_pids))
                return cls(path)
            except OSError:
                _rmdir(path)
        return None

    def wrap(self, cmd: list[str]) -> list[str]:
        # The shell moves itself into the group, then execs the program: no fork can escape.
        return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *cmd]

    def kill_all(self) -> None:
        for _ in range(50):
            pids = [int(p) for p in _read(self.path / "cgroup.procs").split()]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill_all()
        _rmdir(self.path)


@functools.lru_cache(maxsize=None)
def cgroups_available() -> bool:
    group = PidsCgroup.create(8)
    if group is None:
        return False
    group.remove()
    return True


def fork_guard() -> str:
    if cgroups_available():
        return "pids-cgroup"
    return "rlimit-nproc (uid %d)" % (NOBODY if os.geteuid() == 0 else os.geteuid())


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _rmdir(path: Path) -> None:
    for _ in range(50):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)

