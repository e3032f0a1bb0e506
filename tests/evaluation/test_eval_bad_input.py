"""`eval` on bad input found by a drill of verdict integrity: non-positive or non-finite timeouts, a
rerun with other limits over recorded verdicts, `--langs ""`, greedy decoding with n > 1, and two runs on
one --out at once. Each is one `error:` line (or one `warning:` line), exit 2, and nothing already
written is changed (docs/bad-input.md). Completions are written by hand: execution needs no model."""
from __future__ import annotations

import json
import os
import subprocess
import time
import sys
from pathlib import Path

import pytest

from mplt.cli import main
from mplt.io import read_json, read_jsonl

from tests.evaluation.conftest import lua_record

REPO = Path(__file__).resolve().parents[2]


def saved_run(out: Path, programs: int = 2, body: str = "") -> Path:
    """OUT/lua/completions.jsonl as a generating run leaves it, `programs` completions per problem;
    `body` goes on a line of its own before each completion (the prompt ends inside a comment)."""
    records = []
    for name, op in (("add_good", "+"), ("add_bad", "-")):
        record = lua_record(name, op)
        if body:
            record["prompt"] = record["prompt"].replace("-- note:", body + "\n-- note:")
        records.append({**record, "completions": [f" {i}" for i in range(programs)], "temperature": 0.8,
                        "top_p": 0.95, "max_new_tokens": 8, "n": programs, "id": name})
    (out / "lua").mkdir(parents=True)
    (out / "lua" / "completions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return out


def execute_only(out, *extra) -> list[str]:
    return ["eval", "--langs", "lua", "--out", str(out), "--execute-only", "--workers", "2", "--no-progress", *extra]


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "-3", "0"])
def test_timeout_must_be_positive_and_finite_before_anything_runs(tmp_path, capsys, value):
    out = saved_run(tmp_path / "o")
    assert main(execute_only(out, "--timeout", value)) == 2
    err = capsys.readouterr().err
    assert f"eval --timeout must be positive and finite (seconds), got {float(value)!r}" in one_line(err)
    assert not (out / "lua" / "executions.jsonl").exists() and not (out / "summary.json").exists()


def test_a_rerun_with_other_limits_is_refused_and_keeps_the_verdicts(tmp_path, capsys):
    out = saved_run(tmp_path / "o")
    executions = out / "lua" / "executions.jsonl"
    assert main(execute_only(out, "--timeout", "20")) == 0
    capsys.readouterr()
    recorded = executions.read_bytes()
    rows = list(read_jsonl(executions))
    assert len(rows) == 4 and all(r["limits"]["timeout_s"] == 20.0 for r in rows)
    summary = read_json(out / "summary.json")

    for flags, shown in ((["--timeout", "7"], "timeout_s=20.0, not timeout_s=7.0"),
                         ([], "timeout_s=20.0, not timeout_s=None")):
        assert main(execute_only(out, *flags)) == 2
        err = one_line(capsys.readouterr().err)
        assert f"{executions} holds verdicts made with {shown}" in err
        assert "or remove that file" in err
        assert executions.read_bytes() == recorded and read_json(out / "summary.json") == summary

    assert main(execute_only(out, "--timeout", "20")) == 0     # the same limits resume: nothing runs again
    assert executions.read_bytes() == recorded
    executions.unlink()                                          # what the message offers: run anew
    assert main(execute_only(out, "--timeout", "7")) == 0
    assert {r["limits"]["timeout_s"] for r in read_jsonl(executions)} == {7.0}


def test_results_recorded_without_limits_are_not_trusted(tmp_path, capsys):
    out = saved_run(tmp_path / "o")
    assert main(execute_only(out)) == 0
    executions = out / "lua" / "executions.jsonl"
    rows = [{k: v for k, v in r.items() if k != "limits"} for r in read_jsonl(executions)]
    executions.write_text("".join(json.dumps(r) + "\n" for r in rows))    # as an older mplt wrote them
    capsys.readouterr()
    assert main(execute_only(out)) == 2
    assert f"{executions} holds verdicts with no recorded limits (an older mplt)" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("langs", ["", " ", ","])
def test_empty_langs_is_not_all_languages(tmp_path, capsys, langs):
    out = saved_run(tmp_path / "o")
    assert main(["eval", "--langs", langs, "--out", str(out), "--execute-only", "--no-progress"]) == 2
    assert f"--langs {langs!r} names no language; give e.g. lua,rkt or all" in one_line(capsys.readouterr().err)
    assert not (out / "lua" / "executions.jsonl").exists()


def test_greedy_decoding_with_several_samples_warns_once(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    base = ["eval", "--model", str(tiny_model_dir), "--langs", "lua,py", "--benchmark", "multipl-e",
            "--benchmark-path", str(multipl_e_dir), "--max-new-tokens", "2", "--no-progress", "--generate-only"]
    assert main([*base, "--temperature", "0", "--n", "3", "--out", str(tmp_path / "a")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: eval --temperature 0 is greedy decoding: the 3 samples of each problem will be "
                        "identical (pass@k = pass@1); use --n 1, or a temperature above 0 for distinct samples"]
    for record in read_jsonl(tmp_path / "a" / "lua" / "completions.jsonl"):
        assert len(set(record["completions"])) == 1 and len(record["completions"]) == 3
    assert main([*base, "--temperature", "0", "--n", "1", "--out", str(tmp_path / "b")]) == 0
    assert "warning:" not in capsys.readouterr().err


@pytest.mark.slow
def test_two_runs_on_one_out_directory_the_second_is_refused(tmp_path):
    """Two real `eval --execute-only` processes on one --out: before the lock, both executed and
    appended (more result lines than ids); now the second refuses in one line and the first's
    results are whole (slow: two processes; the lock's fast check is tests/run/test_command_bad_input.py)."""
    slow = "local t = os.clock() while os.clock() - t < 0.5 do end"
    out = saved_run(tmp_path / "o", programs=5, body=slow)
    executions = out / "lua" / "executions.jsonl"
    command = [sys.executable, "reproduce.py", *execute_only(out, "--workers", "1", "--timeout", "20")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (executions.exists() and executions.read_text()):    # the first is executing
            assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
            time.sleep(0.05)
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=120)
        assert first.poll() is None       # the first still runs: the refusal was not a late check
    finally:
        first_err = first.communicate(timeout=300)[1]
    assert second.returncode == 2, second.stderr
    assert f"{out} is in use by another mplt command (eval, pid {first.pid}); wait for it to finish or use " \
           "another --out" in one_line(second.stderr)
    assert first.returncode == 0, first_err
    ids = [r["id"] for r in read_jsonl(executions)]
    assert len(ids) == len(set(ids)) == 10
