"""Programs that try to escape or break the harness (docs/sandbox.md), one file per attack and
language in tests/hostile/<lang>/. Each language's programs run through `execute_all` with 2
workers; every attack must end non-OK within its limits, write nothing outside its scratch
directory, reach no network or abstract unix socket, and leave no process behind once the pool
returns. Two probes end normally and report what they could do: `write_kernel` opens host kernel
settings for writing (each open must fail, and the host's vm.swappiness stays as it was) and
`read_secrets` reads root-only and private files and the parent's secrets (each read must fail)."""
from __future__ import annotations

import os

import pytest

from mplt.execution import cgroups, isolation
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.langs.status import KILLED, OK, TIMEOUT
from mplt.execution.sandbox import run_program
from mplt.langs import get_language
from tests.languages import ALL, language_params

from .conftest import (HOSTILE_DIR, KERNEL_PATHS, REPO, SECRET_ENV, SWAPPINESS, probe_lines, render,
                       targets, wait_until_gone)

CASES = ("infinite_loop", "fork_bomb", "memory_hog", "disk_filler", "write_repo", "write_home",
         "network", "kill_parent", "print_100mb", "background_child", "abstract_socket", "daemon")
PROBES = ("write_kernel", "read_secrets")
# The fast subset runs the corpus in Python (the source language, whose programs testgen runs);
# each target's corpus takes 8-30 s on 2 cores and runs in `make test` (slow).
LANGS = language_params(ALL, quick=("py",))
HARNESS_PARENT = os.getppid()
# Short limits keep the suite fast; Julia needs ~2 s just to start and compile.
TIMEOUT_S = {"jl": 8.0, "rkt": 5.0, "ex": 5.0}
SLACK_S = 4.0  # kill, cgroup cleanup and a busy 2-core machine


def limits_for(lang: str) -> Limits:
    return Limits(timeout_s=TIMEOUT_S.get(lang, 4.0))


def secret_paths(secrets, checkout: bool) -> list[str]:
    """Root-only and private files; the checkout's own files only where the mode hides them."""
    return ["/etc/shadow", str(secrets["key"]), *([str(REPO / "pyproject.toml")] if checkout else [])]


def hostile_jobs(lang: str, cases, marker, listener, abstract_listener, secrets, swappiness,
                 checkout: bool = True) -> list[dict]:
    ext = get_language(lang).extension
    return [{"id": f"{lang}/{case}", "language": lang, "case": case,
             "program": render(HOSTILE_DIR / lang / f"{case}{ext}", marker, listener.port, lang,
                               abstract_listener.abstract, secret_paths(secrets, checkout), swappiness)}
            for case in cases]


def assert_probes_denied(results: dict, secrets, swappiness: str, checkout: bool = True) -> None:
    kernel = probe_lines(results["write_kernel"]["stdout"])
    assert [v for v in kernel.values() if v != "DENIED"] == [], results["write_kernel"]
    assert set(KERNEL_PATHS) < set(kernel) and len(kernel) == len(KERNEL_PATHS) + 1, results["write_kernel"]
    assert SWAPPINESS.read_text().strip() == swappiness
    read = probe_lines(results["read_secrets"]["stdout"])
    expected = {*secret_paths(secrets, checkout), *(f"env:{name}" for name in SECRET_ENV)}
    assert read == dict.fromkeys(expected, "DENIED"), results["read_secrets"]


@pytest.fixture(scope="module")
def outcomes(marker, listener, abstract_listener, secrets, swappiness, scratch_root):
    """Runs each language's hostile programs once (2 workers) and keeps what the tests inspect."""
    cache = {}

    def run(lang: str) -> dict:
        if lang not in cache:
            jobs = hostile_jobs(lang, CASES + PROBES, marker, listener, abstract_listener, secrets, swappiness)
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
    assert result["status"] != OK, result
    assert result["duration_s"] <= limits_for(lang).timeout_s + SLACK_S, result
    # kill_parent did not reach the harness or its parent: the parent is the one pytest started
    # under (in a container pytest may itself be PID 1, whose parent id is 0)
    assert os.getppid() == HARNESS_PARENT


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_programs_leave_nothing_behind(outcomes, marker, listener, abstract_listener, lang):
    outcome = outcomes(lang)
    for name, target in targets(marker, lang).items():
        assert not target.exists(), f"{name} {target} was written"
    for server in (listener, abstract_listener):
        assert not [r for r in server.received if marker.encode() in r or r == b"<connected>"]
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
    assert results["daemon"]["status"] == KILLED and "background" in results["daemon"]["reason"]


