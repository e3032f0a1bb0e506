"""A broken sandbox is not a failing program, and killed runs leave nothing for long (docs/sandbox.md):
set-up failures raise `SandboxBroken` with one line naming the cause (never a verdict), helpers
never come from /tmp, and the next run removes the scratch directories and cgroups of a run that
was killed with kill -9, but never a live run's."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mplt import cli
from mplt.execution import cgroups, isolation, leftovers, view
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.langs.status import OK
from mplt.execution.sandbox import SandboxBroken, run_program

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tmp_bin():
    """A PATH entry under /tmp holding copies of the sandbox's helpers (hidden inside bubblewrap)."""
    path = Path("/tmp") / f"mplt-test-bin-{os.getpid()}"
    path.mkdir()
    for name in ("prlimit", "setpriv", "sh"):
        shutil.copy(isolation.helper(name), path / name)
    yield path
    shutil.rmtree(path)


def test_helpers_under_tmp_on_path_are_skipped(monkeypatch, tmp_bin):
    monkeypatch.setenv("PATH", f"{tmp_bin}:{os.environ['PATH']}")
    assert not isolation.helper("prlimit").startswith("/tmp/")
    result = run_program("lua", "assert(1 + 1 == 2)\n", Limits(timeout_s=20))
    assert result.status == OK, result


def test_missing_helper_stops_with_one_line(monkeypatch, tmp_bin, capsys, tmp_path):
    monkeypatch.setenv("MPLT_LUA", shutil.which("lua5.4") or "/usr/bin/lua5.4")
    monkeypatch.setenv("PATH", str(tmp_bin))
    monkeypatch.setattr(isolation, "_FALLBACK_PATH", ())
    with pytest.raises(SandboxBroken, match="sandbox helper `(sh|prlimit|setpriv)` not found outside /tmp"):
        run_program("lua", "assert(true)\n", Limits(timeout_s=20))
    program = tmp_path / "ok.lua"
    program.write_text("assert(true)\n")
    code = cli.main(["exec", "--lang", "lua", str(program)])
    err = capsys.readouterr().err
    assert code != 0 and len(err.strip().splitlines()) == 1 and "not found outside /tmp" in err


def needs_bubblewrap():
    if isolation.detect_mode() != "bubblewrap":
        pytest.skip("needs bubblewrap")


def test_unmountable_path_is_not_a_verdict(monkeypatch):
    needs_bubblewrap()
    monkeypatch.setattr(view, "toolchain_trees", lambda executables: (("/nonexistent-mplt-tree", "/opt/x"),))
    jobs = [{"id": "a", "language": "lua", "program": "assert(true)\n"}]
    with pytest.raises(SandboxBroken, match=r"sandbox \(bubblewrap\) could not start Lua programs: bwrap: .*nonexistent-mplt-tree"):
        execute_all(jobs, workers=1, progress=False)


def test_interpreter_hidden_inside_is_not_a_verdict(monkeypatch):
    """The venv's python (and the pyenv tree it links to) not bound: the shell sees no interpreter."""
    needs_bubblewrap()
    if view.toolchain_trees([sys.executable]) == ():
        pytest.skip("the interpreter lies in the system trees")
    monkeypatch.setattr(view, "toolchain_trees", lambda executables: ())
    with pytest.raises(SandboxBroken, match="is not visible inside the sandbox"):
        run_program("py", "print(1)\n", Limits(timeout_s=20))


def test_a_program_cannot_pose_as_a_broken_sandbox():
    """What a program prints cannot stop the run: the sandbox spoke before the program existed."""
    fake = 'io.stderr:write("bwrap: Can\'t mount proc\\n") os.exit(1)\n'
    result = run_program("lua", fake, Limits(timeout_s=20))
    assert result.status != OK and result.exit_code == 1 and result.stdout == ""


_VICTIM = """
import sys
sys.path.insert(0, sys.argv[1])
from mplt.execution.limits import Limits
from mplt.execution.sandbox import run_program
run_program("lua", "os.execute('sleep 60')\\n", Limits(timeout_s=120))
"""


def test_kill_9_leftovers_go_at_the_next_run_and_live_ones_stay(tmp_path):
    root = Path("/tmp") / f"mplt-test-scratch-{os.getpid()}"
    root.mkdir(mode=0o755)
    try:
        victim = subprocess.Popen([sys.executable, "-c", _VICTIM, str(REPO)], start_new_session=True,
                                  env={**os.environ, "MPLT_SCRATCH": str(root)})
        deadline = time.monotonic() + 60
        while not list(root.glob("mplt-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the program is running inside its sandbox (and its cgroup)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        left = [p.name for p in root.glob("mplt-*")]
        assert left and all(leftovers.owner_gone(name) for name in left)
        owner = left[0].rsplit("-", 1)[0] + "-"
        groups = [p for p in cgroups.CGROUP_ROOT.glob("*/mplt-*") if p.name.startswith(owner)]
        assert groups or not cgroups.cgroups_available()
        live = root / f"{leftovers.owner_prefix()}keep"
        live.mkdir()
        foreign = root / "mplt-1.1.1-other-namespace"
        foreign.mkdir()
        assert leftovers.sweep_scratch(root) == len(left)
        assert sorted(p.name for p in root.iterdir()) == sorted([live.name, foreign.name])
        cgroups.sweep_stale_cgroups.__wrapped__()
        assert [p for p in groups if p.exists()] == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_owner_names_tell_a_reused_pid_from_its_owner():
    prefix = leftovers.owner_prefix()
    namespace, pid, start = prefix[len("mplt-"):-1].split(".")
    assert int(pid) == os.getpid() and not leftovers.owner_gone(prefix + "x")
    assert leftovers.owner_gone(f"mplt-{namespace}.{pid}.{int(start) + 1}-x")     # same pid, later process
    assert not leftovers.owner_gone(f"mplt-{int(namespace) + 1}.{pid}.1-x")     # another pid namespace
    assert not leftovers.owner_gone("mplt-abc123") and not leftovers.owner_gone("mplt-hostile")
