"""The HumanEval infilling benchmarks (mplt/benchmarks/humaneval_infilling.py) on a hand-made problem
written for these tests (never a benchmark problem): every body line of one function masked in turn,
in human-eval-infilling's record format. Scored by running prefix + middle + suffix + test +
check(entry_point) in the Python sandbox: the canonical middles pass (oracle), a wrong or empty
middle fails; `eval` runs the benchmark end to end with a tiny model that holds CodeGen2's sentinels."""
from __future__ import annotations

import gzip
import json

import pytest

from mplt.benchmarks import BenchmarkOptions, benchmarks, load_benchmark
from mplt.benchmarks.humaneval_infilling import FILES
from mplt.cli import main
from mplt.errors import MpltError
from mplt.evaluation import EvalConfig
from mplt.evaluation.layout import language_files
from mplt.evaluation.run import evaluate
from mplt.io import read_json, read_jsonl, write_jsonl

SOURCE = ('def clamp(x, lo, hi):\n    """Limit x to the range from lo to hi."""\n    if x < lo:\n        return lo\n'
          '    if x > hi:\n        return hi\n    return x\n')
TEST = "\n\ndef check(candidate):\n    assert candidate(5, 0, 3) == 3\n    assert candidate(-1, 0, 3) == 0\n" \
       "    assert candidate(2, 0, 3) == 2\n"
FIRST_BODY_LINE = 2   # the docstring stays in the prefix


def single_line_tasks() -> list[dict]:
    lines = SOURCE.splitlines(keepends=True)
    return [{"task_id": f"SingleLineInfilling/Clamp/0/L{i}", "entry_point": "clamp", "prompt": "".join(lines[:i]),
             "suffix": "".join(lines[i + 1:]), "canonical_solution": lines[i], "test": TEST}
            for i in range(FIRST_BODY_LINE, len(lines))]


def wrong_middle(line: str) -> str:
    return line[:len(line) - len(line.lstrip())] + "return None\n"


@pytest.fixture
def infilling_dir(tmp_path):
    root = tmp_path / "human-eval-infilling"
    root.mkdir()
    for name, (upstream, _, _) in FILES.items():
        with gzip.open(root / upstream.rsplit("/", 1)[-1], "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(t) + "\n" for t in single_line_tasks())
    return root


def test_every_infilling_benchmark_is_registered():
    assert {name for name, b in benchmarks().items() if b.task == "infill"} == set(FILES)


def test_records_rebuild_the_function_and_carry_the_check(infilling_dir):
    problems = load_benchmark("humaneval-infilling-single", "py", BenchmarkOptions(path=str(infilling_dir)))
    assert problems.revision == "local" and len(problems.sha256) == 64
    assert len(problems.records) == len(single_line_tasks())
    for record in problems.records:
        assert record["prompt"] + record["canonical_solution"] + record["suffix"] == SOURCE
        assert record["tests"].endswith("check(clamp)\n") and record["stop_tokens"] == []
        assert "/" not in record["name"]


def test_infilling_is_python_only(infilling_dir):
    with pytest.raises(MpltError, match="Python only"):
        load_benchmark("humaneval-infilling-multi", "lua", BenchmarkOptions(path=str(infilling_dir)))


def test_canonical_middles_pass_and_wrong_ones_fail(infilling_dir, tmp_path):
    problems = load_benchmark("humaneval-infilling-single", "py", BenchmarkOptions(path=str(infilling_dir)))
    out = tmp_path / "eval"
    files = language_files(out, "py")
    files.root.mkdir(parents=True)
    write_jsonl(files.problems, problems.records)
    middles = {r["name"]: [r["canonical_solution"], wrong_middle(r["canonical_solution"]), ""]
               for r in problems.records}
    write_jsonl(files.completions, [{**r, "id": r["name"], "completions": middles[r["name"]], "n": 3,
                                     "temperature": 0.2} for r in problems.records])
    summary = evaluate(EvalConfig(out=str(out), langs=("py",), mode="execute", workers=2), progress=False)
    results = {r["name"]: r for r in read_jsonl(files.results)}
    for name, result in results.items():
        statuses = [e["status"] for e in result["results"]]
        assert statuses[0] == "OK", (name, result["results"][0])
        assert statuses[1] != "OK" and statuses[2] != "OK", name
        assert result["c"] == 1
    assert summary["languages"]["py"]["pass@1"] == pytest.approx(1 / 3)
    program = next(e["program"] for e in read_jsonl(files.executions) if e["id"].endswith("/0"))
    record = next(r for r in problems.records if program.startswith(r["prompt"] + r["canonical_solution"]))
    assert program == record["prompt"] + record["canonical_solution"] + record["suffix"] + "\n" + record["tests"]


def test_eval_runs_the_benchmark_with_a_tiny_infill_model(tiny_codegen2_dir, infilling_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["eval", "--model", str(tiny_codegen2_dir), "--langs", "py", "--benchmark",
                 "humaneval-infilling-single", "--benchmark-path", str(infilling_dir), "--limit", "2", "--n", "2",
                 "--temperature", "0.8", "--max-new-tokens", "8", "--workers", "2", "--out", str(out),
                 "--no-progress"]) == 0
    records = list(read_jsonl(out / "py" / "completions.jsonl"))
    assert len(records) == 2 and all(len(r["completions"]) == 2 and "suffix" in r for r in records)
    assert not any(s in c for r in records for c in r["completions"] for s in ("<eom>", "<sep>", "<mask_1>"))
    summary = read_json(out / "py" / "summary.json")
    assert summary["benchmark"] == "humaneval-infilling-single" and summary["num_problems"] == 2


def test_eval_with_a_model_that_cannot_infill_is_one_line(tiny_model_dir, infilling_dir, tmp_path, capsys):
    assert main(["eval", "--model", str(tiny_model_dir), "--langs", "py", "--benchmark", "humaneval-infilling-single",
                 "--benchmark-path", str(infilling_dir), "--limit", "1", "--n", "1", "--temperature", "0",
                 "--out", str(tmp_path / "eval"), "--no-progress"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]   # after the model-loading bar
    assert "cannot infill" in last and "Traceback" not in last
