"""What a killed run leaves behind, and how the next one finds it (docs/sandbox.md).

A kill -9 of the harness skips every `finally`: its scratch directories (`/tmp/mplt-*`) and
cgroups stay. Both are named after their owner, `mplt-<pid namespace>.<pid>.<start time>-...`,
so a later run (or `doctor`) removes them at once when that exact process is gone: a reused pid
has another start time (proc(5), /proc/pid/stat field 22), and a name from another pid namespace
(a container sharing /tmp) is never judged, since its pid means nothing here. Names without an
owner (older versions, a test's own MPLT_SCRATCH root) are left alone.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from mplt.settings import current

_OWNED = re.compile(r"^mplt-(\d+)\.(\d+)\.(\d+)-")


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


@functools.lru_cache(maxsize=None)
def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def owner_prefix() -> str:
    """`mplt-<pidns>.<pid>.<start>-`: the start of every name this process creates."""
    pid = os.getpid()
    return f"mplt-{_pid_namespace()}.{pid}.{_start_time(pid) or 0}-"


def is_owned(name: str) -> bool:
    """The name carries an owner (this scheme wrote it)."""
    return _OWNED.match(name) is not None


def owner_gone(name: str) -> bool:
    """True only for a name this scheme wrote whose owner, in our pid namespace, has ended."""
    match = _OWNED.match(name)
    if not match or match.group(1) != _pid_namespace():
        return False
    return _start_time(int(match.group(2))) != match.group(3)


def new_scratch() -> Path:
    """A fresh scratch directory named for its owner, after one sweep of the owners gone."""
    parent = scratch_parent()
    sweep_scratch_once(str(parent))
    return Path(tempfile.mkdtemp(prefix=owner_prefix(), dir=parent))


def scratch_parent() -> Path:
    """The settings' scratch root (`[run] scratch`, `--scratch`, default $MPLT_SCRATCH;
    mplt/settings.py), else the system's temporary directory. A value that names no usable directory
    is one line naming it when the settings are resolved (docs/bad-input.md), not an OSError from
    the first `mkdtemp`."""
    return current().scratch_root()


def sweep_scratch(parent: Path | None = None) -> int:
    """Remove scratch directories whose owning process is gone; returns how many."""
    removed = 0
    try:
        entries = list((parent or scratch_parent()).glob("mplt-*"))
    except OSError:
        return 0
    for path in entries:
        if owner_gone(path.name) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed += not path.exists()
    return removed


@functools.lru_cache(maxsize=None)
def sweep_scratch_once(parent: str) -> int:
    """Once per process and scratch parent: the first program of a run cleans up."""
    return sweep_scratch(Path(parent))
