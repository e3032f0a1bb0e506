"""Warm workers: one long-lived interpreter per worker thread and language, inside the same sandbox
as a cold run, that runs program after program (docs/warm.md).

A worker is started by `sandbox.sandboxed_command`, the cold run's code path (same bubblewrap
arguments, uid drop, rlimits, cgroup), with the language's worker program (`Language.warm_script`)
copied into its scratch directory. Each request is one stdin line, `NONCE DIR FILE`: the program is
written to its own subdirectory, runs there with its own namespace (or its own forked process), and
the worker answers on stdout with `\\nmplt-warm NONCE CODE FLAG` after the program's output. Stdout
before the marker and stderr up to it are the program's; the verdict comes from
`sandbox._classify`, the cold run's classification.

A warm result is only kept when it is an ordinary one (OK, Failure, Exception, SyntaxError from a
program that ended on its own within half its timeout, with no processes left behind and no
out-of-memory marker); anything else (timeout, a dead or silent worker, exit, too much output or
disk, a parse the worker cannot reproduce) re-runs the program cold, so that the cold run gives the
verdict and verdicts never depend on a worker's history. The worker is replaced after such a
program, after `Language.warm_programs` programs, and after a program `warm_reusable` rejects.
"""
from __future__ import annotations

import logging
import os
import secrets
import selectors
import shutil
import subprocess
import threading
import time
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution import isolation, leftovers
from mplt.execution.limits import Limits
from mplt.execution.result import ExecResult
from mplt.execution.sandbox import (NO_ISOLATION_WARNING, _classify, _disk_usage, _kill_group, run_program,
                                    sandbox_env, sandboxed_command)
from mplt.langs import get_language
from mplt.langs.base import WARM_DIR, Language
from mplt.langs.status import KILLED, TIMEOUT

log = logging.getLogger(__name__)
EXECUTION_MODES = ("warm", "cold")
WARM_READY = b"mplt-warm: ready\n"
_MARK = b"\nmplt-warm "
_START_TIMEOUT_S = 120.0   # Julia loads Test in seconds; far longer on a loaded machine
_WARM_SHARE = 0.5          # a warm run past this share of the timeout is re-run cold (docs/warm.md)
_POLL_S = 0.2


class Disturbed(Exception):
    """The worker gave no result that may stand for a cold run's: run the program cold."""


