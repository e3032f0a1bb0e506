"""The smoke profile end to end, as `make reproduce` runs it on a machine without a GPU:
the report is written and the check passes; a run killed mid-way resumes to the same figures."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mplt.pipeline.common import STAGE_CONFIG

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start_run(run_dir: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "reproduce.py", "run", "--profile", "smoke", "--run-dir", str(run_dir),
                             "--no-progress", *extra], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 2400) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def figures(run_dir: Path) -> dict:
    data = json.loads((run_dir / "report" / "results.json").read_text())
    return {k: v for k, v in data["figures"].items() if not k.startswith("duration.")}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("smoke") / "run"
    code, out = finish(start_run(run_dir))
    assert code == 0, out[-6000:]
    return run_dir


def test_smoke_run_writes_the_report_and_passes_check(smoke_run):
    report = (smoke_run / "report" / "report.md").read_text()
    assert "machinery, not the method" in report
    check = json.loads((smoke_run / "report" / "check.json").read_text())
    assert check["passed"], [r for r in check["rows"] if r["verdict"] not in ("pass", "skip")]
    for name in ("config.json", "environment.json", "profile.toml", "logs/run.log", "logs/testgen.log",
                 "logs/tools.log"):
        assert (smoke_run / name).exists(), name
    environment = json.loads((smoke_run / "environment.json").read_text())
    assert environment["packages"]["torch"] and environment["seeds"]["run"] == 0
    assert any(t["language"] == "lua" and t["found"] for t in environment["toolchains"])
    for stage in ("model", "select", "testgen", "translate", "dataset", "finetune", "evaluate"):
        assert (smoke_run / stage / STAGE_CONFIG).exists(), stage    # one name in every stage directory
    summaries = {s: json.loads((smoke_run / s / "summary.json").read_text())
                 for s in ("select", "testgen", "translate", "dataset", "finetune", "evaluate")}
    assert summaries["testgen"]["assertions_passed"] < summaries["testgen"]["assertions_parsed"]
    # Evaluation sees passing and failing programs too: the memorised third of the mini benchmark.
    base = summaries["evaluate"]["pass@1"]["base"]
    assert base and all(0 < value < 1 for value in base.values()), base


def test_every_summary_follows_the_schema(smoke_run):
    from mplt.stages.seal import check_summary
    paths = sorted(smoke_run.glob("*/summary.json"))
    assert [p.parent.name for p in paths] == sorted(
        ("model", "select", "testgen", "translate", "dataset", "finetune", "evaluate"))
    for path in paths:
        check_summary(path.parent.name, json.loads(path.read_text()))


def test_rerun_of_a_finished_run_skips_every_stage(smoke_run):
    code, out = finish(start_run(smoke_run))
    assert code == 0, out[-4000:]
    assert out.count("finished earlier") == 7          # model ... evaluate; report and check rerun


def test_killed_run_resumes_to_the_same_figures(smoke_run, tmp_path):
    """Copy the finished run, drop its evaluation, kill the run while it evaluates, rerun."""
    run_dir = tmp_path / "run"
    shutil.copytree(smoke_run, run_dir)
    for stage in ("evaluate", "report"):
        shutil.rmtree(run_dir / stage)
    proc = start_run(run_dir)
    deadline = time.monotonic() + 1200
    partial = run_dir / "evaluate" / "finetuned"
    while not any(partial.glob("*/completions.jsonl")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert not (run_dir / "evaluate" / "summary.json").exists()
    code, out = finish(start_run(run_dir))
    assert code == 0, out[-6000:]
    assert figures(run_dir) == figures(smoke_run)
