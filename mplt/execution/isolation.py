"""Which isolation this machine offers, detected once per process, and the command that applies it.

Modes, best first:
  bubblewrap  no network, read-only root, private size-capped /tmp, own pid namespace, dies with
              its parent (runtime-facts.md 7.5)
  netns       `unshare` into fresh network, pid and mount namespaces: no network, but the file
              system is shared, so the program runs as uid 65534; an interpreter below a
              directory that uid 65534 cannot enter (pyenv in /root) is exposed by covering that
              directory with a tmpfs in the private mount namespace (runtime-facts.md 7.1)
  none        no isolation: programs run with a loud warning in every result and in the log, as
              uid 65534 when the interpreter allows it, else as the caller
Fork bombs and memory are contained by a throw-away cgroup (pids + memory controllers) when this
process may create one (root); otherwise the whole sandbox runs as uid 65534 under RLIMIT_NPROC,
which the kernel ignores for uid 0 (runtime-facts.md 7.2, 7.3).
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
MODES = ("bubblewrap", "netns", "none")
_CGROUP_ROOT = Path("/sys/fs/cgroup")
LEFTOVER_MARKER = "mplt-sandbox: the program left background processes behind"
LEFTOVER_EXIT = 125
# Runs inside the pid namespace: run the program, then fail if any process other than the
# namespace's init and this shell is still alive (zombies awaiting reaping do not count). Only
# shell built-ins after the program, so a fork-exhausted namespace cannot stop the check.
_REAPER = ('"$@"; rc=$?; for p in /proc/[0-9]*; do n=${p#/proc/}; '
           '[ "$n" = 1 ] || [ "$n" = $$ ] && continue; '
           '{ read -r s <"$p/stat"; } 2>/dev/null || continue; '
           'case "${s##*)}" in " Z"*) continue;; esac; '
           f'echo "{LEFTOVER_MARKER}" >&2; exit {LEFTOVER_EXIT}; done; exit $rc')


_EXPOSE = ('mount --bind "$1" "$3" && mount -t tmpfs -o mode=755 tmpfs "$2" && mkdir -p "$1" '
           '&& mount --move "$3" "$1" && shift 3 && exec "$@"')


def _works(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=None)
def detect_mode() -> str:
    """MPLT_SANDBOX forces a mode; otherwise the best one that works here."""
    forced = os.environ.get("MPLT_SANDBOX")
    if forced in MODES:
        return forced
    bwrap = shutil.which("bwrap")
    if bwrap and _works([bwrap, *bwrap_args("/tmp", privileged=os.geteuid() == 0), "true"]):
        return "bubblewrap"
    unshare = shutil.which("unshare")
    if unshare and _works([unshare, *unshare_args(privileged=os.geteuid() == 0), "true"]):
        return "netns"
    return "none"


def bwrap_args(scratch: str, privileged: bool, tmp_mb: int = 64, hide: tuple[Path, ...] = (),
               expose: tuple[Path, ...] = ()) -> list[str]:
    """`privileged`: started as root with a cgroup; the program becomes uid 65534 in a user
    namespace (still root outside, which the cgroup contains). Otherwise bubblewrap runs without a
    user namespace when root, `setpriv` later drops to the real uid 65534, and `hide` lists
    directories uid 65534 cannot enter (e.g. /root holding pyenv) that are replaced by a tmpfs
    with only the interpreter's tree bound back. `expose`: toolchain trees under /tmp (see
    `trees_under_tmp`), bound back read-only onto the private /tmp."""
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    for child in hide:
        args += ["--tmpfs", str(child.parent), "--ro-bind", str(child), str(child)]
    for tree in expose:
        args += [*_open_parents(tree), "--ro-bind", str(tree), str(tree)]
    args += [*_open_parents(Path(scratch)), "--bind", scratch, scratch, "--chdir", scratch, "--die-with-parent",
             "--new-session"]
    if privileged or os.geteuid() != 0:
        args += ["--unshare-all"]
    else:
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if privileged:
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL"]
    return args + ["--"]


def _open_parents(path: Path) -> list[str]:
    """Parents on the private /tmp must stay enterable by uid 65534 (bubblewrap makes them 0700)."""
    args = []
    for parent in reversed(path.parents):
        if parent != Path("/tmp") and Path("/tmp") in parent.parents:
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def trees_under_tmp(executable: str) -> tuple[Path, ...]:
    """The installation trees of a toolchain that lives under /tmp (a checkout there, with its
    `.venv` and `.tools/julia`), which the sandbox's private /tmp would hide: the directory above
    the executable's own (`.venv` for `.venv/bin/python`, `.tools` for `.tools/julia/julia`), for the
    path as called and as resolved."""
    trees = set()
    for path in (Path(os.path.abspath(executable)), Path(os.path.realpath(executable))):
        if Path("/tmp") in path.parents:
            tree = next(t for t in (path.parent.parent, path.parent, path) if t != Path("/tmp"))
            trees.add(tree)
    return tuple(sorted(trees))


def unshare_args(privileged: bool) -> list[str]:
    user = [] if privileged else ["--map-root-user"]
    return [*user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--"]


def drop_to_nobody() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def blocked_for_nobody(executable: str) -> Path | None:
    """The first directory on the interpreter's real path that uid 65534 cannot enter (its child
    on that path is returned, e.g. /root/.pyenv), or None when every step is open to others."""
    path = Path(os.path.realpath(executable))
    for parent in reversed(path.parents):
        if parent == Path("/"):
            continue
        try:
            mode = parent.stat().st_mode
        except OSError:
            return None
        if not mode & 0o001:
            return parent / path.relative_to(parent).parts[0]
    return None


def build_command(program_cmd: list[str], rlimits: list[str], scratch: str, mode: str,
                  has_cgroup: bool, executable: str, tmp_mb: int) -> tuple[list[str], list[str]]:
    """Layer the sandbox around `program_cmd`, outermost first: namespace, uid drop, the
    leftover-process check, then `prlimit` (the cgroup join is added by `Cgroups.wrap`).
    Returns (command, warnings)."""
    inner = ["prlimit", *rlimits, "--", *program_cmd]
    root = os.geteuid() == 0
    if mode == "bubblewrap":
        expose = trees_under_tmp(executable)
        if root and not has_cgroup:
            hidden = blocked_for_nobody(executable)
            args = bwrap_args(scratch, False, tmp_mb, hide=(hidden,) if hidden else (), expose=expose)
            return ["bwrap", *args, *drop_to_nobody(), "/bin/sh", "-c", _REAPER, "sh", *inner], []
        return ["bwrap", *bwrap_args(scratch, root, tmp_mb, expose=expose), "/bin/sh", "-c", _REAPER, "sh",
                *inner], []
    warnings = []
    drop = []
    blocked = blocked_for_nobody(executable) if root else None
    if root and (blocked is None or mode == "netns"):
        drop = drop_to_nobody()
    elif root:
        warnings.append(f"ran as root: {executable} is not reachable by uid {NOBODY}, so the "
                        "file system is not protected" + ("" if has_cgroup else
                                                          " and fork bombs are not contained"))
    if mode == "netns":
        expose = []
        if blocked is not None:
            # In the private mount namespace: park the interpreter's tree, cover its unreachable
            # parent (e.g. /root) with an empty tmpfs, and move the tree back inside it.
            park = Path(scratch) / ".interpreter"
            park.mkdir(exist_ok=True)
            expose = ["/bin/sh", "-c", _EXPOSE, "sh", str(blocked), str(blocked.parent), str(park)]
        return ["unshare", *unshare_args(root), *expose, *drop, "/bin/sh", "-c", _REAPER, "sh", *inner], warnings
    # A shell stays the program's parent, so `kill(getppid())` cannot reach the harness.
    return [*drop, "/bin/sh", "-c", '"$@"; exit $?', "sh", *inner], warnings


class Cgroups:
    """Throw-away cgroup-v1 groups (pids, and memory when present) for one run: they cap the number
    of processes and the total memory, and let us find and kill every member afterwards."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    @classmethod
    def create(cls, max_pids: int, memory_mb: int | None = None) -> "Cgroups | None":
        if os.geteuid() != 0 or not (_CGROUP_ROOT / "pids" / "cgroup.procs").exists():
            return None
        sweep_stale_cgroups()
        name = f"mplt-{uuid.uuid4().hex[:12]}"
        group = cls([])
        try:
            pids = _CGROUP_ROOT / "pids" / name
            pids.mkdir()
            group.paths.append(pids)
            (pids / "pids.max").write_text(str(max_pids))
        except OSError:
            group.remove()
            return None
        memory = _CGROUP_ROOT / "memory"
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

    def wrap(self, cmd: list[str]) -> list[str]:
        # The shell moves itself into the groups, then execs the sandbox: no fork can escape.
        joins = " && ".join(f'echo $$ > "{p}/cgroup.procs"' for p in self.paths)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *cmd]

    def members(self) -> list[int]:
        return [int(p) for p in _read(self.paths[0] / "cgroup.procs").split()] if self.paths else []

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
    """Remove empty groups left by harnesses that were killed before cleaning up (once per
    process). A group with members cannot be removed (EBUSY), so a live run is never touched."""
    removed = 0
    for controller in ("pids", "memory"):
        for path in (_CGROUP_ROOT / controller).glob("mplt-*"):
            try:
                if time.time() - path.stat().st_mtime < min_age_s or _read(path / "cgroup.procs").strip():
                    continue
                path.rmdir()
                removed += 1
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
