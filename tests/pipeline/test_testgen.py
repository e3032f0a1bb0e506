"""Stage `testgen` with LLM-like fixture samples (hand-written; see fixtures/README.md): every
filter fires with a known count; a SIGKILLed run resumes to the same outputs; the real sampling
path runs with the tiny model."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mplt.config import config_from_dict
from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl, write_jsonl
from mplt.pipeline import testgen as stage
from tests.pipeline.conftest import FIXTURES, copy_stages

REPO = Path(__file__).resolve().parents[2]


def by_name(run_dir: Path) -> dict[str, dict]:
    return {r["name"]: r for r in read_jsonl(run_dir / "testgen" / "functions.jsonl")}


def test_funnel_counts(testgen_run):
    summary = read_json(testgen_run / "testgen" / "summary.json")
    assert summary["counts"] == {"functions_in": 8, "with_assertions": 7, "with_passing_test": 6,
                                 "with_coverage": 5, "typed": 4}
    assert summary["assertions_parsed"] == 25 and summary["assertions_passed"] == 20
    assert summary["assertion_statuses"] == {"Failure": 4, "OK": 20, "Timeout": 1}
    assert summary["assertions_rejected"] == {"keyword_arguments": 1, "no_arguments": 1,
                                              "not_equality": 1, "unparsable": 3}


def test_validated_functions(testgen_run):
    functions = by_name(testgen_run)
    assert sorted(functions) == ["add_digits", "collatz_steps", "hypotenuse", "run_length", "unique_chars"]
    add = functions["add_digits"]
    assert add["tests"] == ["assert add_digits(38) == 2", "assert add_digits(0) == 0",
                            "assert add_digits(9) == 9", "assert add_digits(123) == 6",
                            "assert add_digits(99) == 9", "assert add_digits(9999999999) == 9"]
    assert add["tests_failed"] == ['assert add_digits(123) == 7, "wrong on purpose"']
    assert add["coverage"] == 100
    assert add["types"] == {"params": {"n": "int"}, "return": "int"}
    # the infinite loop timed out and was recorded as failing
    assert functions["collatz_steps"]["tests_failed"] == ["assert collatz_steps(0) == 0"]
    assert functions["hypotenuse"]["types"] == {"params": {"a": "int", "b": "int"}, "return": "float"}
    assert functions["run_length"]["types"]["return"] == "List[Tuple[str, int]]"
    assert functions["unique_chars"]["types"] is None
    assert "set" in functions["unique_chars"]["types_reason"]


def test_coverage_excludes_the_assertions(testgen_run):
    results = {r["id"]: r for r in read_jsonl(testgen_run / "testgen" / "coverage_results.jsonl")}
    classify = next(r for r in read_jsonl(testgen_run / "select" / "functions.jsonl") if r["name"] == "classify")
    from mplt.pipeline.coverage import parse_coverage_output
    measured = parse_coverage_output(results[classify["id"]]["stdout"])
    # 2 of the 6 body statements run (`if x > 0`, `word = "positive"`, `return word` = 3 of 6)
    assert measured["statements"] == 6 and measured["coverage"] == 50


def _config_file(tmp_path: Path, **table) -> Path:
    lines = ["[testgen]"] + [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp_path / "profile.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_killed_run_resumes_without_duplicates(selected_run, testgen_run, tmp_path):
    run_dir = copy_stages(selected_run, tmp_path / "run", "select")
    config = _config_file(tmp_path, samples_file=str(FIXTURES / "testgen_samples.jsonl"), workers=1)
    results = run_dir / "testgen" / "assertion_results.jsonl"
    proc = subprocess.Popen([sys.executable, "reproduce.py", "stage", "testgen", "--run-dir", str(run_dir),
                             "--config", str(config), "--no-progress"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and results.read_text().count("\n") >= 5:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "testgen" / "summary.json").exists()
    written = results.read_text().count("\n")
    assert 5 <= written < 25

    stage.run_testgen(run_dir, stage.TestgenConfig(samples_file=str(FIXTURES / "testgen_samples.jsonl")), progress=False)
    ids = [r["id"] for r in read_jsonl(results)]
    assert len(ids) == len(set(ids)) == 25
    assert read_json(run_dir / "testgen" / "summary.json")["counts"] == \
        read_json(testgen_run / "testgen" / "summary.json")["counts"]
    assert list(read_jsonl(run_dir / "testgen" / "functions.jsonl")) == \
        list(read_jsonl(testgen_run / "testgen" / "functions.jsonl"))


def test_tiny_model_sampling_path(selected_run, tiny_model_dir, tmp_path):
    """The real path: the generation backend samples from the (random) tiny model. Its junk holds no
    usable test, so the stage keeps nothing and fails at once (docs/bad-input.md), keeping the samples."""
    run_dir = copy_stages(selected_run, tmp_path / "run", "select")
    functions = run_dir / "select" / "functions.jsonl"
    write_jsonl(functions, list(read_jsonl(functions))[:2])
    config = config_from_dict(stage.TestgenConfig, {"model": str(tiny_model_dir), "n": 2, "max_new_tokens": 16,
                                                    "batch_size": 4})
    with pytest.raises(MpltError, match=r"\[testgen\] kept nothing: no completion held a usable assertion "
                                        r"\(4 completions for 2 functions"):
        stage.run_testgen(run_dir, config, progress=False)
    samples = list(read_jsonl(run_dir / "testgen" / "samples.jsonl"))
    assert len(samples) == 2 and all(len(s["completions"]) == 2 for s in samples)
    assert not (run_dir / "testgen" / "summary.json").exists()      # not finished: a rerun redoes it
    assert (run_dir / "logs" / "testgen.log").exists()
    # A rehearsal allows it (its stand-in stage adds functions next): the stage finishes, empty.
    summary = stage.run_testgen(run_dir, dataclasses.replace(config, allow_empty=True), progress=False)
    assert summary["functions"] == 0 and summary["counts"]["with_assertions"] == 0
    assert list(read_jsonl(run_dir / "testgen" / "functions.jsonl")) == []
    assert "testgen kept nothing (allowed" in (run_dir / "logs" / "testgen.log").read_text()


def test_missing_select_output_is_a_one_line_error(tmp_path):
    out = subprocess.run([sys.executable, "reproduce.py", "stage", "testgen", "--run-dir", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].startswith("error: missing input")
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("toml, message", [
    ("[testgen]\nbogus = 1\n", "unknown setting(s) bogus"),
])
def test_bad_config_is_a_one_line_error(tmp_path, toml, message):
    (tmp_path / "p.toml").write_text(toml)
    out = subprocess.run([sys.executable, "reproduce.py", "stage", "testgen", "--run-dir", str(tmp_path),
                          "--config", str(tmp_path / "p.toml")], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
