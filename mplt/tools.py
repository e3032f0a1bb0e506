"""Trusted external tools (git, the toolchains' version probes): run through subprocess-tee, so that
each command and its whole output are logged (at DEBUG: `-v` shows them; a run writes them to
`RUN/logs/tools.log`) while the caller reads the output as from `subprocess.run`.

Generated programs never come here: they run in the sandbox (`mplt.execution`).
"""
from __future__ import annotations

import contextlib
import logging
import shlex
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)
TIMED_OUT = 124          # the exit status of coreutils `timeout` when the limit is reached


def run_tool(cmd: list[str], *, timeout: int = 30) -> subprocess.CompletedProcess | None:
    """Run `cmd` with a wall-clock limit; None when it cannot start or runs out of time.
    subprocess-tee has no timeout of its own, so coreutils `timeout` wraps the command."""
    import subprocess_tee
    if shutil.which(cmd[0]) is None:
        log.debug("$ %s: %s not found", shlex.join(cmd), cmd[0])
        return None
    limited = shutil.which("timeout") is not None
    wrapped = ["timeout", "--kill-after=5", str(timeout), *cmd] if limited else cmd
    try:
        result = subprocess_tee.run(wrapped, quiet=True, stdin=subprocess.DEVNULL)
    except (OSError, UnicodeDecodeError) as e:
        log.debug("$ %s: could not run (%s)", shlex.join(cmd), e)
        return None
    output = (result.stdout or "") + (result.stderr or "")
    log.debug("$ %s (exit %d)%s", shlex.join(cmd), result.returncode, "\n" + output.rstrip() if output.strip() else "")
    if limited and result.returncode == TIMED_OUT:
        return None
    return result


def first_line(cmd: list[str]) -> str:
    """The first line a tool prints (stdout, then stderr): how `--version` answers are read."""
    result = run_tool(cmd)
    if result is None:
        return "unknown (did not run or timed out)"
    text = ((result.stdout or "") + (result.stderr or "")).strip()
    return text.splitlines()[0] if text else "unknown"


@contextlib.contextmanager
def tool_log(path: Path):
    """Within the block, every tool's command and output go to `path` (appended), and only there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    saved = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        yield path
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]
        handler.close()
