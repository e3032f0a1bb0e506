"""Run one untrusted program in a sandbox and classify the outcome.

Each run gets a fresh scratch directory (named after this process, so a later run removes it if
this one is killed: `leftovers`), the best isolation this machine offers (`isolation.detect_mode`;
what each mode promises is in docs/sandbox.md), resource limits (`Limits`: rlimits via `prlimit`,
a cgroup for processes and memory), a wall-clock timeout that kills the whole process group, a
disk quota on the scratch directory, and capped stdout/stderr. A program that leaves processes
running after it ends is killed and judged `Killed`. A sandbox that cannot start the program
raises `SandboxBroken` (one line naming the cause) instead of giving a verdict. Mode `none`
protects neither network nor what uid 65534 may read or write; its results carry a warning.
"""
from __future__ import annotations

import logging
import os
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution import completion, isolation, leftovers, procs
from mplt.execution.cgroups import Cgroups
from mplt.execution.isolation import SandboxBroken
from mplt.execution.limits import Limits
from mplt.execution.result import ExecResult
from mplt.langs.status import FAILURE, KILLED, OK, SYNTAX_ERROR, TIMEOUT
from mplt.langs import get_language
from mplt.langs.base import Language

log = logging.getLogger(__name__)
NO_ISOLATION_WARNING = ("NO SANDBOX: neither bubblewrap nor network namespaces are in use; "
                        "the program ran with full network access and the host file system")
_KEPT_ENV = ("PATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SSL_CERT_FILE")
_POLL_S = 0.2            # how often the disk quota is checked
_EXIT_GRACE_S = 0.3      # after the program ends, how long its output may still arrive


class ToolchainMissing(MpltError):
    """The language's interpreter is not installed; the message says how to install it."""


def run_program(language: Language | str, program: str, limits: Limits = Limits(),
                mode: str | None = None) -> ExecResult:
    """Write `program` to a scratch directory, run it with the language's interpreter, classify."""
    lang = get_language(language) if isinstance(language, str) else language
    executable = lang.find_executable()
    if executable is None:
        raise ToolchainMissing(f"{lang.display_name} toolchain not found: {lang.install_hint()}")
    if not program.strip():
        return ExecResult(SYNTAX_ERROR, None, "", "empty program", 0.0, lang.name, reason="empty program")
    mode = mode or isolation.detect_mode()
    if mode not in isolation.MODES:
        raise MpltError(f"unknown sandbox mode {mode!r}; known: {', '.join(isolation.MODES)}")
    scratch = leftovers.new_scratch()
    marker = completion.new_marker()
    try:
        path = scratch / f"program{lang.extension}"
        path.write_text(completion.marked_program(lang, program, marker), encoding="utf-8")
        return _run(lang, executable, path, scratch, limits, mode, marker)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_file(language: Language | str, path: str | os.PathLike, limits: Limits = Limits(),
             mode: str | None = None) -> ExecResult:
    """Run a program file; undecodable bytes become U+FFFD rather than an error."""
    return run_program(language, read_program(path), limits, mode)


