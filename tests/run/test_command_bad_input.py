"""Bad input found by a drill of verdict integrity on `translate`, `run`, `stage` and `finetune`: an
output file that is a directory, an empty language list, a run directory another command is writing, and
timeouts in a profile. One `error:` line, exit 2, before any work (docs/bad-input.md)."""
from __future__ import annotations

import json

import pytest

from mplt.errors import MpltError
from mplt.run.lock import LOCK_NAME, directory_lock
from tests.cli_errors import one_line, run_cli

HUMANEVAL_LIKE = {"task_id": "Fake/0", "prompt": 'def f(x: int) -> int:\n    """Add one to the number x given."""\n',
                  "canonical_solution": "    return x + 1\n",
                  "test": "def check(candidate):\n    assert candidate(1) == 2\n", "entry_point": "f"}


@pytest.fixture
def humaneval_file(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(HUMANEVAL_LIKE) + "\n")
    return path


def test_translate_out_naming_a_directory_is_refused_before_translating(humaneval_file, tmp_path, capsys,
                                                                         monkeypatch):
    calls = []
    monkeypatch.setattr("mplt.benchmarks.humaneval.load_problems", lambda *a: calls.append(a) or [])
    out = tmp_path / "existing"
    out.mkdir()
    code, _, err = run_cli(capsys, "translate", "--humaneval-path", humaneval_file, "--lang", "lua", "--out", out)
    assert code == 2 and f"{out}: is a directory; --out names the JSONL file to write" in one_line(err)
    assert calls == [] and list(out.iterdir()) == []


def test_translate_still_writes_a_file(humaneval_file, tmp_path, capsys):
    code, _, _ = run_cli(capsys, "translate", "--humaneval-path", humaneval_file, "--lang", "lua",
                         "--out", tmp_path / "new" / "o.jsonl")
    assert code == 0 and (tmp_path / "new" / "o.jsonl").read_text().count("\n") == 1


@pytest.mark.parametrize("argv,message", [
    (["translate", "--humaneval-path", "{h}", "--lang", "", "--out", "{tmp}/o.jsonl"],
     "--lang '' names no language; give e.g. lua,rkt or all"),
    (["translate", "--humaneval-path", "{h}", "--lang", ",", "--out", "{tmp}/o.jsonl"],
     "--lang ',' names no language; give e.g. lua,rkt or all"),
    (["run", "--profile", "smoke", "--rehearse", "--langs", "", "--run-dir", "{tmp}/run"],
     "--langs '' names no language; give e.g. lua,rkt"),
    (["run", "--profile", "smoke", "--langs", "", "--run-dir", "{tmp}/run"], "--langs goes with --rehearse"),
    (["finetune", "--model", "m", "--data", "{tmp}", "--langs", "", "--out", "{tmp}/ft"],
     "--langs '' names no language; give e.g. lua rkt"),
])
def test_an_empty_language_list_is_not_all_languages(humaneval_file, tmp_path, capsys, argv, message):
    code, _, err = run_cli(capsys, *[a.format(h=humaneval_file, tmp=tmp_path) for a in argv])
    assert code == 2 and message in one_line(err)
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "run").exists() and not (tmp_path / "ft").exists()


def test_lock_is_exclusive_and_released(tmp_path):
    with directory_lock(tmp_path, "run", "--run-dir"):
        assert (tmp_path / LOCK_NAME).read_text().startswith("run, pid ")
        with pytest.raises(MpltError, match=rf"^{tmp_path} is in use by another mplt command \(run, pid \d+\); "
                                            "wait for it to finish or use another --run-dir$"):
            with directory_lock(tmp_path, "stage", "--run-dir"):
                pass
    with directory_lock(tmp_path, "stage", "--run-dir"):      # released when the block ends
        pass


def test_run_and_stage_refuse_a_run_directory_in_use(tmp_path, capsys):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with directory_lock(run_dir, "run", "--run-dir"):
        code, _, err = run_cli(capsys, "stage", "select", "--run-dir", run_dir)
        assert code == 2 and f"{run_dir} is in use by another mplt command (run, pid " in one_line(err)
        code, _, err = run_cli(capsys, "run", "--profile", "smoke", "--run-dir", run_dir, "--no-progress")
        assert code == 2 and f"{run_dir} is in use by another mplt command (run, pid " in one_line(err)
        code, _, err = run_cli(capsys, "finetune", "--model", "m", "--data", tmp_path, "--out", run_dir)
        assert code == 2 and f"{run_dir} is in use by another mplt command (run, pid " in one_line(err)
    assert sorted(p.name for p in run_dir.iterdir()) == [LOCK_NAME]     # nothing was written


@pytest.mark.parametrize("table,message", [
    ("[testgen]\ntest_timeout_s = nan\n", "test_timeout_s must be positive and finite (seconds), got nan"),
    ("[testgen]\ncoverage_timeout_s = -1.0\n", "coverage_timeout_s must be positive and finite (seconds)"),
    ("[translate]\ntimeout_s = inf\n", "timeout_s must be positive and finite (seconds), got inf"),
    ("[evaluate]\nbase_model = \"m\"\ntimeout_s = 0.0\n", "timeout_s must be positive and finite (seconds)"),
])
def test_profile_timeouts_are_checked_before_the_stage_runs(tmp_path, capsys, table, message):
    profile = tmp_path / "p.toml"
    profile.write_text(table)
    stage = table.split("]")[0][1:]
    code, _, err = run_cli(capsys, "stage", stage, "--run-dir", tmp_path / "run", "--config", profile)
    assert code == 2 and message in one_line(err)