class WarmWorker:
    """One sandboxed worker process; used by one thread at a time."""

    def __init__(self, lang: Language, limits: Limits, mode: str):
        self.lang, self.limits, self.mode = lang, limits, mode
        self.runs = 0
        self.alive = False
        self.proc = self.cgroup = None
        executable = lang.find_executable()
        self.keep: set[str] = set()
        self.scratch = leftovers.new_scratch()
        try:
            self._start(executable)
        except BaseException:
            self.close()
            raise

    def _start(self, executable: str) -> None:
        script = self.scratch / self.lang.warm_script
        shutil.copyfile(WARM_DIR / self.lang.warm_script, script)
        self._own(script)
        timeout = self.limits.resolve_timeout(self.lang.timeout_s)
        # RLIMIT_CPU counts the whole worker: room for every program it may run, plus start-up.
        cpu = self.limits.resolve_cpu(timeout) * (self.lang.warm_programs + 1) + int(_START_TIMEOUT_S)
        cmd, self.cgroup = sandboxed_command(self.lang, executable, self.lang.warm_command(executable, script),
                                             self.scratch, self.limits, self.mode, cpu)
        env = sandbox_env(self.scratch, self.mode)
        if self.mode == "bubblewrap":
            env["MPLT_WARM_CLEAN_TMP"] = "1"   # the private /tmp is the worker's: emptied per program
        self.proc = subprocess.Popen(cmd, cwd=self.scratch, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        for pipe in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(pipe.fileno(), False)
        ready = isolation.READY + WARM_READY
        out, err, reason = self._read(time.monotonic() + _START_TIMEOUT_S, lambda buf: len(buf) >= len(ready))
        if reason or not out.startswith(ready):
            text = err.decode("utf-8", errors="replace").strip().splitlines()
            raise MpltError(f"{self.lang.display_name} warm worker did not start ({reason or 'no ready line'}): "
                            f"{text[0][:200] if text else 'no message'}")
        self.keep = {script.name}
        self.baseline = set(self._members())
        self.alive = True

    def run(self, program: str) -> ExecResult:
        """The program's result, or Disturbed (the worker may then be gone: check `alive`)."""
        if not self.alive:
            raise Disturbed("the worker has ended")
        self.runs += 1
        job = self.scratch / f"p{self.runs}"
        job.mkdir()
        path = job / f"program{self.lang.extension}"
        path.write_text(program, encoding="utf-8")
        self._own(job)
        self._own(path)
        nonce = secrets.token_hex(8)
        marker = _MARK + nonce.encode() + b" "
        timeout = self.limits.resolve_timeout(self.lang.timeout_s)
        start = time.monotonic()
        try:
            self.proc.stdin.write(f"{nonce} {job} {path}\n".encode())
            self.proc.stdin.flush()
            out, err, reason = self._read(start + timeout * _WARM_SHARE, lambda buf: _answered(buf, marker))
            if reason:
                raise Disturbed(reason)
            at = out.find(marker)
            code_text, flag = out[at + len(marker):].split(b"\n", 1)[0].split(b" ")[:2]
            if flag != b"ok":
                raise Disturbed(flag.decode())
            if self._left_behind():
                raise Disturbed("left processes behind")
            result = self._result(int(code_text), out[:at], err, time.monotonic() - start)
        except (Disturbed, OSError, ValueError) as e:
            if not (isinstance(e, Disturbed) and str(e) == "cold"):
                self.close()   # only R's "cold" (a file it will not parse) leaves the worker sound
            raise Disturbed(str(e)) from e
        finally:
            self._tidy()
        if self.runs >= self.lang.warm_programs or not self.lang.warm_reusable(program):
            self.close()
        return result

    def _result(self, code: int, out: bytes, err: bytes, duration: float) -> ExecResult:
        keep = self.limits.output_keep_bytes
        stdout = out[:keep].decode("utf-8", errors="replace")
        stderr = err[:keep].decode("utf-8", errors="replace")
        status, reason = _classify(self.lang, code, stdout, stderr, "", False, self.limits.cpu_s is None)
        markers = self.lang.out_of_memory_markers
        if status in (KILLED, TIMEOUT) or any(m in stdout or m in stderr for m in markers):
            raise Disturbed(status)
        warnings = (NO_ISOLATION_WARNING,) if self.mode == "none" else ()
        return ExecResult(status, code, stdout, stderr, round(duration, 4), self.lang.name, self.mode, reason, warnings)

    def _read(self, deadline: float, done) -> tuple[bytes, bytes, str]:
        """Read stdout and stderr until `done(stdout)`, the deadline, EOF, the output cap or the
        disk quota; returns (stdout, stderr, reason), reason empty when `done`."""
        out, err = bytearray(), bytearray()
        bufs = {self.proc.stdout: out, self.proc.stderr: err}
        next_disk_check = time.monotonic() + _POLL_S
        with selectors.DefaultSelector() as sel:
            for pipe in bufs:
                sel.register(pipe, selectors.EVENT_READ)
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return bytes(out), bytes(err), "timeout"
                if now >= next_disk_check:
                    next_disk_check = now + _POLL_S
                    if _disk_usage(self.scratch, self.limits.disk_mb * 1024 * 1024):
                        return bytes(out), bytes(err), "disk limit"
                for key, _ in sel.select(timeout=min(deadline - now, _POLL_S)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        return bytes(out), bytes(err), "worker ended"
                    bufs[key.fileobj] += chunk
                if len(out) + len(err) > self.limits.output_kill_bytes:
                    return bytes(out), bytes(err), "output limit"
                if done(out):
                    # The worker wrote the program's stderr before the answer: it is in the pipe.
                    err += _drain(self.proc.stderr)
                    return bytes(out), bytes(err), ""

    def _members(self) -> list[int]:
        if self.cgroup is not None:
            return self.cgroup.members()
        return _descendants(self.proc.pid)

    def _left_behind(self) -> bool:
        give_up = time.monotonic() + isolation.LEFTOVER_GRACE_S   # the cold run's grace
        while set(self._members()) - self.baseline:
            if time.monotonic() > give_up:
                return True
            time.sleep(0.02)
        return False

    def _tidy(self) -> None:
        """Remove the program's files, and whatever it wrote into the worker's home."""
        for entry in list(self.scratch.iterdir()) if self.scratch.exists() else ():
            if entry.name not in self.keep:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, isolation.NOBODY, isolation.NOBODY)

    def close(self) -> None:
        self.alive = False
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            _kill_group(self.proc)
            self.proc = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        shutil.rmtree(self.scratch, ignore_errors=True)


class WarmPool:
    """Warm workers shared by the threads of one stage, started lazily, ended by `close`."""

    def __init__(self, limits: Limits = Limits(), mode: str | None = None, cold=None):
        """`cold(language, program)` runs a program cold (default: `run_program` with `limits`)."""
        self.limits, self.mode = limits, mode
        self._cold = cold or (lambda language, program: run_program(language, program, limits, mode))
        self._idle: dict[str, list[WarmWorker]] = {}
        self._failed: set[str] = set()
        self._closed = False
        self._lock = threading.Lock()

    def run(self, language: Language | str, program: str) -> ExecResult:
        lang = get_language(language) if isinstance(language, str) else language
        worker = self._take(lang) if lang.warm_script and program.strip() else None
        if worker is None:
            return self._cold(lang, program)
        try:
            result = worker.run(program)
        except Disturbed:
            result = self._cold(lang, program)
        except BaseException:
            worker.close()
            raise
        finally:
            self._give_back(worker)
        return result

    def _take(self, lang: Language) -> WarmWorker | None:
        with self._lock:
            if lang.name in self._failed:
                return None
            if self._idle.get(lang.name):
                return self._idle[lang.name].pop()
        try:
            return WarmWorker(lang, self.limits, self.mode or isolation.detect_mode())
        except MpltError as e:
            with self._lock:
                self._failed.add(lang.name)
            log.warning("%s; running %s programs cold", e, lang.display_name)
            return None

    def _give_back(self, worker: WarmWorker) -> None:
        with self._lock:
            if worker.alive and not self._closed:
                self._idle.setdefault(worker.lang.name, []).append(worker)
                return
        worker.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [w for group in self._idle.values() for w in group]
            self._idle.clear()
        for worker in workers:
            worker.close()

    def __enter__(self) -> "WarmPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _answered(buf: bytes, marker: bytes) -> bool:
    at = buf.rfind(marker)
    return at >= 0 and buf.find(b"\n", at + len(marker)) >= 0


def _drain(pipe) -> bytes:
    data = bytearray()
    while True:
        try:
            chunk = os.read(pipe.fileno(), 65536)
        except BlockingIOError:
            return bytes(data)
        if not chunk:
            return bytes(data)
        data += chunk


def _descendants(root: int) -> list[int]:
    """Processes below `root` (without a cgroup: bubblewrap's and unshare's pid 1 are below it, and
    orphans of the sandbox are re-parented to them)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if stat[0] != "Z":
                parents[int(entry)] = int(stat[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, pp in parents.items() if pp == pid]
        found += children
        frontier += children
    return found
