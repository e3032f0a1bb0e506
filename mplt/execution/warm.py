"""Warm workers: a sandbox that stays up and runs program after program, each in a process of its
own, with verdicts the harness reads from the kernel (docs/warm.md).

A worker is started by `sandbox.sandboxed_command`, the cold run's code path (same bubblewrap
arguments, uid drop, rlimits, cgroup), as the "worker" role: it keeps the split group
(`isolation.SPLIT_GID`), so no program can trace it, read its memory or open its descriptors.
Two kinds:

* spawn (every language): the sandbox's shell (`_SPAWNER`) starts the language's cold run
  command per program, as a fresh process, and writes its exit status to a FIFO that only the
  split group may open; it saves the sandbox's set-up, not the interpreter's start-up.
* fork (a language with a `warm_script`): a pre-loaded interpreter forks one child per program;
  the child drops the worker's descriptors and runs the program as the cold command would; the
  worker answers with the child's pid, and the harness reads the child's exit status from
  /proc once it has ended (`procs.exit_code`). The worker never reports a verdict.

Per program the harness writes the program (with its completion line, `completion`) into a new
directory, makes two FIFOs for its stdout and stderr, and sends one request line. The result
counts when the program ended within half its timeout, its output streams closed, it left no
process behind and its status is an ordinary one; anything else replaces the worker and runs the
program cold, which gives the verdict. Between programs the harness empties the worker's /tmp
and scratch directory.
"""
from __future__ import annotations

import logging
import os
import selectors
import shutil
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

from mplt.errors import MpltError
from mplt.execution import completion, isolation, leftovers, procs
from mplt.execution.limits import Limits
from mplt.execution.result import ExecResult
from mplt.execution.sandbox import (_classify, _disk_usage, _kill_group, run_program, sandbox_env,
                                    sandboxed_command)
from mplt.langs import get_language
from mplt.langs.base import WARM_DIR, Language
from mplt.langs.status import KILLED, TIMEOUT

log = logging.getLogger(__name__)
_START_TIMEOUT_S = 120.0   # Julia loads and warms up Test in seconds; far longer on a loaded machine
_WARM_SHARE = 0.5          # a warm run past this share of the timeout is re-run cold (docs/warm.md)
_POLL_S = 0.2
_SLOT = "@mplt-program@"   # stands for the program's path in the spawner's command
# The exit status of a program process whose set-up failed (in the spawner or a forking worker's
# child, before the program ran): never a verdict; a program that exits with it runs cold.
SETUP_FAILED = 121
STRIKES = 3   # warm runs in a row disturbed while their cold runs were ordinary: the language goes cold
# The spawn worker: $0 the shell, $1 the answer FIFO, $2 the programs' TMPDIR, then the cold run
# command with _SLOT for the program. Each request line is "ID DIR FILE OUT ERR GO" (GO unused); the program runs
# in DIR with stdin /dev/null and its output on the FIFOs OUT and ERR, through the group reset
# (isolation._UNSPLIT), so it cannot open the answer FIFO; then "ID exit STATUS" is written there.
_SPAWNER = (
    'sh=$0; answers=$1; tmp=$2; shift 2; echo "0 ready $$" >"$answers"; '
    'while IFS=" " read -r id dir file out err go; do '
    f'( cd "$dir" && [ -p "$out" ] && [ -w "$out" ] && [ -p "$err" ] && [ -w "$err" ] || exit {SETUP_FAILED}; n=$#; i=0; '
    f'while [ $i -lt $n ]; do a=$1; shift; [ "$a" = "{_SLOT}" ] && a=$file; set -- "$@" "$a"; i=$((i + 1)); done; '
    "exec \"$sh\" -c '" + isolation._UNSPLIT + "' \"$tmp\" \"$@\" </dev/null >\"$out\" 2>\"$err\" ); "
    'echo "$id exit $?" >"$answers"; done')


class Disturbed(Exception):
    """The worker gave no result that may stand for a cold run's: run the program cold."""


