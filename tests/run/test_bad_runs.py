"""Unwritable and full output locations, empty stages, missing toolchains and the run's last line:
one line and a non-zero exit, nothing already written lost, a rerun resumes (docs/bad-input.md).

Full and read-only disks are real: a small tmpfs mounted by the test (needs root and mount(2);
skipped elsewhere), unmounted afterwards. The in-process cases need neither.
"""
from __future__ import annotations

import errno
import json

import pytest

from mplt import cli
from mplt.errors import MpltError, storage_error
from mplt.io import JsonlAppender, read_jsonl
from mplt.run import runner
from mplt.run.profiles import Profile, RunSettings
from mplt.run.runner import RunOutcome, run_profile
from mplt.stages.registry import STAGES as REAL_STAGES


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# --- the translation itself, in-process ---------------------------------------------------------

def test_storage_errors_become_one_line():
    full = storage_error(OSError(errno.ENOSPC, "No space left on device"), "/runs/x")
    assert str(full).startswith("/runs/x: cannot write (no space left on device); free space") and "resumes" in str(full)
    read_only = storage_error(OSError(errno.EROFS, "Read-only file system", "/ro/run/config.json"))
    assert str(read_only).startswith("/ro/run/config.json: cannot write (read-only file system); choose a writable")
    torch_error = RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534")
    assert "torch could not write a checkpoint" in str(storage_error(torch_error, "/runs/x/finetune"))
    chained = ValueError("wrapped")
    chained.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    assert "no space left" in str(storage_error(chained, "/r"))
    assert "no space left" in str(storage_error(Exception("I/O error: No space left on device (os error 28)"), "/r"))
    assert storage_error(ValueError("something else")) is None
    assert storage_error(PermissionError(errno.EACCES, "Permission denied")) is None   # no path: not storage
    assert storage_error(RuntimeError("CUDA out of memory")) is None


def test_real_torch_checkpoint_write_on_a_full_disk(tmpfs):
    torch = pytest.importorskip("torch")
    full = tmpfs("64k")
    with pytest.raises(RuntimeError) as raised:
        torch.save({"x": torch.zeros(100_000)}, full / "trainer_state.pt")
    error = storage_error(raised.value, full)
    assert error is not None and "torch could not write" in str(error) and "\n" not in str(error)


# --- the stage runner: a full disk mid-stage, then a rerun that resumes --------------------------

STAGES = ("select", "testgen")
RECORDS = 120


class StreamingStage:
    """`testgen` streams 1 KB records resumably, like the real stages (mplt.io.JsonlAppender)."""

    def __init__(self, name, calls, fail_with=None):
        self.name, self.calls, self.fail_with = name, calls, fail_with

    def __getattr__(self, attr):     # everything but the run function: the real entry's
        return getattr(REAL_STAGES[self.name], attr)

    def load(self):
        def run(run_dir, config, *, progress=True):
            self.calls.append(self.name)
            out = run_dir / self.name
            out.mkdir(parents=True, exist_ok=True)
            if self.fail_with is not None:
                raise self.fail_with
            if self.name == "testgen":
                path = out / "records.jsonl"
                done = {r["id"] for r in read_jsonl(path, skip_partial=True)} if path.exists() else set()
                with JsonlAppender(path) as sink:
                    for i in range(RECORDS):
                        if i not in done:
                            sink.write({"id": i, "text": "x" * 1000})
            (out / "summary.json").write_text(json.dumps({"stage": self.name}))
            return {"stage": self.name}
        return run, None


@pytest.fixture
def fake_stages(monkeypatch, tmp_path):
    calls: list[str] = []
    failures: dict[str, BaseException] = {}
    monkeypatch.setattr("mplt.stages.registry.get_stage", lambda name: StreamingStage(name, calls, failures.get(name)))
    monkeypatch.setattr(runner, "stage_config", lambda profile, stage: None)
    return Profile("fake", tmp_path / "p.toml", RunSettings(stages=STAGES), {}), calls, failures


def run_fake(profile, run_dir, log):
    from rich.console import Console
    return run_profile(profile, run_dir, console=Console(file=log, width=400), progress=False)


def test_full_disk_mid_stage_is_one_line_and_the_rerun_resumes(fake_stages, tmpfs, tmp_path):
    profile, calls, _ = fake_stages
    disk = tmpfs("64k")
    run_dir = disk / "run"
    with open(tmp_path / "screen.txt", "w") as log:
        outcome = run_fake(profile, run_dir, log)
    screen = (tmp_path / "screen.txt").read_text()
    assert outcome.exit_code == 2 and calls == ["select", "testgen"]
    assert f"testgen   failed: {run_dir / 'testgen'}: cannot write (no space left on device)" in screen
    written = list(read_jsonl(run_dir / "testgen" / "records.jsonl", skip_partial=True))
    assert 0 < len(written) < RECORDS and not (run_dir / "testgen" / "summary.json").exists()

    tmpfs.remount(disk, "size=2m")                   # space freed: the same command again
    calls.clear()
    with open(tmp_path / "screen2.txt", "w") as log:
        assert run_fake(profile, run_dir, log).exit_code == 0
    assert calls == ["testgen"]                      # select finished earlier and is not redone
    ids = [r["id"] for r in read_jsonl(run_dir / "testgen" / "records.jsonl")]
    assert ids == list(range(RECORDS))               # nothing lost, duplicated or torn


