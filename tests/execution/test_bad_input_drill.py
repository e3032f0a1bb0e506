"""Bad input found by a drill of verdict integrity, on `exec`, the limits and the sandbox's
environment variables: one `error:` line, exit 2, no traceback, nothing run (docs/bad-input.md)."""
from __future__ import annotations

import json
import os

import pytest

from mplt.errors import MpltError
from mplt.execution import isolation, leftovers
from mplt.execution.limits import Limits, program_limits
from tests.cli_errors import one_line, run_cli


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "p.lua"
    path.write_text("print(1)\n")
    return path


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-3", "0"])
def test_exec_timeout_must_be_positive_and_finite(program, capsys, value):
    code, out, err = run_cli(capsys, "exec", "--lang", "lua", program, f"--timeout={value}")
    assert code == 2 and out == ""
    assert "--timeout must be positive and finite (seconds), got" in one_line(err)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -3.0, 0.0, 0])
def test_limits_refuse_a_timeout_that_is_not_positive_and_finite(value):
    with pytest.raises(MpltError, match=r"timeout_s must be positive and finite \(seconds\)"):
        Limits(timeout_s=value)
    with pytest.raises(MpltError, match=r"timeout_s must be positive and finite \(seconds\)"):
        program_limits(value)
    assert Limits(timeout_s=0.5).timeout_s == 0.5 and Limits().timeout_s is None


def test_exec_on_a_character_device_or_a_fifo_says_what_it_is(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exec", "--lang", "lua", "/dev/zero")
    assert code == 2 and "/dev/zero: not a regular file (a character device); give a program file" in one_line(err)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, _, err = run_cli(capsys, "exec", "--lang", "lua", fifo)     # would block on open if read
    assert code == 2 and f"{fifo}: not a regular file (a FIFO); give a program file" in one_line(err)
    code, _, err = run_cli(capsys, "exec", "--lang", "lua", tmp_path / "missing.lua")
    assert code == 2 and "missing.lua: no such file" in one_line(err)


def test_scratch_naming_a_file_or_a_missing_directory(program, tmp_path, capsys, monkeypatch):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    monkeypatch.setenv("MPLT_SCRATCH", str(a_file))
    with pytest.raises(MpltError, match="MPLT_SCRATCH"):
        leftovers.scratch_parent()
    for cold in ((), ("--cold",)):
        code, out, err = run_cli(capsys, "exec", "--lang", "lua", program, *cold)
        assert code == 2 and out == ""
        assert f"MPLT_SCRATCH={a_file}: not a directory; point it at a directory or unset it" in one_line(err)
    missing = tmp_path / "missing"
    monkeypatch.setenv("MPLT_SCRATCH", str(missing))
    code, _, err = run_cli(capsys, "exec", "--lang", "lua", program)
    assert code == 2 and f"MPLT_SCRATCH={missing}: no such directory; create it or unset it" in one_line(err)
    assert not missing.exists()
    code, _, err = run_cli(capsys, "doctor", "--no-gpu")
    assert code == 2 and "MPLT_SCRATCH" in one_line(err)
    missing.mkdir()
    code, out, _ = run_cli(capsys, "exec", "--lang", "lua", program, "--json", "--timeout", "20")
    assert code == 0 and json.loads(out)["stdout"] == "1\n"
    monkeypatch.setenv("MPLT_SCRATCH", "")          # empty: unset, the system's temporary directory
    assert leftovers.scratch_parent() != missing


@pytest.fixture
def fresh_detection():
    """detect_mode caches its answer per process; a test that changes MPLT_SANDBOX starts and ends clean."""
    isolation.best_mode.cache_clear()
    yield
    isolation.best_mode.cache_clear()


def test_unknown_forced_sandbox_is_an_error_not_ignored(program, capsys, monkeypatch, fresh_detection):
    monkeypatch.setenv("MPLT_SANDBOX", "bogus")
    message = ("MPLT_SANDBOX='bogus': unknown sandbox mode; known: bubblewrap, netns, none "
               "(unset it for the best available)")
    with pytest.raises(MpltError, match="unknown sandbox mode"):
        isolation.detect_mode()
    code, out, err = run_cli(capsys, "exec", "--lang", "lua", program)
    assert code == 2 and out == "" and message in one_line(err)
    code, out, err = run_cli(capsys, "doctor", "--no-gpu", "--json")
    assert code == 2 and out == "" and message in one_line(err)
    monkeypatch.setenv("MPLT_SANDBOX", "none")
    assert isolation.forced_mode() == "none"
    monkeypatch.setenv("MPLT_SANDBOX", "")
    assert isolation.forced_mode() is None
