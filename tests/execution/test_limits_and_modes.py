"""Resource-limit statuses, and verdicts under the weaker sandbox modes (netns, none)."""
from __future__ import annotations

import json
import os

import pytest

from mplt.execution import cgroups, isolation, view
from mplt.execution.limits import Limits
from mplt.langs.status import FAILURE, KILLED, OK, TIMEOUT
from mplt.execution.sandbox import NO_ISOLATION_WARNING, SandboxBroken, run_program

from mplt.langs import get_language

from .programs import LOOPS, program


def test_cpu_limit_kills():
    result = run_program("py", "while True:\n    pass\n", Limits(timeout_s=20, cpu_s=1))
    assert result.status == KILLED, result
    assert "CPU" in result.reason
    assert result.duration_s < 10


def test_memory_limit_kills():
    hog = "x = []\nwhile True:\n    x.append(bytearray(32 * 1024 * 1024))\n"
    result = run_program("py", hog, Limits(timeout_s=30, memory_mb=300))
    assert result.status == KILLED, result
    assert "memory" in result.reason


def test_file_size_limit_kills():
    writer = 'local f = io.open("big.bin", "wb")\nfor i = 1, 64 do f:write(string.rep("x", 1024 * 1024)) end\nf:close()\n'
    result = run_program("lua", writer, Limits(timeout_s=20, file_size_mb=1))
    assert result.status == KILLED, result
    assert "file size" in result.reason


def test_output_limit_kills_and_keeps_a_capped_prefix():
    limits = Limits(timeout_s=20, output_kill_bytes=2 * 1024 * 1024, output_keep_bytes=1000)
    result = run_program("py", "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", limits)
    assert result.status == KILLED, result
    assert "output limit" in result.reason
    assert len(result.stdout) == 1000


def test_disk_quota_kills():
    filler = "for i in range(100):\n    open(f'f{i}', 'wb').write(b'z' * (4 << 20))\n"
    result = run_program("py", filler, Limits(timeout_s=20, disk_mb=16))
    assert result.status == KILLED, result
    assert "disk" in result.reason


def test_background_child_is_killed_and_judged():
    spawn = "import subprocess\nsubprocess.Popen(['sleep', '30'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    result = run_program("py", spawn, Limits(timeout_s=20))
    assert result.status == KILLED, result
    assert "background" in result.reason


def test_network_is_unreachable():
    connect = "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)\n"
    result = run_program("py", connect, Limits(timeout_s=20))
    assert result.status != OK
    assert "unreachable" in result.stderr or "Errno" in result.stderr


@pytest.fixture
def forced_mode(monkeypatch):
    """Force a mode through MPLT_SANDBOX, as a user would (detect_mode caches per process)."""
    def force(mode: str):
        monkeypatch.setenv("MPLT_SANDBOX", mode)
        isolation.best_mode.cache_clear()
    yield force
    isolation.best_mode.cache_clear()


# One language per mode in the fast subset; the other pairs run in `make test` (slow).
@pytest.mark.parametrize("mode,lang", [("netns", "py"), pytest.param("netns", "lua", marks=pytest.mark.slow),
                                       pytest.param("netns", "rkt", marks=pytest.mark.slow),
                                       pytest.param("none", "py", marks=pytest.mark.slow), ("none", "lua")])
def test_weaker_modes_give_correct_verdicts(forced_mode, mode, lang):
    forced_mode(mode)
    executable = get_language(lang).find_executable()
    if mode == "none" and os.geteuid() == 0 and isolation.blocked_for_nobody(executable):
        # The interpreter is out of uid 65534's reach (pyenv under /root): never run it as root.
        with pytest.raises(SandboxBroken, match="never run as root"):
            run_program(lang, program(lang), Limits(timeout_s=60))
        return
    ok = run_program(lang, program(lang), Limits(timeout_s=60))
    fail = run_program(lang, program(lang, expected=4), Limits(timeout_s=60))
    loop = run_program(lang, program(lang, LOOPS[lang]), Limits(timeout_s=1.5))
    assert (ok.status, fail.status, loop.status) == (OK, FAILURE, TIMEOUT), (ok, fail, loop)
    assert ok.sandbox == mode
    assert (NO_ISOLATION_WARNING in ok.warnings) == (mode == "none")


def test_mode_argument_overrides_detection():
    result = run_program("lua", program("lua"), Limits(timeout_s=20), mode="netns")
    assert result.sandbox == "netns" and result.status == OK


def test_none_mode_background_child_is_caught_by_the_cgroup():
    if not cgroups.cgroups_available():
        pytest.skip("needs cgroups (root)")
    spawn = 'os.execute("sleep 30 </dev/null >/dev/null 2>&1 &")\n'
    result = run_program("lua", spawn, Limits(timeout_s=20), mode="none")
    assert result.status == KILLED and "background" in result.reason, result


