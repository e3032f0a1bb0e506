"""Stages `translate` and `dataset` with LLM-like fixture translations (hand-written; see
fixtures/README.md): passing, failing, timing-out and syntax-error completions, a Racket failure
that exits 0, duplicates, a near-duplicate and a TODO, with known expected counts."""
from __future__ import annotations

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
from mplt.langs import get_language
from mplt.pipeline import dedup
from mplt.pipeline import translate as stage
from tests.pipeline.conftest import FIXTURES, copy_stages

HAS_JULIA = get_language("jl").find_executable() is not None


def test_translate_counts(translate_run):
    summary = read_json(translate_run / "translate" / "summary.json")["languages"]
    lua = summary["lua"]
    assert lua["translatable"] == 4 and lua["skipped"] == {"no translatable test": 1}   # a set result
    assert lua["statuses"] == {"Failure": 1, "OK": 6, "SyntaxError": 1, "Timeout": 1}
    assert lua["with_pass"] == 2
    # Racket: the wrong completion exits 0 but prints FAILURE: it must not count (docs/method.md, section 3.4)
    assert summary["rkt"]["statuses"] == {"Failure": 1, "OK": 1}
    for typed in ("ml", "jl"):
        if typed == "jl" and not HAS_JULIA:
            assert "not installed" in summary["jl"]["skipped_language"]
            continue
        assert summary[typed]["skipped"] == {"no inferred types": 1}
        assert summary[typed]["with_pass"] == 1
    assert summary["r"]["with_pass"] == 1
    skipped = list(read_jsonl(translate_run / "translate" / "ml" / "skipped.jsonl"))
    assert skipped[0]["reason"] == "no inferred types" and "set" in skipped[0]["detail"]


def test_translation_prompt_has_the_canonical_block(translate_run):
    problems = list(read_jsonl(translate_run / "translate" / "lua" / "problems.jsonl"))
    add = next(p for p in problems if p["entry_point"] == "add_digits")
    assert add["prompt"].startswith("-- ## Canonical Python Solution ##\n-- # while n >= 10:\n")
    assert add["prompt"].endswith("local function add_digits(n)\n")
    assert "candidate" in add["tests"]


def test_dataset_funnel_and_items(dataset_run):
    summary = read_json(dataset_run / "dataset" / "summary.json")["languages"]
    assert summary["lua"]["counts"] == {
        "functions_in": 8, "with_tests": 6, "with_coverage": 5, "translatable": 4, "with_pass": 2,
        "passing_programs": 6, "no_todo": 5, "unique": 4, "not_near_duplicate": 3, "items_out": 3}
    items = list(read_jsonl(dataset_run / "dataset" / "lua" / "train.jsonl"))
    assert [i["problem_id"].split("_")[0] for i in items] == ["add", "add", "hypotenuse"]
    for item in items:
        assert set(item) >= {"content", "problem_id", "language", "pass_rate"}
        assert "Canonical" not in item["content"] and "lu.assert" not in item["content"]
        assert "\n\n" not in item["content"]
    assert items[0]["pass_rate"] == pytest.approx(5 / 8)   # 5 of 8 completions pass
    import datasets
    hf = datasets.load_from_disk(str(dataset_run / "dataset" / "lua" / "hf"))
    assert hf["content"] == [i["content"] for i in items]
    for lang in ("rkt", "ml", "r"):
        assert summary[lang]["items"] == 1


@pytest.mark.parametrize("language, start", [
    ("rkt", "#lang racket\n;; Repeatedly add the digits"),
    ("ml", "(**\n * Repeatedly add the digits"),
    ("r", "# Repeatedly add the digits"),
    ("jl", '"""\nRepeatedly add the digits'),
])
def test_cleaning_keeps_docstring_signature_body(dataset_run, language, start):
    if language == "jl" and not HAS_JULIA:
        pytest.skip("Julia is not installed")
    item = next(read_jsonl(dataset_run / "dataset" / language / "train.jsonl"))
    assert item["content"].startswith(start)
    assert "## Canonical" not in item["content"] and "# while" not in item["content"]
    assert get_language(language).harness_marker.strip() not in item["content"]


def test_rouge_dedup_keeps_distinct_solutions():
    a = "local function f(xs)\n  local t = 0\n  for _, x in ipairs(xs) do t = t + x end\n  return t\nend\n"
    b = a.replace("t", "total") + "-- a comment that is ignored\n"
    c = "local function f(xs)\n  if #xs == 0 then return 0 end\n  return xs[1] + f({table.unpack(xs, 2)})\nend\n"
    assert dedup.rouge_dedup([a, b, c], "lua") == [a, c]
    assert dedup.rouge_dedup([a, b, c], "lua", threshold=1.0) == [a, b, c]


def test_unknown_language_is_an_error(testgen_run, tmp_path):
    with pytest.raises(MpltError, match="unknown language 'cobol'"):
        stage.run_translate(testgen_run, stage.TranslateConfig(languages=("lua", "cobol")), progress=False)
    with pytest.raises(MpltError, match="missing input"):
        stage.run_translate(tmp_path, stage.TranslateConfig(), progress=False)