@pytest.mark.parametrize("failure,message", [
    (OSError(errno.ENOSPC, "No space left on device"), "cannot write (no space left on device)"),
    (RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing file data/0: "
                  "file write failed"), "torch could not write a checkpoint or weights file"),
])
def test_write_failures_in_process(fake_stages, tmp_path, failure, message):
    profile, calls, failures = fake_stages
    failures["testgen"] = failure
    with open(tmp_path / "screen.txt", "w") as log:
        assert run_fake(profile, tmp_path / "run", log).exit_code == 2
    screen = (tmp_path / "screen.txt").read_text()
    assert f"testgen   failed: {tmp_path / 'run' / 'testgen'}: {message}" in screen and "Traceback" not in screen


def test_other_errors_keep_their_traceback(fake_stages, tmp_path):
    profile, _, failures = fake_stages
    failures["testgen"] = ZeroDivisionError("a bug")
    with open(tmp_path / "screen.txt", "w") as log, pytest.raises(ZeroDivisionError):
        run_fake(profile, tmp_path / "run", log)


# --- read-only output locations, through the command line ----------------------------------------

def test_read_only_run_dir_for_run_stage_and_eval(tmpfs, capsys):
    read_only = tmpfs("1m", read_only=True)
    code, _, err = run_cli(capsys, "run", "--profile", "smoke", "--run-dir", read_only / "run", "--no-progress")
    assert code == 2 and f"{read_only / 'run'}: cannot write (read-only file system)" in one_line(err)
    code, _, err = run_cli(capsys, "stage", "select", "--run-dir", read_only / "run")
    assert code == 2 and f"{read_only / 'run'}: cannot write (read-only file system)" in one_line(err)
    code, _, err = run_cli(capsys, "eval", "--model", "unused", "--benchmark", "mini", "--langs", "lua",
                           "--out", read_only / "eval")
    assert code == 2 and f"{read_only / 'eval'}: cannot write (read-only file system)" in one_line(err)


def test_full_disk_in_the_stage_command(tmpfs, tmp_path, capsys):
    from mplt.run.profiles import DATA_DIR
    profile = tmp_path / "p.toml"
    profile.write_text(f'[select]\nsource = "dir"\npath = "{DATA_DIR / "smoke_corpus"}"\n')
    disk = tmpfs("12k")
    code, _, err = run_cli(capsys, "stage", "select", "--run-dir", disk / "run", "--config", profile, "--no-progress")
    assert code == 2 and f"{disk / 'run'}: cannot write (no space left on device)" in one_line(err)
    assert not list(disk.rglob("*.tmp"))            # the partial temp file is gone, its space freed


# --- silent successes and late failures ------------------------------------------------------------

def test_exec_on_a_directory(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exec", "--lang", "py", tmp_path)
    assert code == 2 and f"{tmp_path}: is a directory" in one_line(err)


def test_empty_corpus_fails_at_once(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    profile = tmp_path / "p.toml"
    profile.write_text(f'[select]\nsource = "dir"\npath = "{tmp_path / "corpus"}"\n')
    code, _, err = run_cli(capsys, "stage", "select", "--run-dir", tmp_path / "run", "--config", profile)
    assert code == 2 and "[select] kept nothing: no function passed the filters" in one_line(err)
    assert "(documents 0)" in err
    assert not (tmp_path / "run" / "select" / "summary.json").exists()     # not finished: a rerun redoes it


def test_missing_required_toolchain_stops_the_run_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MPLT_RKT", "/nonexistent/racket")
    code, _, err = run_cli(capsys, "run", "--profile", "smoke", "--run-dir", tmp_path / "run")
    assert code == 2 and "Racket toolchain not found (MPLT_RKT=/nonexistent/racket)" in one_line(err)
    assert "remove rkt from the profile" in err and not (tmp_path / "run").exists()


def test_missing_julia_is_dropped_not_fatal(tmp_path, monkeypatch):
    from mplt.langs import get_language
    from mplt.run.profiles import load_profile
    monkeypatch.setattr(type(get_language("jl")), "find_executable", lambda self: None)
    assert load_profile("smoke", tmp_path).dropped_langs == ("jl",)


def test_last_line_claims_only_what_ran():
    from mplt.commands.run import verdict_line
    partial = verdict_line("RUN", RunOutcome(0, {"select": {}, "testgen": {}}))
    assert "check passed" not in partial and "no check" in partial and "report:" not in partial
    failed = verdict_line("RUN", RunOutcome(2, {"select": {}}))
    assert "stopped by an error" in failed and "report:" not in failed
    full = verdict_line("RUN", RunOutcome(0, {"report": {"report": "RUN/report/report.md"}, "check": {"passed": True}}))
    assert "check passed" in full and full.endswith("report: RUN/report/report.md")


def test_kept_nothing_message():
    from mplt.pipeline.common import require_kept
    require_kept("dataset", 3, "unused")
    with pytest.raises(MpltError, match=r"^\[dataset\] kept nothing: why$"):
        require_kept("dataset", 0, "why")