class WarmWorker:
    """One sandboxed worker process; used by one thread at a time."""

    def __init__(self, lang: Language, limits: Limits, mode: str):
        if mode != "bubblewrap":
            # Without bubblewrap, programs share the host's file system, where parallel programs
            # could reach one worker's files from another (docs/warm.md, "Which sandbox").
            raise MpltError(f"warm workers need the bubblewrap sandbox (this one is {mode})")
        self.lang, self.limits, self.mode = lang, limits, mode
        self.fork = bool(lang.warm_script)
        self.runs = 0
        self.alive = False
        self.proc = self.cgroup = None
        self.answers = self.answers_keep = None
        self.pending = b""
        self.worker_stderr = bytearray()   # the first KiB of what the worker itself wrote
        self.scratch = leftovers.new_scratch()
        self.tmp = self.scratch / "tmp"
        try:
            self._start(lang.find_executable())
        except BaseException:
            self.close()
            raise

    def _start(self, executable: str) -> None:
        self.tmp.mkdir()
        self._own(self.tmp, 0o1777)
        env = sandbox_env(self.scratch, self.mode)
        tmpdir = isolation.program_tmpdir(str(self.scratch), self.mode)
        pass_fds: tuple[int, ...] = ()
        if self.fork:
            script = self.scratch / self.lang.warm_script
            shutil.copyfile(WARM_DIR / self.lang.warm_script, script)
            read_end, write_end = os.pipe()
            self.answers, pass_fds = read_end, (write_end,)
            if os.geteuid() == 0:
                # R can only write to the pipe by opening /dev/fd/N, which checks the pipe's owner.
                os.fchown(write_end, isolation.NOBODY, isolation.NOBODY)
            # The worker's arguments: its answer pipe, and the programs' TMPDIR, which it restores
            # (secure execution drops it: isolation.SPLIT_GID).
            command = [*self.lang.warm_command(executable, script), str(write_end), tmpdir]
            self.keep = {script.name, self.tmp.name, "job", "io"}
        else:
            fifo = self.scratch / "answers"
            os.mkfifo(fifo, 0o020)
            # Only the split group may write: the worker's shell, never its programs (uid 65534
            # as the shell, but their group reset).
            if os.geteuid() == 0:
                os.chown(fifo, 0, isolation.SPLIT_GID)
            os.chmod(fifo, 0o020)
            self.answers = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            self.answers_keep = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            shell = isolation.helper("sh")
            command = [shell, "-p", "-c", _SPAWNER, shell, str(fifo), tmpdir,
                       *self.lang.run_command(executable, Path(_SLOT))]
            self.keep = {fifo.name, self.tmp.name, "job", "io"}
        timeout = self.limits.resolve_timeout(self.lang.timeout_s)
        # RLIMIT_CPU counts the worker process: room for start-up and warm-up.
        cpu = self.limits.resolve_cpu(timeout) * 4 + int(_START_TIMEOUT_S)
        cmd, self.cgroup = sandboxed_command(self.lang, executable, command, self.scratch, self.limits,
                                             self.mode, cpu, role="worker", tmp_source=self.tmp)
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.scratch, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         start_new_session=True, pass_fds=pass_fds)
        finally:
            for fd in pass_fds:
                os.close(fd)
        for pipe in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(pipe.fileno(), False)
        os.set_blocking(self.answers, False)
        ready = self._answer(time.monotonic() + _START_TIMEOUT_S, "0")
        if ready is None or ready[0] != "ready" or len(ready) < 2:
            raise MpltError(f"{self.lang.display_name} warm worker did not start: {self._diagnosis()}")
        self.pid = self._host_pid(int(ready[1]))
        if self.pid is None or not procs.protected(self.pid):
            raise MpltError(f"{self.lang.display_name} warm worker is not out of its programs' reach "
                            "(no split group and still dumpable): docs/warm.md, \"Which sandbox\"")
        self.baseline = set(self._members())
        self.alive = True

    def _host_pid(self, ns_pid: int) -> int | None:
        members = self._members() or procs.descendants(self.proc.pid)
        return procs.find_by_namespace_pid(members, ns_pid)

    def run(self, program: str) -> ExecResult:
        """The program's result, or Disturbed (the worker may then be gone: check `alive`)."""
        if not self.alive:
            raise Disturbed("the worker has ended")
        self.runs += 1
        job_id = str(self.runs)
        # The same two directories serve every program, emptied in between (removing a directory
        # costs milliseconds on some file systems, a file microseconds).
        job, io = self.scratch / "job", self.scratch / "io"
        marker = completion.new_marker()
        streams = {}
        try:
            for directory in (job, io):
                _fresh_directory(directory)
            path = job / f"program{self.lang.extension}"
            path.write_text(completion.marked_program(self.lang, program, marker), encoding="utf-8")
            for entry in (job, path, io):
                self._own(entry)
            for name in ("out", "err"):
                fifo = io / name
                os.mkfifo(fifo, 0o600)
                self._own(fifo, 0o600)
                # A second, writing end of our own keeps the FIFO from reading as ended before the
                # program has opened it; it is closed once the program has ended.
                streams[name] = [os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)]
            go = io / "go"
            os.mkfifo(go, 0o600)
            self._own(go, 0o600)
            request = f"{job_id} {job} {path} {io / 'out'} {io / 'err'} {go}\n"
            result = self._run(job_id, request, streams, go, marker)
        except Disturbed as e:
            if str(e) != "cold":
                self.close()   # only "cold" (a program the worker will not run) leaves it sound
            raise
        except (OSError, ValueError) as e:
            self.close()
            raise Disturbed(str(e)) from e
        finally:
            for ends in streams.values():
                for fd in ends:
                    _close(fd)
            self._tidy()
        if self.runs >= self.lang.warm_programs:
            self.close()
        return result

    def _run(self, job_id: str, request: str, streams: dict, go: Path, marker: str) -> ExecResult:
        timeout = self.limits.resolve_timeout(self.lang.timeout_s)
        start = time.monotonic()
        deadline = start + timeout * _WARM_SHARE
        self.proc.stdin.write(request.encode())
        self.proc.stdin.flush()
        answer = self._answer(deadline, job_id)
        if answer is None:
            raise Disturbed("no answer")
        if answer[0] == "cold":
            raise Disturbed("cold")
        child = None
        code = None
        if answer[0] == "exit":
            code = int(answer[1])
        elif answer[0] == "pid":
            child = procs.find_by_namespace_pid(procs.children(self.pid), int(answer[1]))
            if child is None:
                raise Disturbed("the program's process is not the worker's child")
        else:
            raise Disturbed(f"unexpected answer {answer!r}")
        go_fd = self._hold(go, deadline) if answer[-1] == "hold" else None
        try:
                out, err, tail, code, reason = self._collect(streams, deadline, child, code)
        finally:
            if go_fd is not None:
                _close(go_fd)
                os.kill(self.pid, signal.SIGCONT)
        if reason:
            raise Disturbed(reason)
        if code == SETUP_FAILED:
            raise Disturbed("the program's process was not set up, or exited with the set-up status")
        if self._left_behind(child):
            raise Disturbed("left processes behind")
        keep = self.limits.output_keep_bytes
        stdout, completed = completion.split_completion(tail, out[:keep].decode("utf-8", errors="replace"), marker)
        stderr = err[:keep].decode("utf-8", errors="replace")
        status, why = _classify(self.lang, code, stdout, stderr, "", False, self.limits.cpu_s is None, completed)
        if status in (KILLED, TIMEOUT) or any(m in stdout or m in stderr for m in self.lang.out_of_memory_markers):
            raise Disturbed(status)
        return ExecResult(status, code, stdout, stderr, round(time.monotonic() - start, 4), self.lang.name,
                          self.mode, why)

    def _hold(self, go: Path, deadline: float) -> int:
        """Stop the worker until its program has ended, then let the program start. A worker that
        reaps its children as soon as they end (R's parallel package does, on SIGCHLD) would
        otherwise take the program's exit status before the harness reads it; the program waits
        on the FIFO `go` until the worker has stopped. A program that wakes the worker up loses
        its status, which re-runs it cold."""
        os.kill(self.pid, signal.SIGSTOP)
        while procs.state(self.pid) not in ("T", "t"):
            if time.monotonic() >= deadline:
                raise Disturbed("the worker did not stop")
            time.sleep(0.0005)
        # Linux opens a FIFO for both ends at once; the end stays open (the byte with it) until the
        # program has ended, whenever it gets to read it.
        fd = os.open(go, os.O_RDWR | os.O_NONBLOCK)
        os.write(fd, b"g")
        return fd

    def _collect(self, streams: dict, deadline: float, child: int | None, code: int | None):
        """The program's output until both FIFOs have ended and its exit status is known; returns
        (out, err, tail of out, code, reason), reason empty for a normal end."""
        out_fd, err_fd = streams["out"][0], streams["err"][0]
        bufs = {out_fd: bytearray(), err_fd: bytearray()}
        tail = bytearray()
        total = 0
        pidfd = os.pidfd_open(child) if child is not None else None
        ended_at = None
        next_disk_check = time.monotonic() + _POLL_S
        try:
            with selectors.DefaultSelector() as sel:
                for fd in (out_fd, err_fd, self.proc.stdout.fileno(), self.proc.stderr.fileno()):
                    sel.register(fd, selectors.EVENT_READ)
                if pidfd is not None:
                    sel.register(pidfd, selectors.EVENT_READ)
                while True:
                    if code is not None and ended_at is None:
                        # The program has ended: only processes it left can still write.
                        for ends in streams.values():
                            _close(ends[1])
                            ends[1] = None
                        ended_at = time.monotonic()
                    if ended_at is not None and out_fd not in sel.get_map() and err_fd not in sel.get_map():
                        return bytes(bufs[out_fd]), bytes(bufs[err_fd]), bytes(tail), code, ""
                    now = time.monotonic()
                    if now >= deadline:
                        return b"", b"", b"", code, "timeout"
                    if ended_at is not None and now - ended_at > isolation.LEFTOVER_GRACE_S:
                        return b"", b"", b"", code, "its output stayed open after it ended"
                    if now >= next_disk_check:
                        next_disk_check = now + _POLL_S
                        if _disk_usage(self.scratch, self.limits.disk_mb * 1024 * 1024):
                            return b"", b"", b"", code, "disk limit"
                    for key, _ in sel.select(timeout=min(deadline - now, _POLL_S)):
                        if key.fd == pidfd:
                            sel.unregister(pidfd)
                            code = procs.exit_code(child)
                            if code is None:
                                return b"", b"", b"", None, f"no exit status ({procs.state(child)!r})"
                        elif key.fd in bufs:
                            chunk = os.read(key.fd, 65536)
                            if not chunk:
                                sel.unregister(key.fd)
                                continue
                            total += len(chunk)
                            if key.fd == out_fd:
                                tail = (tail + chunk)[-completion.TAIL_BYTES:]
                            room = self.limits.output_keep_bytes - len(bufs[key.fd])
                            if room > 0:
                                bufs[key.fd] += chunk[:room]
                        elif not _discard(key.fd, self.worker_stderr):
                            return b"", b"", b"", code, "the worker ended"
                    if total > self.limits.output_kill_bytes:
                        return b"", b"", b"", code, "output limit"
        finally:
            _close(pidfd)

    def _answer(self, deadline: float, job_id: str) -> list[str] | None:
        """The fields after `job_id` of the worker's answer line, or None by the deadline or when the
        worker has ended."""
        while True:
            line, sep, rest = self.pending.partition(b"\n")
            if sep:
                self.pending = rest
                fields = line.decode(errors="replace").split()
                if fields and fields[0] == job_id:
                    return fields[1:]
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                return None
            with selectors.DefaultSelector() as sel:
                sel.register(self.answers, selectors.EVENT_READ)
                for pipe in (self.proc.stdout, self.proc.stderr):
                    sel.register(pipe, selectors.EVENT_READ)
                for key, _ in sel.select(timeout=min(remaining, _POLL_S)):
                    if key.fd == self.answers:
                        try:
                            chunk = os.read(self.answers, 65536)
                        except BlockingIOError:
                            continue
                        if not chunk:
                            return None
                        self.pending += chunk
                    elif not _discard(key.fd, self.worker_stderr):
                        return None

    def _diagnosis(self) -> str:
        text = bytes(self.worker_stderr).decode("utf-8", errors="replace").strip().splitlines()
        return " | ".join(text)[:400] if text else "no message"

    def _members(self) -> list[int]:
        if self.cgroup is not None:
            return self.cgroup.members()
        return procs.descendants(self.proc.pid)

    def _left_behind(self, child: int | None) -> bool:
        give_up = time.monotonic() + isolation.LEFTOVER_GRACE_S   # the cold run's grace
        while set(procs.living(self._members())) - self.baseline - {child}:
            if time.monotonic() > give_up:
                return True
            time.sleep(0.02)
        return False

    def _tidy(self) -> None:
        """Remove what the program was given and what it wrote: the contents of its directories,
        new files in the worker's scratch directory, and everything in the worker's /tmp."""
        _empty(self.scratch, keep=self.keep)
        for directory in ("job", "io"):
            _empty(self.scratch / directory, keep=set())
        _empty(self.tmp, keep=_mount_points(self.scratch))

    def _own(self, path: Path, mode: int | None = None) -> None:
        if os.geteuid() == 0:
            os.chown(path, isolation.NOBODY, isolation.NOBODY)
        if mode is not None:
            os.chmod(path, mode)

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
        for fd in (self.answers, self.answers_keep):
            _close(fd)
        self.answers = self.answers_keep = None
        shutil.rmtree(self.scratch, ignore_errors=True)