def test_tiny_model_translation_path(testgen_run, tiny_model_dir, tmp_path):
    """The real path: the generation backend samples Lua from the (random) tiny model; junk fails,
    so the stage keeps nothing and says so at once (docs/bad-input.md), keeping the completions."""
    run_dir = copy_stages(testgen_run, tmp_path / "run", "select", "testgen")
    functions = run_dir / "testgen" / "functions.jsonl"
    write_jsonl(functions, list(read_jsonl(functions))[:1])
    config = config_from_dict(stage.TranslateConfig, {"languages": ["lua"], "model": str(tiny_model_dir), "n": 2,
                                                      "max_new_tokens": 16, "timeout_s": 10.0})
    with pytest.raises(MpltError, match=r"\[translate\] kept nothing: .*in any language \(lua 0/1\)"):
        stage.run_translate(run_dir, config, progress=False)
    assert len(list(read_jsonl(run_dir / "translate" / "lua" / "results.jsonl"))) == 2
    completions = list(read_jsonl(run_dir / "translate" / "lua" / "completions.jsonl"))
    assert len(completions) == 1 and len(completions[0]["completions"]) == 2


def test_build_translation_prompts_matches_the_stage(translate_run):
    function = next(f for f in read_jsonl(translate_run / "testgen" / "functions.jsonl")
                    if f["name"] == "unique_chars")
    assert stage.build_translation_prompts(function, ["ml", "jl"]) == {}   # no types
    add = next(f for f in read_jsonl(translate_run / "testgen" / "functions.jsonl") if f["name"] == "add_digits")
    prompts = stage.build_translation_prompts(add, ["lua"])
    problem = next(p for p in read_jsonl(translate_run / "translate" / "lua" / "problems.jsonl")
                   if p["entry_point"] == "add_digits")
    assert prompts == {"lua": problem["prompt"]}


@pytest.mark.slow
def test_killed_translate_resumes_without_duplicates(translate_run, tmp_path):
    """SIGKILL `reproduce.py stage translate` after some results are written, rerun, compare (the
    fast subset's killed-and-resumed stage is testgen's, tests/pipeline/test_testgen.py)."""
    repo = Path(__file__).resolve().parents[2]
    run_dir = copy_stages(translate_run, tmp_path / "run", "select", "testgen")
    profile = tmp_path / "p.toml"
    profile.write_text("[translate]\nlanguages = [\"lua\"]\nworkers = 1\ntimeout_s = 10.0\n"
                       f"samples_file = {json.dumps(str(FIXTURES / 'translate_samples.jsonl'))}\n")
    results = run_dir / "translate" / "lua" / "results.jsonl"
    proc = subprocess.Popen([sys.executable, "reproduce.py", "stage", "translate", "--run-dir", str(run_dir),
                             "--config", str(profile), "--no-progress"], cwd=repo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (results.exists() and results.read_text().count("\n") >= 3):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "translate" / "summary.json").exists()
    assert 3 <= results.read_text().count("\n") < 9
    stage.run_translate(run_dir, stage.TranslateConfig(
        languages=("lua",), timeout_s=10.0, samples_file=str(FIXTURES / "translate_samples.jsonl")), progress=False)
    ids = [r["id"] for r in read_jsonl(results)]
    assert len(ids) == len(set(ids)) == 9
    assert list(read_jsonl(run_dir / "translate" / "lua" / "outcomes.jsonl")) == \
        list(read_jsonl(translate_run / "translate" / "lua" / "outcomes.jsonl"))


def test_missing_toolchain_skips_the_language_with_a_reason(testgen_run, tmp_path, monkeypatch):
    run_dir = copy_stages(testgen_run, tmp_path / "run", "select", "testgen")
    monkeypatch.setattr(type(get_language("jl")), "find_executable", lambda self: None)
    with pytest.raises(MpltError, match=r"kept nothing: .*\(jl Julia toolchain not installed\)"):
        stage.run_translate(run_dir, stage.TranslateConfig(languages=("jl",), samples_file=str(
            FIXTURES / "translate_samples.jsonl")), progress=False)
    # 3 CPU seconds: ample for Lua, and the fixture's looping completion does not hold the test for 10.
    summary = stage.run_translate(run_dir, stage.TranslateConfig(languages=("lua", "jl"), timeout_s=3.0,
                                                                 samples_file=str(FIXTURES / "translate_samples.jsonl")),
                                  progress=False)
    assert summary["languages"]["jl"]["skipped_language"] == "Julia toolchain not installed"
    assert summary["languages"]["jl"]["with_pass"] == 0
    from mplt.pipeline.dataset import DatasetConfig, run_dataset
    data = run_dataset(run_dir, DatasetConfig(), progress=False)["languages"]["jl"]
    assert data["items"] == 0 and data["skipped_language"] == "Julia toolchain not installed"