def read_program(path: str | os.PathLike) -> str:
    """A program file's text; undecodable bytes become U+FFFD rather than an error."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise MpltError(f"cannot read {path}: {e.strerror or e}") from e
    return data.decode("utf-8", errors="replace")


def _run(lang: Language, executable: str, path: Path, scratch: Path, limits: Limits,
         mode: str, marker: str) -> ExecResult:
    timeout = limits.resolve_timeout(lang.timeout_s)
    if os.geteuid() == 0:
        os.chown(path, isolation.NOBODY, isolation.NOBODY)
    cmd, cgroup = sandboxed_command(lang, executable, lang.run_command(executable, path), scratch, limits,
                                    mode, limits.resolve_cpu(timeout))
    env = sandbox_env(scratch, mode)
    if cgroup is None:
        env[procs.RUN_TAG] = scratch.name   # finds leftovers without a cgroup (procs.tagged)
    warnings = [NO_ISOLATION_WARNING] if mode == "none" else []
    for warning in warnings:
        log.warning(warning)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        if cgroup is not None:
            cgroup.remove()
        raise SandboxBroken(f"cannot start the sandbox ({cmd[0]}): {e}") from e
    leftover = False
    try:
        stdout, stderr, tail, stop_reason = _collect(proc, start + limits.resolve_wall(timeout), limits, scratch)
        if mode == "none" and proc.poll() is not None and not stop_reason:
            # Other modes check inside the pid namespace (isolation._REAPER), with the same grace.
            leftover = (not cgroup.wait_empty(isolation.LEFTOVER_GRACE_S) if cgroup is not None
                        else _tagged_left(scratch.name))
    finally:
        _kill_group(proc)
        if cgroup is None:
            # Killing the sandbox's process group does not wait for what runs in its pid namespace:
            # a disk filler could still write after the scratch directory is removed.
            _kill_tagged(scratch.name)
        if cgroup is not None:
            cgroup.remove()
    ready = stdout.startswith(isolation.READY)
    stdout = stdout[len(isolation.READY):] if ready else stdout
    if not ready and stop_reason != "timeout":
        raise SandboxBroken(f"the sandbox ({mode}) could not start {lang.display_name} programs: "
                            f"{_first_line(stderr, proc.returncode)}")
    duration = time.monotonic() - start
    exit_code = proc.returncode
    out, completed = completion.split_completion(tail, stdout.decode("utf-8", errors="replace"), marker)
    err = stderr.decode("utf-8", errors="replace")
    # An explicit `cpu_s` is a resource limit (Killed); the default one is the timeout itself.
    status, reason = _classify(lang, exit_code, out, err, stop_reason, leftover, limits.cpu_s is None, completed)
    return ExecResult(status, exit_code, out, err, round(duration, 4), lang.name, mode, reason,
                      tuple(warnings))


def sandboxed_command(lang: Language, executable: str, program_cmd: list[str], scratch: Path,
                      limits: Limits, mode: str, cpu_s: int, role: str = "program",
                      tmp_source: Path | None = None) -> tuple[list[str], Cgroups | None]:
    """`program_cmd` wrapped in every layer of the sandbox (rlimits, uid drop, namespaces, cgroup):
    the one code path of cold runs and warm workers (docs/warm.md; `role` "worker" keeps the split
    group, `tmp_source` is a directory the harness empties, bound as the worker's /tmp). The caller
    removes the cgroup."""
    memory_mb = limits.resolve_memory(lang.memory_floor_mb)
    rlimits = [f"--as={memory_mb * 1024 * 1024}", f"--cpu={cpu_s}:{cpu_s + 1}",
               f"--fsize={limits.file_size_mb * 1024 * 1024}", f"--nofile={limits.open_files}",
               "--core=0"]
    cgroup = Cgroups.create(limits.max_processes, limits.cgroup_memory_mb(lang.memory_floor_mb))
    if cgroup is None:
        # No cgroup: RLIMIT_NPROC is the fork guard, and it only binds a non-root uid.
        rlimits.append(f"--nproc={limits.max_processes}")
    try:
        cmd = isolation.build_command(program_cmd, rlimits, str(scratch), mode, executable, limits.disk_mb, role,
                                      tmp_source, lang.sandbox_paths)
        if os.geteuid() == 0:
            # Every mode drops root to the real uid 65534 (isolation.drop_to_nobody).
            os.chown(scratch, isolation.NOBODY, isolation.NOBODY)
        if cgroup is not None:
            cmd = cgroup.wrap(cmd, isolation.helper("sh"))
    except BaseException:
        if cgroup is not None:
            cgroup.remove()
        raise
    return cmd, cgroup


def sandbox_env(scratch: Path, mode: str) -> dict[str, str]:
    """The whole environment a sandboxed program gets (docs/sandbox.md)."""
    env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
    env.update(HOME=str(scratch), TMPDIR="/tmp" if mode == "bubblewrap" else str(scratch),
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", JULIA_NUM_THREADS="1")
    return env


def _collect(proc: subprocess.Popen, deadline: float, limits: Limits,
             scratch: Path) -> tuple[bytes, bytes, bytes, str]:
    """Read both pipes until EOF (or shortly after the program ended), the deadline, the output
    cap or the disk quota. Returns (out, err, the tail of out, reason); reason is empty for a
    normal end."""
    kept = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    tail = bytearray()
    total = 0
    reason = ""
    ended_at = None
    next_disk_check = time.monotonic() + _POLL_S
    with selectors.DefaultSelector() as sel:
        for pipe in kept:
            sel.register(pipe, selectors.EVENT_READ)
        while sel.get_map():
            now = time.monotonic()
            if now >= deadline:
                reason = "timeout"
                break
            if ended_at is None and proc.poll() is not None:
                ended_at = now
            if ended_at is not None and now - ended_at > _EXIT_GRACE_S:
                break  # a background child still holds the pipes; it is killed below
            if now >= next_disk_check:
                next_disk_check = now + _POLL_S
                if _disk_usage(scratch, limits.disk_mb * 1024 * 1024):
                    reason = "disk limit"
                    break
            for key, _ in sel.select(timeout=min(deadline - now, _POLL_S)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                total += len(chunk)
                if key.fileobj is proc.stdout:
                    tail = (tail + chunk)[-completion.TAIL_BYTES:]
                buf = kept[key.fileobj]
                # stdout also holds the sandbox's READY line, which is not the program's output
                room = limits.output_keep_bytes + (len(isolation.READY) if key.fileobj is proc.stdout else 0) - len(buf)
                if room > 0:
                    buf += chunk[:room]
            if total > limits.output_kill_bytes:
                reason = "output limit"
                break
    if not reason:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            reason = "timeout"
    return bytes(kept[proc.stdout]), bytes(kept[proc.stderr]), bytes(tail), reason


def _kill_tagged(tag: str, seconds: float = 5.0) -> None:
    """Kill the run's tagged processes (no cgroup) until none is left, or `seconds` have passed."""
    give_up = time.monotonic() + seconds
    while (left := procs.tagged(tag)) and time.monotonic() < give_up:
        procs.kill(left)
        time.sleep(0.01)


def _tagged_left(tag: str) -> bool:
    """Whether processes of this run are still alive after the grace (mode none, no cgroup)."""
    give_up = time.monotonic() + isolation.LEFTOVER_GRACE_S
    while procs.tagged(tag):
        if time.monotonic() > give_up:
            return True
        time.sleep(0.02)
    return False


def _first_line(stderr: bytes, exit_code: int | None) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[0][:300] if lines else f"exit code {exit_code}, no message"


def _disk_usage(root: Path, cap: int) -> bool:
    """True when the files under `root` exceed `cap` bytes (or hold absurdly many entries)."""
    used, entries, stack = 0, 0, [str(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            used += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        continue
                    if used > cap or entries > 100_000:
                        return True
        except OSError:
            continue
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        pipe.close()


_SIGNAL_REASONS = {signal.SIGKILL: "killed (SIGKILL: memory limit or a kill)",
                   signal.SIGXCPU: "CPU time limit", signal.SIGXFSZ: "file size limit",
                   signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
                   signal.SIGTERM: "terminated", signal.SIGBUS: "bus error"}


def _classify(lang: Language, exit_code: int | None, out: str, err: str, stop_reason: str,
              leftover: bool, cpu_is_timeout: bool = False, completed: bool = True) -> tuple[str, str]:
    if stop_reason == "timeout":
        return TIMEOUT, "wall-clock timeout"
    if stop_reason:
        return KILLED, f"{stop_reason} exceeded"
    if leftover or (exit_code == isolation.LEFTOVER_EXIT and isolation.LEFTOVER_MARKER in err):
        return KILLED, "left background processes behind (killed)"
    if exit_code is not None and exit_code != 0:
        signum = -exit_code if exit_code < 0 else exit_code - 128 if exit_code > 128 else 0
        if signum == signal.SIGXCPU and cpu_is_timeout:   # the timeout is CPU time (docs/execution.md)
            return TIMEOUT, "CPU time limit (the timeout)"
        if signum in _SIGNAL_REASONS:
            return KILLED, _SIGNAL_REASONS[signal.Signals(signum)]
        if any(marker in err or marker in out for marker in lang.out_of_memory_markers):
            return KILLED, "memory limit"
    status = lang.classify(exit_code if exit_code is not None else -1, out, err)
    if status == OK and not completed:
        return FAILURE, completion.EARLY_EXIT
    return status, ""