class WarmPool:
    """Warm workers shared by the threads of one stage, started lazily, ended by `close`."""

    def __init__(self, limits: Limits = Limits(), mode: str | None = None, cold=None):
        """`cold(language, program)` runs a program cold (default: `run_program` with `limits`)."""
        self.limits, self.mode = limits, mode
        self._cold = cold or (lambda language, program: run_program(language, program, limits, mode))
        self._idle: dict[str, list[WarmWorker]] = {}
        self._failed: set[str] = set()
        self._strikes: dict[str, int] = {}
        self._closed = False
        self._lock = threading.Lock()

    def run(self, language: Language | str, program: str) -> ExecResult:
        lang = get_language(language) if isinstance(language, str) else language
        worker = self._take(lang) if program.strip() else None
        if worker is None:
            return self._cold(lang, program)
        try:
            result = worker.run(program)
        except Disturbed as e:
            result = self._cold(lang, program)
            self._strike(lang, str(e), result)
        except BaseException:
            worker.close()
            raise
        else:
            with self._lock:
                self._strikes[lang.name] = 0
        finally:
            self._give_back(worker)
        return result

    def _strike(self, lang: Language, why: str, cold: ExecResult) -> None:
        """A warm run disturbed although the cold run was an ordinary one: the worker, not the
        program, failed. STRIKES of them in a row (a runtime whose fork this version does not
        survive, say) run the rest of the language's programs cold, with one log line."""
        if why == "cold" or cold.status in (KILLED, TIMEOUT):
            return
        with self._lock:
            self._strikes[lang.name] = self._strikes.get(lang.name, 0) + 1
            if self._strikes[lang.name] < STRIKES or lang.name in self._failed:
                return
            self._failed.add(lang.name)
        log.warning("%s warm runs failed %d times in a row where cold runs did not (last: %s); running %s "
                    "programs cold", lang.display_name, STRIKES, why, lang.display_name)

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


def _discard(fd: int, into: bytearray) -> bool:
    """Read what the worker itself wrote (its own stdout and stderr belong to no program; the
    first KiB is kept for messages); False at end of file."""
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return True
    if len(into) < 1024:
        into += chunk[:1024 - len(into)]
    return bool(chunk)


def _close(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def _mount_points(scratch: Path) -> set[str]:
    """The first component of the scratch path under /tmp: bubblewrap made it a mount point in the
    worker's /tmp (scratch lies in the host's /tmp by default), which must stay."""
    try:
        return {scratch.relative_to("/tmp").parts[0]}
    except ValueError:
        return set()


def _fresh_directory(directory: Path) -> None:
    """`directory` as an empty real directory, whatever the last program made of it."""
    try:
        if not stat.S_ISDIR(directory.lstat().st_mode):
            directory.unlink()
    except FileNotFoundError:
        pass
    if directory.exists():
        _empty(directory, keep=set())
    else:
        directory.mkdir()
    directory.chmod(0o700)


def _empty(directory: Path, keep: set[str]) -> None:
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name in keep:
            continue
        try:
            if stat.S_ISDIR(entry.lstat().st_mode):
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            continue
