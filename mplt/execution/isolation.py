"""Which isolation this machine offers, detected once per process, and the command that applies it
(what each mode promises: docs/sandbox.md).

Modes, best first:
  bubblewrap  no network, a minimal read-only file system (`view.bwrap_view`), private size-capped
              /tmp, own pid namespace, dies with its parent
  netns       `unshare` into fresh network, pid and mount namespaces: no network; the host's file
              system is shared, with /proc/sys read-only and /sys, /root and /home covered
              (`view.netns_script`)
  none        no isolation: programs run with a loud warning in every result and in the log
In every mode a program started by root runs as the real uid 65534 with no capabilities (setpriv),
never as a uid that maps to root outside a user namespace: the kernel lets host root write
/proc/sys whatever the namespace (docs/sandbox.md). Fork bombs and memory are contained by a throw-away
cgroup (`cgroups.Cgroups`) when this process may create one (root); otherwise by RLIMIT_NPROC,
which the kernel ignores for uid 0 only.

The layers, outermost first: [cgroup join] namespace [file-system hardening] uid drop, prlimit, a
shell that writes READY to stdout and then runs the program (and, inside a pid
namespace, the leftover-process check). No "ready" means the sandbox itself failed to start: that
is `SandboxBroken`, never a verdict on the program.
"""
from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution import view
from mplt.settings import SANDBOX_MODES, current

NOBODY = 65534
MODES = SANDBOX_MODES
LEFTOVER_MARKER = "mplt-sandbox: the program left background processes behind"
LEFTOVER_EXIT = 125
_UTIL_LINUX = "install util-linux (sudo apt-get install -y util-linux)"
HELPER_HINTS = {"prlimit": _UTIL_LINUX, "setpriv": _UTIL_LINUX, "unshare": _UTIL_LINUX,
                "bwrap": "install bubblewrap (sudo apt-get install -y bubblewrap)",
                "sh": "install dash (sudo apt-get install -y dash)",
                "true": "install coreutils (sudo apt-get install -y coreutils)"}
_FALLBACK_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_TEMPORARY = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
READY = b"mplt-sandbox: ready\n"
# Every mode gives sandboxed processes the real group NOBODY and the effective and saved group
# SPLIT_GID. The kernel lets a process trace, or open the /proc memory and file descriptors of,
# another process only when all three of the target's groups equal the caller's (ptrace(2),
# "ptrace access mode checking"), so nothing that runs in the sandbox can reach a process that
# keeps this split: the sandbox's shell, which reports a cold program's exit status, and a warm
# worker, which reports its programs' (docs/sandbox.md, "What a verdict rests on"). Shells reset
# the effective group to the real one unless started with -p; programs are started through such a
# reset (`_UNSPLIT`), so they run with one group and no secure-execution mode, as outside.
SPLIT_GID = 65533
# The split makes exec a secure execution (AT_SECURE), in which the C library drops TMPDIR from
# the environment; the program's TMPDIR is therefore passed as $0 of the resetting shell.
_UNSPLIT = 'TMPDIR=$0; export TMPDIR; exec "$@"'
# The shell's positional arguments: $0 the shell's own path, $1 the program's TMPDIR, then the
# command. It checks that the interpreter is visible, writes READY to stdout (output that does not
# begin with it comes from a sandbox that never started the program: a program cannot remove what
# was written before it existed), then runs the command: through `_UNSPLIT` for a program, as it
# is for a warm worker, which keeps the split (mplt.execution.warm).
_READY = ('sh=$0; tmp=$1; shift; [ -x "$1" ] || { echo "mplt-sandbox: $1 is not visible inside the sandbox" >&2; '
          f"exit 127; }}; printf '%s\\n' '{READY.decode().strip()}'; ")
_RUN = {"program": '"$sh" -c \'' + _UNSPLIT + '\' "$tmp" "$@"', "worker": '"$@"'}
# Inside the pid namespace: run the command, then fail if any process other than the namespace's
# init and this shell is still alive (zombies awaiting reaping do not count). A runtime's helper
# processes may exit just after it (the BEAM's port helpers see the emulator gone and leave), so
# the check looks again for up to LEFTOVER_GRACE_S before it decides; only the pause between looks
# forks (`sleep`), and where a fork-exhausted namespace refuses it the looks simply come quicker.
LEFTOVER_GRACE_S = 0.5
_LOOKS = 50
_REAPER = ('; rc=$?; i=0; while :; do left=; for p in /proc/[0-9]*; do n=${p#/proc/}; '
           '[ "$n" = 1 ] || [ "$n" = $$ ] && continue; '
           '{ read -r s <"$p/stat"; } 2>/dev/null || continue; '
           'case "${s##*)}" in " Z"*) continue;; esac; left=1; break; done; '
           f'[ -z "$left" ] && exit $rc; [ $i -ge {_LOOKS} ] && break; i=$((i + 1)); '
           f'sleep {LEFTOVER_GRACE_S / _LOOKS} 2>/dev/null; done; '
           f'echo "{LEFTOVER_MARKER}" >&2; exit {LEFTOVER_EXIT}')
# Mode none: a shell stays the program's parent, so `kill(getppid())` cannot reach the harness.
_PLAIN = "; exit $?"


