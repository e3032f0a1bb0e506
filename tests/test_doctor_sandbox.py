"""`doctor` says in one line why the sandbox runs in a weaker mode than bubblewrap: what bubblewrap
(and, for mode none, unshare) printed when probed, and in a container the flags that fix it."""
from __future__ import annotations

import json

from mplt import cli, doctor
from mplt.execution import isolation

LOOPBACK = "bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted"


def failing_tool(tmp_path, name: str, message: str):
    tool = tmp_path / name
    tool.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    tool.chmod(0o755)
    return str(tool)


def with_fakes(monkeypatch, **fakes):
    real = isolation.helper
    monkeypatch.setattr(isolation, "helper", lambda name: fakes.get(name) or real(name))


def test_bubblewraps_own_error_is_the_reason(monkeypatch, tmp_path):
    with_fakes(monkeypatch, bwrap=failing_tool(tmp_path, "bwrap", LOOPBACK))
    monkeypatch.setattr(doctor, "in_container", lambda: False)
    reason = doctor.sandbox_fallback_reason("netns", None)
    assert reason == f"bubblewrap does not start here ({LOOPBACK})"


def test_mode_none_names_both_probes_and_a_container_gets_the_flags(monkeypatch, tmp_path):
    with_fakes(monkeypatch, bwrap=failing_tool(tmp_path, "bwrap", "bwrap: No permissions to creating new namespace"),
               unshare=failing_tool(tmp_path, "unshare", "unshare: unshare failed: Operation not permitted"))
    monkeypatch.setattr(doctor, "in_container", lambda: True)
    reason = doctor.sandbox_fallback_reason("none", None)
    assert "\n" not in reason
    assert "(bwrap: No permissions to creating new namespace)" in reason
    assert "nor do namespaces (unshare: unshare failed: Operation not permitted)" in reason
    assert reason.endswith(f"run it with {doctor.CONTAINER_FLAGS} (README, Docker)")


def test_no_reason_for_bubblewrap_and_forced_modes_say_so():
    assert doctor.sandbox_fallback_reason("bubblewrap", None) is None
    assert doctor.sandbox_fallback_reason("none", "none") == "forced by MPLT_SANDBOX=none"


def test_doctor_prints_the_reason(capsys, monkeypatch, tmp_path):
    with_fakes(monkeypatch, bwrap=failing_tool(tmp_path, "bwrap", LOOPBACK))
    monkeypatch.setattr(doctor, "in_container", lambda: False)
    monkeypatch.setattr(isolation, "detect_mode", lambda: "netns")
    monkeypatch.delenv("MPLT_SANDBOX", raising=False)
    cli.main(["doctor", "--json", "--no-gpu"])
    report = json.loads(capsys.readouterr().out)
    assert report["sandbox"]["why_not_bubblewrap"] == f"bubblewrap does not start here ({LOOPBACK})"
    cli.main(["doctor", "--no-gpu"])
    out = capsys.readouterr().out
    assert f"why not bubblewrap: bubblewrap does not start here ({LOOPBACK})" in out


def test_readme_gives_the_same_flags():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert doctor.CONTAINER_FLAGS in readme
