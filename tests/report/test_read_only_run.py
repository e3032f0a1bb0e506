"""`check` and `report` on a finished run in a read-only directory: they read it, and write
elsewhere (--out) or say why not, instead of raising OSError (docs/bad-input.md). The read-only run is the
fabricated fixture copied onto a tmpfs remounted read-only (needs root; skipped elsewhere)."""
from __future__ import annotations

import shutil

import pytest

from mplt import cli


@pytest.fixture
def read_only_run(fabricated_run, tmpfs):
    target = tmpfs("4m")
    shutil.copytree(fabricated_run, target / "run")
    tmpfs.remount(target, "ro")
    return target / "run"


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_reads_a_read_only_run(read_only_run, fabricated_run, capsys):
    expected_code, expected_out, _ = run_cli(capsys, "check", "--run-dir", fabricated_run)
    code, out, err = run_cli(capsys, "check", "--run-dir", read_only_run)
    assert code == expected_code and "Traceback" not in err and err == ""
    assert f"note: {read_only_run / 'report'} is not writable (read-only file system)" in out
    assert ("PASS" in out) == ("PASS" in expected_out)


def test_check_out_writes_elsewhere(read_only_run, tmp_path, capsys):
    run_cli(capsys, "check", "--run-dir", read_only_run, "--out", tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "check.json").exists()
    code, _, err = run_cli(capsys, "check", "--run-dir", read_only_run, "--out", read_only_run / "x")
    assert code == 2 and "cannot write (read-only file system); choose another --out" in err and err.count("\n") == 1


def test_report_says_why_not_and_writes_with_out(read_only_run, tmp_path, capsys):
    code, _, err = run_cli(capsys, "report", "--run-dir", read_only_run)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{read_only_run / 'report'}: cannot write the report (read-only file system); pass --out DIR" in err
    code, out, _ = run_cli(capsys, "report", "--run-dir", read_only_run, "--out", tmp_path / "rep")
    assert code == 0 and (tmp_path / "rep" / "report.md").exists() and f"report: {tmp_path / 'rep' / 'report.md'}" in out
