"""Programs that try to escape or break the harness (issue 2), one file per attack and language in
tests/hostile/<lang>/. Each language's ten programs run through `execute_all` with 2 workers;
every one must end non-OK within its limits, write nothing outside its scratch directory, reach
no network, and leave no process behind once the pool returns."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mplt.execution import isolation
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.execution.result import KILLED, OK, TIMEOUT
from mplt.execution.sandbox import run_program
from mplt.langs import get_language

from .conftest import HOSTILE_DIR, REPO, render, targets, wait_until_gone

CASES = ("infinite_loop", "fork_bomb", "memory_hog", "disk_filler", "write_repo", "write_home",
         "network", "kill_parent", "print_100mb", "background_child")
LANGS = [pytest.param(lang, marks=pytest.mark.julia) if lang == "jl" else lang
         for lang in ("py", "lua", "rkt", "ml", "r", "jl")]
# Short limits keep the suite fast; Julia needs ~2 s just to start and compile.
TIMEOUT_S = {"jl": 8.0, "rkt": 5.0}
SLACK_S = 4.0  # kill, cgroup cleanup and a busy 2-core machine


def limits_for(lang: str) -> Limits:
    return Limits(timeout_s=TIMEOUT_S.get(lang, 4.0))


@pytest.fixture(scope="module")
def outcomes(marker, listener, scratch_root):
    """Runs each language's hostile programs once (2 workers) and keeps what the tests inspect."""
    cache = {}

    def run(lang: str) -> dict:
        if lang not in cache:
            ext = get_language(lang).extension
            jobs = [{"id": f"{lang}/{case}", "language": lang, "case": case,
                     "program": render(HOSTILE_DIR / lang / f"{case}{ext}", marker, listener.port, lang)}
                    for case in CASES]
            results = execute_all(jobs, workers=2, limits=limits_for(lang), progress=False)
            cache[lang] = {"results": {r["case"]: r for r in results},
                           "leftover": wait_until_gone(marker),
                           "scratch_left": sorted(p.name for p in scratch_root.iterdir())}
        return cache[lang]
    return run


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_hostile_program_ends_non_ok_within_limits(outcomes, lang, case):
    result = outcomes(lang)["results"][case]
    if not (case == "write_repo" and Path("/tmp") in REPO.parents and result["sandbox"] == "bubblewrap"):
        # A checkout under /tmp: the write lands in the sandbox's private /tmp and is discarded
        # (test_hostile_programs_leave_nothing_behind checks that the real file never appears).
        assert result["status"] != OK, result
    assert result["duration_s"] <= limits_for(lang).timeout_s + SLACK_S, result
    assert os.getppid() > 1  # the harness and its parent are alive


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_programs_leave_nothing_behind(outcomes, marker, listener, lang):
    outcome = outcomes(lang)
    for name, target in targets(marker, lang).items():
        assert not target.exists(), f"{name} {target} was written"
    assert not [r for r in listener.received if marker.encode() in r or r == b"<connected>"]
    assert outcome["leftover"] == []
    assert outcome["scratch_left"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_specific_verdicts(outcomes, lang):
    results = outcomes(lang)["results"]
    assert results["infinite_loop"]["status"] == TIMEOUT
    assert results["print_100mb"]["status"] == KILLED
    assert "output limit" in results["print_100mb"]["reason"]
    assert results["background_child"]["status"] == KILLED
    assert "background" in results["background_child"]["reason"]
    assert results["disk_filler"]["status"] != OK


def test_fork_bomb_is_contained_without_cgroups(monkeypatch, marker, scratch_root):
    """Non-root or no cgroup access: the program runs as uid 65534 under RLIMIT_NPROC."""
    monkeypatch.setattr(isolation.Cgroups, "create", classmethod(lambda cls, *a, **k: None))
    bomb = render(HOSTILE_DIR / "py" / "fork_bomb.py", marker, 9, "py")
    result = run_program("py", bomb, Limits(timeout_s=5, max_processes=32))
    assert result.status != OK
    assert wait_until_gone(marker) == []
    assert "Resource temporarily unavailable" in result.stderr or result.status == TIMEOUT, result
    passing = run_program("py", "import os\nassert os.getuid() == 65534\n", Limits(timeout_s=10))
    assert passing.status == OK, passing


@pytest.mark.parametrize("lang", ["py", "lua"])
def test_netns_mode_also_contains_escapes(monkeypatch, marker, listener, scratch_root, lang):
    """The fallback without bubblewrap: network namespace plus uid 65534 (the interpreter's
    unreachable parent directory, e.g. /root holding pyenv, is covered in the mount namespace)."""
    monkeypatch.setenv("MPLT_SANDBOX", "netns")
    isolation.detect_mode.cache_clear()
    try:
        ext = get_language(lang).extension
        cases = ("write_repo", "write_home", "network", "kill_parent", "background_child")
        jobs = [{"id": case, "language": lang, "case": case, "mark": "netns",
                 "program": render(HOSTILE_DIR / lang / f"{case}{ext}", marker, listener.port, lang)}
                for case in cases]
        results = execute_all(jobs, workers=2, limits=Limits(timeout_s=3), progress=False)
    finally:
        isolation.detect_mode.cache_clear()
    assert all(r["status"] != OK and r["sandbox"] == "netns" for r in results), results
    for target in targets(marker, lang).values():
        assert not target.exists()
    assert not [r for r in listener.received if marker.encode() in r or r == b"<connected>"]
    assert wait_until_gone(marker) == []