@pytest.mark.parametrize("lang", LANGS)
def test_kernel_settings_and_secrets_are_out_of_reach(outcomes, secrets, swappiness, lang):
    """Every open of a host kernel setting for writing fails and vm.swappiness is unchanged;
    /etc/shadow, a root-only key, the checkout and the parent's tokens cannot be read."""
    results = outcomes(lang)["results"]
    assert {results[probe]["status"] for probe in PROBES} == {OK}, [results[p] for p in PROBES]
    assert_probes_denied(results, secrets, swappiness)


def test_fork_bomb_is_contained_without_cgroups(monkeypatch, marker, scratch_root):
    """Non-root or no cgroup access: the program runs as uid 65534 under RLIMIT_NPROC."""
    monkeypatch.setattr(cgroups.Cgroups, "create", classmethod(lambda cls, *a, **k: None))
    bomb = render(HOSTILE_DIR / "py" / "fork_bomb.py", marker, 9, "py")
    result = run_program("py", bomb, Limits(timeout_s=5, max_processes=32))
    assert result.status != OK
    assert wait_until_gone(marker) == []
    assert "Resource temporarily unavailable" in result.stderr or result.status == TIMEOUT, result
    passing = run_program("py", "import os\nassert os.getuid() == 65534\n", Limits(timeout_s=10))
    assert passing.status == OK, passing


@pytest.mark.parametrize("lang", language_params(["py", "lua", "ex"], quick=("py",)))
def test_netns_mode_also_contains_escapes(monkeypatch, marker, listener, abstract_listener, secrets,
                                          swappiness, scratch_root, lang):
    """The fallback without bubblewrap: network namespace plus uid 65534 (the interpreter's
    unreachable parent directory, e.g. /root holding pyenv, is covered in the mount namespace).
    It shares the host's file system, so the checkout stays readable there."""
    monkeypatch.setenv("MPLT_SANDBOX", "netns")
    isolation.best_mode.cache_clear()
    try:
        cases = ("write_repo", "write_home", "network", "kill_parent", "background_child",
                 "abstract_socket", "daemon")
        jobs = hostile_jobs(lang, cases + PROBES, marker, listener, abstract_listener, secrets, swappiness,
                            checkout=False)
        results = {r["case"]: r for r in execute_all(jobs, workers=2, limits=Limits(timeout_s=3), progress=False)}
    finally:
        isolation.best_mode.cache_clear()
    assert all(r["status"] != OK and r["sandbox"] == "netns" for c, r in results.items() if c in cases), results
    assert_probes_denied(results, secrets, swappiness, checkout=False)
    for target in targets(marker, lang).values():
        assert not target.exists()
    for server in (listener, abstract_listener):
        assert not [r for r in server.received if marker.encode() in r or r == b"<connected>"]
    assert wait_until_gone(marker) == []


@pytest.mark.parametrize("lang", language_params(["lua", "ex"], quick=("lua",)))
def test_none_mode_keeps_kernel_settings_and_secrets_out_of_reach(monkeypatch, marker, listener,
                                                                  abstract_listener, secrets, swappiness,
                                                                  scratch_root, lang):
    """No namespaces at all: the real uid 65534 is what protects (the interpreter: reachable by that uid)."""
    monkeypatch.setenv("MPLT_SANDBOX", "none")
    isolation.best_mode.cache_clear()
    try:
        jobs = hostile_jobs(lang, ("daemon",) + PROBES, marker, listener, abstract_listener, secrets,
                            swappiness, checkout=False)
        results = {r["case"]: r for r in execute_all(jobs, workers=2, limits=Limits(timeout_s=3), progress=False)}
    finally:
        isolation.best_mode.cache_clear()
    assert_probes_denied(results, secrets, swappiness, checkout=False)
    if os.geteuid() == 0:
        assert results["daemon"]["status"] == KILLED, results["daemon"]
    assert wait_until_gone(marker) == []


@pytest.mark.parametrize("lang", language_params(["lua", "r"], quick=("lua",)))
def test_none_mode_without_cgroups_still_finds_a_daemon(monkeypatch, marker, scratch_root, lang):
    """Mode none in a container without cgroup access (Docker's defaults): a double-forked daemon
    in its own session is found by the run's tag in its environment, judged Killed and killed."""
    monkeypatch.setattr(cgroups.Cgroups, "create", classmethod(lambda cls, *a, **k: None))
    daemon = render(HOSTILE_DIR / lang / f"daemon{get_language(lang).extension}", marker, 9, lang)
    result = run_program(lang, daemon, limits_for(lang), mode="none")
    assert result.status == KILLED and "background" in result.reason, result
    assert wait_until_gone(marker) == []
    ordinary = run_program(lang, "x <- 1\n" if lang == "r" else "x = 1\n", limits_for(lang), mode="none")
    assert ordinary.status == OK, ordinary
