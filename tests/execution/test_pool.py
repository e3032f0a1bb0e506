"""execute_all: job order, extra fields, content-hash cache, streaming and resume."""
from __future__ import annotations

import json

import pytest

from mplt.errors import MpltError
from mplt.execution import pool
from mplt.execution.limits import Limits
from mplt.langs.status import FAILURE, OK
from mplt.io import read_jsonl

from .counting import count_cold_runs

LIMITS = Limits(timeout_s=20)


def lua(i: int) -> str:
    return f"assert({i} % 2 == 0)\n"


@pytest.fixture
def counted(monkeypatch):
    """Counts real sandbox runs made by the pool (cold runs: warm workers are tests/execution/test_warm.py's)."""
    with pool.execution_setting("cold"):
        yield count_cold_runs(monkeypatch)


def test_results_in_job_order_with_extra_fields(tmp_path, counted):
    jobs = [{"id": f"j{i}", "language": "lua", "program": lua(i), "problem": i} for i in range(6)]
    results = pool.execute_all(jobs, tmp_path / "out.jsonl", workers=2, limits=LIMITS, progress=False)
    assert [r["id"] for r in results] == [j["id"] for j in jobs]
    assert [r["status"] for r in results] == [OK, FAILURE] * 3
    for r, j in zip(results, jobs):
        assert r["problem"] == j["problem"] and r["program"] == j["program"]
        for field in pool.RESULT_FIELDS + ("timestamp",):
            assert field in r
    on_disk = list(read_jsonl(tmp_path / "out.jsonl"))
    assert sorted(r["id"] for r in on_disk) == sorted(j["id"] for j in jobs)
    assert len(counted) == 6


def test_identical_programs_run_once(counted):
    jobs = [{"id": i, "language": "lua", "program": lua(0)}
            for i in range(5)]
    results = pool.execute_all(jobs, workers=2, limits=LIMITS, progress=False)
    assert len(counted) == 1
    assert {r["status"] for r in results} == {OK}
    assert [r["id"] for r in results] == list(range(5))


def test_same_program_in_another_language_or_limits_is_not_shared(counted):
    jobs = [{"id": "a", "language": "lua", "program": "print(1)\n"},
            {"id": "b", "language": "py", "program": "print(1)\n"}]
    pool.execute_all(jobs, workers=2, limits=LIMITS, progress=False)
    pool.execute_all([{"id": "c", "language": "lua", "program": "print(1)\n"}], workers=1,
                     limits=Limits(timeout_s=21), progress=False)
    assert len(counted) == 3


def test_resume_skips_recorded_ids_and_tolerates_a_torn_line(tmp_path, counted):
    out = tmp_path / "out.jsonl"
    jobs = [{"id": f"j{i}", "language": "lua", "program": lua(i) + f"-- {i}\n"} for i in range(4)]
    pool.execute_all(jobs[:2], out, workers=2, limits=LIMITS, progress=False)
    with open(out, "a") as f:
        f.write(json.dumps({"id": "j2", "language": "lua"})[:15])  # a writer killed mid-line
    counted.clear()
    results = pool.execute_all(jobs, out, workers=2, limits=LIMITS, progress=False)
    assert len(counted) == 2  # j2 and j3 only
    assert [r["id"] for r in results] == ["j0", "j1", "j2", "j3"]
    rows = list(read_jsonl(out))
    assert sorted(r["id"] for r in rows) == ["j0", "j1", "j2", "j3"]
    counted.clear()
    pool.execute_all(jobs, out, workers=2, limits=LIMITS, progress=False)
    assert counted == []


def test_recorded_verdicts_are_reused_for_identical_programs(tmp_path, counted):
    out = tmp_path / "out.jsonl"
    pool.execute_all([{"id": "old", "language": "lua", "program": lua(1)}], out, limits=LIMITS, progress=False)
    counted.clear()
    [result] = pool.execute_all([{"id": "new", "language": "lua", "program": lua(1)}], out,
                                limits=LIMITS, progress=False)
    assert counted == [] and result["id"] == "new" and result["status"] == FAILURE


def test_duplicate_ids_are_an_error():
    jobs = [{"id": 1, "language": "lua", "program": "x"}, {"id": 1, "language": "lua", "program": "y"}]
    with pytest.raises(MpltError, match="duplicate job id 1"):
        pool.execute_all(jobs, progress=False)


@pytest.mark.parametrize("job,message", [
    ({"language": "lua", "program": "x"}, "missing field"),
    ({"id": 1, "language": "cobol", "program": "x"}, "known: py"),
    ({"id": [1], "language": "lua", "program": "x"}, "id must be"),
    ({"id": 1, "language": "lua", "program": b"x"}, "must be a string"),
])
def test_bad_jobs_are_clear_errors(job, message):
    with pytest.raises(MpltError, match=message):
        pool.execute_all([job], progress=False)


def test_progress_bar_runs(capsys):
    results = pool.execute_all([{"id": 1, "language": "lua", "program": "print(1)\n"}],
                               limits=LIMITS, progress=True, description="testing")
    assert results[0]["status"] == OK
    captured = capsys.readouterr()   # rich's global console, shared with `run`'s live view
    assert "testing" in captured.out + captured.err


def test_unserializable_job_fails_before_running(tmp_path, counted):
    jobs = [{"id": 1, "language": "lua", "program": "print(1)\n", "extra": object()}]
    with pytest.raises(MpltError, match="cannot be written as JSON"):
        pool.execute_all(jobs, tmp_path / "out.jsonl", progress=False)
    assert counted == []


def test_unwritable_output_is_a_clear_error(tmp_path):
    with pytest.raises(MpltError, match="cannot write results"):
        pool.execute_all([{"id": 1, "language": "lua", "program": "print(1)\n"}], tmp_path / "out.jsonl.gz",
                         progress=False)