@pytest.mark.parametrize("mode", ["bubblewrap", "netns", "none"])
def test_a_child_that_exits_just_after_the_program_is_not_a_leftover(mode):
    """The leftover check gives processes LEFTOVER_GRACE_S to go (a runtime's helpers, such as the
    BEAM's port helpers, exit just after it); one that stays longer is still judged Killed."""
    if mode == "none" and not cgroups.cgroups_available():
        pytest.skip("mode none checks leftovers through a cgroup (root)")
    if isolation.detect_mode() != "bubblewrap" and mode == "bubblewrap":
        pytest.skip("no bubblewrap here")
    brief = 'os.execute("sleep 0.15 </dev/null >/dev/null 2>&1 &")\n'
    lasting = 'os.execute("sleep 3 </dev/null >/dev/null 2>&1 &")\n'
    assert isolation.LEFTOVER_GRACE_S >= 0.3
    result = run_program("lua", brief, Limits(timeout_s=20), mode=mode)
    assert result.status == OK, result
    result = run_program("lua", lasting, Limits(timeout_s=20), mode=mode)
    assert result.status == KILLED and "background" in result.reason, result


def test_netns_mode_runs_as_nobody_and_cannot_write_the_repository(tmp_path):
    target = isolation.Path(__file__).resolve().parents[2] / "netns-escape-test.txt"
    attack = f'local f, err = io.open("{target}", "w")\nassert(f, err)\nf:write("x")\nf:close()\n'
    result = run_program("lua", attack, Limits(timeout_s=20), mode="netns")
    assert result.status != OK, result
    assert "Permission denied" in result.stderr
    assert not target.exists()


_AS_USER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from mplt.execution.limits import Limits
from mplt.execution.sandbox import run_program
bomb = 'os.execute("f() { f | f & }; f")\\nwhile true do end\\n'
print(json.dumps([run_program("lua", "assert(1 + 1 == 2)\\n").status,
                  run_program("lua", "assert(1 + 1 == 3)\\n").status,
                  run_program("lua", bomb, Limits(timeout_s=2, max_processes=40)).status]))
"""


@pytest.mark.parametrize("mode", ["bubblewrap", pytest.param("netns", marks=pytest.mark.slow)])
def test_sandbox_works_for_a_non_root_user(mode):
    """No cgroup access (non-root, or Docker): unprivileged namespaces plus RLIMIT_NPROC."""
    import os
    import shutil
    import subprocess
    repo = isolation.Path(__file__).resolve().parents[2]
    system_python = shutil.which("python3", path="/usr/bin")
    if os.geteuid() != 0 or not shutil.which("setpriv") or not system_python:
        pytest.skip("needs root (to become uid 65534), setpriv and /usr/bin/python3")
    if isolation.blocked_for_nobody(str(repo / "mplt" / "__init__.py")) or isolation.blocked_for_nobody(system_python):
        pytest.skip("the repository is not readable by uid 65534")
    # A plain user (one group), as the harness of a user without root runs.
    as_nobody = [shutil.which("setpriv"), f"--reuid={isolation.NOBODY}", f"--regid={isolation.NOBODY}",
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"]
    out = subprocess.run([*as_nobody, system_python, "-c", _AS_USER, str(repo)],
                         capture_output=True, text=True, timeout=120, cwd="/",
                         env={"PATH": os.environ["PATH"], "HOME": "/tmp", "MPLT_SANDBOX": mode})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == [OK, FAILURE, TIMEOUT]


def test_stale_empty_cgroups_are_swept_but_live_ones_kept():
    """Groups without an owner in their name (older versions): only empty and old ones go."""
    if not cgroups.cgroups_available():
        pytest.skip("needs cgroups (root)")
    stale = cgroups.CGROUP_ROOT / "pids" / "mplt-stale-test"
    fresh = cgroups.CGROUP_ROOT / "pids" / "mplt-fresh-test"
    stale.mkdir()
    fresh.mkdir()
    try:
        os.utime(stale, (0, 0))
        cgroups.sweep_stale_cgroups.__wrapped__()
        assert not stale.exists() and fresh.exists()
    finally:
        for path in (stale, fresh):
            if path.exists():
                path.rmdir()


def test_toolchain_trees_are_bound_from_their_real_paths(tmp_path):
    """A venv and its pyenv interpreter, and `.tools` as a symlink to another checkout's."""
    real_tools = tmp_path / "main" / ".tools"
    julia = real_tools / "julia" / "julia"
    venv_python = tmp_path / "repo" / ".venv" / "bin" / "python"
    for path in (venv_python, julia):
        path.parent.mkdir(parents=True)
        path.write_text("#!/bin/sh\n")
    (tmp_path / "repo" / ".tools").symlink_to(real_tools)
    called = tmp_path / "repo" / ".tools" / "julia" / "julia"
    assert view.toolchain_trees([str(called)]) == (
        (str(real_tools / "julia"), str(real_tools / "julia")),
        (str(real_tools / "julia"), str(tmp_path / "repo" / ".tools" / "julia")))
    assert view.toolchain_trees([str(venv_python)]) == ((str(tmp_path / "repo" / ".venv"),) * 2,)
    assert view.toolchain_trees(["/usr/bin/lua5.4"]) == ()
    assert view.toolchain_trees(["/root/bin/julia"]) == (("/root/bin", "/root/bin"),)
    args = isolation.bwrap_args(str(tmp_path / "scratch"), (str(venv_python),))
    bound = args.index("--ro-bind", args.index("--tmpfs"))
    assert args[bound + 1:bound + 3] == [str(tmp_path / "repo" / ".venv")] * 2
    assert "/root" not in args and "/home" not in args