def shell_script(mode: str, role: str = "program") -> str:
    """The sandbox's shell script for `mode`, running a program or a warm worker (`role`)."""
    return _READY + _RUN[role] + (_PLAIN if mode == "none" else _REAPER)


class SandboxBroken(MpltError):
    """The sandbox itself could not start a program (a missing helper, a refused namespace, an
    unmountable path): the run stops with this one line instead of scoring the program."""


def helper(name: str) -> str:
    """Absolute path of a helper command, never one under a temporary directory: a private /tmp
    hides those, and a world-writable directory must not choose what runs as root."""
    return _resolve_helper(name, os.environ.get("PATH", ""))


@functools.lru_cache(maxsize=None)
def _resolve_helper(name: str, path_variable: str) -> str:
    for directory in (*path_variable.split(os.pathsep), *_FALLBACK_PATH):
        candidate = Path(directory) / name
        if not candidate.is_absolute() or _temporary(candidate):
            continue
        real = Path(os.path.realpath(candidate))
        try:
            if not _temporary(real) and real.is_file() and os.access(real, os.X_OK):
                return str(candidate)
        except OSError:  # a PATH entry this user may not enter
            continue
    hint = HELPER_HINTS.get(name, "install it")
    raise SandboxBroken(f"sandbox helper `{name}` not found outside /tmp (on PATH or in /usr/bin, /bin): {hint}")


def _temporary(path: Path) -> bool:
    return any(path == t or t in path.parents for t in _TEMPORARY)


def _works(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def forced_mode() -> str | None:
    """The mode the settings force (`[run] sandbox`, `--sandbox`, default $MPLT_SANDBOX;
    mplt/settings.py), None for the best available. An unknown value is an error when the settings
    are resolved, never ignored (ignored, it left the best mode in force while `doctor` reported the
    value as forced; docs/bad-input.md)."""
    return current().sandbox or None


def detect_mode() -> str:
    """The forced mode, else the best one that works here."""
    return forced_mode() or best_mode()


@functools.lru_cache(maxsize=None)
def best_mode() -> str:
    """The strongest mode whose probe passes here, probed once per process."""
    try:
        if _works([helper("bwrap"), *bwrap_args("/tmp", helpers()), helper("true")]):
            return "bubblewrap"
        if _works([helper("unshare"), *unshare_args(), helper("true")]):
            return "netns"
    except SandboxBroken:
        pass
    return "none"


def helpers() -> tuple[str, ...]:
    return tuple(helper(name) for name in ("sh", "prlimit", *(("setpriv",) if os.geteuid() == 0 else ())))


def bwrap_args(scratch: str, executables: tuple[str, ...] = (), tmp_mb: int = 64,
               tmp_source: Path | None = None, paths: tuple[str, ...] = ()) -> list[str]:
    """The minimal view with the trees of `executables` and the language's `sandbox_paths`
    (`paths`), and fresh namespaces. Started by root,
    bubblewrap makes no user namespace (the uid drop is `drop_to_nobody`'s); started by another
    user, its user namespace maps that user to itself, not to root."""
    args = view.bwrap_view(scratch, view.toolchain_trees(executables), tmp_mb, tmp_source, paths)
    if os.geteuid() == 0:
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        args += ["--unshare-all"]
    return args + ["--die-with-parent", "--new-session", "--"]


def unshare_args() -> list[str]:
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return [*user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--"]


def drop_to_nobody() -> list[str]:
    return [helper("setpriv"), f"--reuid={NOBODY}", f"--rgid={NOBODY}", f"--egid={SPLIT_GID}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def program_tmpdir(scratch: str, mode: str) -> str:
    """TMPDIR of a sandboxed program: the private /tmp of bubblewrap, else the scratch directory."""
    return "/tmp" if mode == "bubblewrap" else scratch


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
                  executable: str, tmp_mb: int, role: str = "program", tmp_source: Path | None = None,
                  paths: tuple[str, ...] = ()) -> list[str]:
    """Layer the sandbox around `program_cmd` (the cgroup join is added by `Cgroups.wrap`); `role`
    "worker" starts a warm worker, which keeps the split group (`SPLIT_GID`); `paths` are the
    language's `sandbox_paths` (mplt.execution.view)."""
    root = os.geteuid() == 0
    drop = drop_to_nobody() if root else []
    shell = helper("sh")
    inner = [helper("prlimit"), *rlimits, "--", shell, "-p", "-c", shell_script(mode, role), shell,
             program_tmpdir(scratch, mode), *program_cmd]
    if mode == "bubblewrap":
        return [helper("bwrap"), *bwrap_args(scratch, (executable, *helpers()), tmp_mb, tmp_source, paths),
                *drop, *inner]
    if mode == "netns":
        script, script_args = view.netns_script(scratch, view.toolchain_trees((executable,)), paths)
        return [helper("unshare"), *unshare_args(), shell, "-c", script, "sh", *script_args, *drop, *inner]
    if root and blocked_for_nobody(executable) is not None:
        raise SandboxBroken(f"sandbox mode none: {executable} is not reachable by uid {NOBODY} "
                            f"(behind {blocked_for_nobody(executable).parent}), and untrusted programs "
                            "never run as root; use bubblewrap or netns, or an interpreter outside it")
    return [*drop, *inner]
