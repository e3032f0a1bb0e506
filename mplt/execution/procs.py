"""What the harness reads about sandboxed processes from the kernel (/proc), never from them: the
exit status of a warm worker's program, whether a worker is out of its programs' reach, which
processes are still alive (docs/warm.md, "The two kinds of worker")."""
from __future__ import annotations

import os
import signal
from pathlib import Path

# Field 52 of /proc/PID/stat: the exit status as waitpid(2) reports it, readable while the process
# is a zombie by a caller the kernel lets trace it (proc(5)); the harness can, its programs cannot.
_EXIT_CODE_FIELD = 52
RUN_TAG = "MPLT_RUN"
_STATE_FIELD = 3


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat split into fields numbered from 1 (index 0 is a placeholder)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    if not head:
        return None
    return ["", head.split(" (", 1)[0], head.split(" (", 1)[-1], *rest.split()]


def state(pid: int) -> str:
    """The one-letter state (R, S, Z, ...), or "" when the process is gone."""
    fields = _stat_fields(pid)
    return fields[_STATE_FIELD] if fields else ""


def living(pids) -> list[int]:
    """The processes among `pids` that exist and are not zombies."""
    return [pid for pid in pids if state(pid) not in ("", "Z")]


def exit_code(pid: int) -> int | None:
    """A zombie's exit code as a shell reports it (128 + signal for a killed process), or None
    when `pid` is not a zombie whose status this process may read."""
    fields = _stat_fields(pid)
    if not fields or fields[_STATE_FIELD] != "Z" or len(fields) <= _EXIT_CODE_FIELD:
        return None
    status = int(fields[_EXIT_CODE_FIELD])
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return None


def children(pid: int) -> list[int]:
    """The children of `pid` (zombies included), from the kernel's list when it has one."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [p for p, (parent, _) in _table().items() if parent == pid]


def descendants(root: int) -> list[int]:
    """Living processes below `root` (without a cgroup: bubblewrap's and unshare's pid 1 are below
    it, and orphans of the sandbox are re-parented to them)."""
    parents = {pid: parent for pid, (parent, letter) in _table().items() if letter != "Z"}
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        below = [p for p, parent in parents.items() if parent == pid]
        found += below
        frontier += below
    return found


def namespace_pid(pid: int) -> int | None:
    """`pid` as its own (innermost) pid namespace numbers it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        pass
    return None


def find_by_namespace_pid(candidates, ns_pid: int) -> int | None:
    """The process among `candidates` (host pids) that its pid namespace numbers `ns_pid`."""
    return next((pid for pid in candidates if namespace_pid(pid) == ns_pid), None)


def protected(pid: int) -> bool:
    """Whether the processes of its sandbox cannot trace `pid` or open its /proc files: its real and
    effective groups differ (isolation.SPLIT_GID), or it is not dumpable, which makes the kernel
    give its /proc files to root (proc(5), /proc/PID)."""
    try:
        ids = {line.split()[0]: line.split()[1:] for line in
               Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith(("Uid:", "Gid:"))}
        if len(set(ids["Gid:"][:3])) > 1:
            return True
        return os.stat(f"/proc/{pid}/mem").st_uid != int(ids["Uid:"][0])
    except (OSError, KeyError, IndexError, ValueError):
        return False


def tagged(tag: str) -> list[int]:
    """Living processes whose environment holds MPLT_RUN=`tag` (`sandbox.RUN_TAG`): how mode none
    finds what a program left behind without a cgroup; a process that replaced its environment
    (exec with another one) is not found."""
    needle = f"{RUN_TAG}={tag}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                environ = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0"):
                found.append(int(entry))
    return living(found)


def kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process this one can see."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                table[int(entry)] = (int(fields[4]), fields[_STATE_FIELD])
    return table
