"""The benchmark registry: MultiPL-E from the (monkeypatched) Hub or local files, our translated
HumanEval, the mini benchmark, and clear errors."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from mplt import benchmarks
from mplt.benchmarks import BENCHMARKS, BenchmarkOptions, load_benchmark, multipl_e
from mplt.errors import MpltError


def fake_record(name, language="lua"):
    """A hand-written MultiPL-E-shaped record (not a benchmark problem)."""
    return {"name": name, "language": language, "prompt": f"local function {name}()\n", "tests": "\n",
            "stop_tokens": ("\nlocal", "\n--"), "doctests": "transform", "original": "x.py",
            "prompt_terminology": "reworded"}


def test_multipl_e_from_hub_requests_the_pinned_revision(monkeypatch):
    import datasets
    calls = []

    def fake_load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return [fake_record(f"HumanEval_{i}_f", name.split("-")[1]) for i in range(3)]

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    problems = load_benchmark("multipl-e", "rkt", BenchmarkOptions(limit=2))
    assert calls == [("nuprl/MultiPL-E", "humaneval-rkt", {"split": "test",
                                                           "revision": "28441b6024e71d4a1c1c0f6bf171c935cd5a43f2"})]
    assert [r["name"] for r in problems.records] == ["HumanEval_0_f", "HumanEval_1_f"]
    assert problems.records[0]["stop_tokens"] == ["\nlocal", "\n--"]
    assert (problems.source, problems.revision) == ("nuprl/MultiPL-E", multipl_e.REVISION)
    for lang in ("lua", "ml", "r", "jl"):
        load_benchmark("multipl-e", lang)
    assert [c[1] for c in calls[1:]] == ["humaneval-lua", "humaneval-ml", "humaneval-r", "humaneval-jl"]


def test_multipl_e_hub_failure_is_a_clear_error(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach the Hub\nlong traceback text")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(MpltError, match="Couldn't reach the Hub; offline, pass a local copy with --multipl-e-path"):
        load_benchmark("multipl-e", "lua")
    with pytest.raises(MpltError, match="no HumanEval config for 'py'"):
        load_benchmark("multipl-e", "py")


def test_multipl_e_local_file_and_directory(tmp_path):
    mixed = tmp_path / "all.jsonl"
    mixed.write_text("".join(json.dumps(fake_record(f"p{i}", lang)) + "\n"
                             for i, lang in enumerate(["lua", "rkt", "lua"])))
    problems = load_benchmark("multipl-e", "lua", BenchmarkOptions(multipl_e_path=str(mixed)))
    assert [r["name"] for r in problems.records] == ["p0", "p2"] and problems.revision == "local"
    directory = tmp_path / "prompts"
    directory.mkdir()
    with gzip.open(directory / "rkt.jsonl.gz", "wt") as f:
        f.write(json.dumps(fake_record("q", "rkt")) + "\n")
    assert load_benchmark("multipl-e", "rkt", BenchmarkOptions(multipl_e_path=str(directory))).records[0]["name"] == "q"
    with pytest.raises(MpltError, match="no humaneval-ml.jsonl"):
        load_benchmark("multipl-e", "ml", BenchmarkOptions(multipl_e_path=str(directory)))
    with pytest.raises(MpltError, match="no records with language 'jl'"):
        load_benchmark("multipl-e", "jl", BenchmarkOptions(multipl_e_path=str(mixed)))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**fake_record("b"), "stop_tokens": "\n"}) + "\n")
    with pytest.raises(MpltError, match=r"bad.jsonl:1: MultiPL-E record .b. field stop_tokens: expected an array of strings"):
        load_benchmark("multipl-e", "lua", BenchmarkOptions(multipl_e_path=str(bad)))


def test_unknown_benchmark_lists_the_known_ones():
    with pytest.raises(MpltError, match=re.escape(f"unknown benchmark 'mbpp'; known: {', '.join(BENCHMARKS)}")):
        load_benchmark("mbpp", "lua")
    assert {"multipl-e", "humaneval", "mini", "paper-prompts"} <= set(BENCHMARKS)


def test_humaneval_translated_from_a_local_path(humaneval_path):
    problems = load_benchmark("humaneval", "lua", BenchmarkOptions(humaneval_path=str(humaneval_path), limit=5))
    assert 1 <= len(problems.records) <= 5 and len(problems.records) + len(problems.skipped) == 5
    record = problems.records[0]
    assert record["name"].startswith("HumanEval_0_") and record["language"] == "lua"
    assert {"prompt", "tests", "stop_tokens", "doctests", "prompt_terminology", "original"} <= set(record)
    assert problems.source == str(humaneval_path) and problems.revision == "local"


def test_mini_benchmark(monkeypatch, tmp_path):
    if not benchmarks.MINI_PATH.exists():
        pytest.skip("mplt/data/mini_humaneval.jsonl not written yet")
    problems = load_benchmark("mini", "rkt", BenchmarkOptions(limit=3))
    assert len(problems.records) + len(problems.skipped) == 3
    assert all(r["language"] == "rkt" for r in problems.records)
    monkeypatch.setattr(benchmarks, "MINI_PATH", tmp_path / "absent.jsonl")
    with pytest.raises(MpltError, match="mini benchmark file .* is missing"):
        load_benchmark("mini", "lua")
