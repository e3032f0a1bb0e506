"""The `eval` command end to end with the tiny model on a hand-written two-problem benchmark."""
from __future__ import annotations

import json

import pytest

from mplt.cli import main
from mplt.generation import SamplingConfig
from mplt.io import read_json, read_jsonl


def eval_args(tiny_model_dir, multipl_e_dir, out, *extra):
    return ["eval", "--model", str(tiny_model_dir), "--langs", "lua,py", "--benchmark", "multipl-e",
            "--benchmark-path", str(multipl_e_dir), "--n", "2", "--temperature", "0.8", "--max-new-tokens", "8",
            "--batch-size", "3", "--seed", "1", "--workers", "2", "--out", str(out), "--no-progress", *extra]


def test_generate_only_then_execute_only(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    # An interrupted generation: only the first problem, then the full run resumes it.
    assert main(eval_args(tiny_model_dir, multipl_e_dir, out, "--generate-only", "--limit", "1")) == 0
    first = list(read_jsonl(out / "lua" / "completions.jsonl"))
    assert main(eval_args(tiny_model_dir, multipl_e_dir, out, "--generate-only")) == 0
    for lang in ("lua", "py"):
        records = list(read_jsonl(out / lang / "completions.jsonl"))
        assert [r["name"] for r in records] == ["add_good", "add_bad"]
        for r in records:
            assert len(r["completions"]) == 2 and all("\n" not in c for c in r["completions"])
            assert {"name", "language", "prompt", "tests", "stop_tokens", "completions", "temperature", "top_p",
                    "max_tokens"} <= set(r)
            assert r["max_tokens"] == 8 and r["temperature"] == 0.8
        assert not (out / lang / "executions.jsonl").exists()
    assert list(read_jsonl(out / "lua" / "completions.jsonl"))[0] == first[0]
    assert read_json(out / "config.json")["mode"] == "generate"

    # Execution needs no model.
    assert main(["eval", "--langs", "lua,py", "--out", str(out), "--execute-only", "--workers", "2",
                 "--no-progress"]) == 0
    table = capsys.readouterr().out
    assert "pass@1" in table and "50.00" in table
    overall = read_json(out / "summary.json")
    for lang in ("lua", "py"):
        summary = overall["languages"][lang]
        assert summary["pass@1"] == 0.5 and "pass@10" not in summary
        assert summary["num_problems"] == 2 and summary["min_completions"] == summary["max_completions"] == 2
        assert summary["benchmark"] == "multipl-e" and summary["dataset_revision"] == "local"
        assert summary["model"] == str(tiny_model_dir) and summary["temperature"] == 0.8
        assert read_json(out / lang / "summary.json") == summary
        results = {r["name"]: r for r in read_jsonl(out / lang / "results.jsonl")}
        assert (results["add_good"]["c"], results["add_bad"]["c"]) == (2, 0)
        for r in results["add_good"]["results"]:
            assert r["status"] == "OK" and r["exit_code"] == 0 and r["program"].endswith(r["program"][-20:])
        assert all(r["status"] != "OK" for r in results["add_bad"]["results"])
        executions = list(read_jsonl(out / lang / "executions.jsonl"))
        assert sorted(e["id"] for e in executions) == ["add_bad/0", "add_bad/1", "add_good/0", "add_good/1"]
        record = next(r for r in read_jsonl(out / lang / "completions.jsonl") if r["name"] == "add_good")
        program = next(e["program"] for e in executions if e["id"] == "add_good/1")
        assert program == record["prompt"] + record["completions"][1] + "\n" + record["tests"]

    # Rerunning resumes: nothing is executed twice and the summary is unchanged.
    # Without --langs, --execute-only takes the saved run's languages.
    assert main(["eval", "--out", str(out), "--execute-only", "--no-progress"]) == 0
    assert len(list(read_jsonl(out / "lua" / "executions.jsonl"))) == 4
    assert read_json(out / "summary.json") == overall


def test_evaluate_function_all_in_one(tiny_model_dir, multipl_e_dir, tmp_path):
    from mplt.evaluation import EvalConfig, evaluate
    config = EvalConfig(model=str(tiny_model_dir), out=str(tmp_path / "e"), langs=("py",), benchmark="multipl-e",
                        benchmark_path=str(multipl_e_dir), sampling=SamplingConfig(n=1, temperature=0.0, max_new_tokens=4),
                        workers=1)
    summary = evaluate(config, progress=False)
    assert summary["languages"]["py"]["pass@1"] == 0.5
    saved = read_json(tmp_path / "e" / "config.json")
    assert saved["temperature"] == 0.0 and saved["langs"] == ["py"]


@pytest.mark.parametrize("argv, message", [
    (["--langs", "cobol"], "unknown language"),
    (["--benchmark", "nope"], "unknown benchmark"),
    (["--model", "/no/such/model/dir"], "does not exist"),
    (["--model", ""], "model is required"),
    (["--n", "0"], "n must be >= 1"),
])
def test_bad_input_is_one_line_error(tiny_model_dir, multipl_e_dir, tmp_path, capsys, argv, message):
    args = eval_args(tiny_model_dir, multipl_e_dir, tmp_path / "o", "--generate-only")
    for flag, value in zip(argv[::2], argv[1::2]):
        args[args.index(flag) + 1] = value
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and len(err.splitlines()) == 1


def test_execute_only_without_completions_is_an_error(tmp_path, capsys):
    assert main(["eval", "--langs", "lua", "--out", str(tmp_path), "--execute-only", "--no-progress"]) == 2
    assert "no saved completions" in capsys.readouterr().err


def test_malformed_benchmark_file_is_an_error(tiny_model_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "humaneval-lua.jsonl").write_text(json.dumps({"name": "x", "language": "lua"}) + "\n")
    args = eval_args(tiny_model_dir, bad, tmp_path / "o", "--generate-only")
    args[args.index("lua,py")] = "lua"
    assert main(args) == 2
    assert "humaneval-lua.jsonl:1: MultiPL-E record 'x' lacks field(s) prompt, tests, stop_tokens" in capsys.readouterr().err


def test_resume_with_another_model_is_refused(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(eval_args(tiny_model_dir, multipl_e_dir, out, "--generate-only", "--limit", "1")) == 0
    args = eval_args(tiny_model_dir, multipl_e_dir, out, "--generate-only", "--revision", "other")
    assert main(args) == 2
    assert "different revision" in capsys.readouterr().err


def test_eval_on_the_mini_benchmark_translated_to_lua(tiny_model_dir, tmp_path, capsys):
    from mplt.benchmarks import mini
    if not mini.MINI_PATH.exists():
        pytest.skip("mplt/data/mini_humaneval.jsonl not written yet")
    out = tmp_path / "mini"
    assert main(["eval", "--model", str(tiny_model_dir), "--langs", "lua", "--benchmark", "mini", "--limit", "2",
                 "--n", "1", "--temperature", "0", "--max-new-tokens", "4", "--out", str(out), "--no-progress"]) == 0
    summary = read_json(out / "lua" / "summary.json")
    assert summary["num_problems"] == 2 and summary["benchmark"] == "mini" and 0.0 <= summary["pass@1"] <= 1.0
    problems = list(read_jsonl(out / "lua" / "problems.jsonl"))
    assert all(p["prompt"].rstrip().endswith(")") and "lu.assertEquals" in p["tests"] for p in problems)


def test_early_exit_is_a_failure_and_counted(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    """A completion that exits with status 0 before the tests run fails (MultiPL-E counts it as a
    pass: docs/deviations.md) and is counted in the language summary."""
    out = tmp_path / "eval"
    args = ["eval", "--model", str(tiny_model_dir), "--langs", "py", "--benchmark", "multipl-e",
            "--benchmark-path", str(multipl_e_dir), "--n", "2", "--temperature", "0.8", "--max-new-tokens", "4",
            "--seed", "1", "--out", str(out), "--no-progress"]
    assert main([*args, "--generate-only"]) == 0
    path = out / "py" / "completions.jsonl"
    records = list(read_jsonl(path))
    for record in records:
        if record["name"] == "add_good":
            record["completions"] = [" fine", " then\nimport sys; sys.exit(0)"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["eval", "--out", str(out), "--execute-only", "--no-progress"]) == 0
    summary = read_json(out / "py" / "summary.json")
    assert summary["early_exits"] == 1 and summary["pass@1"] == 0.25
    assert summary["statuses"] == {"Failure": 3, "OK": 1}
    early = next(e for e in read_jsonl(out / "py" / "executions.jsonl") if e["id"] == "add_good/1")
    assert (early["status"], early["exit_code"]) == ("Failure", 0) and "early exit" in early["reason"]


def test_backend_auto_names_the_engine_and_records_it(tiny_model_dir, multipl_e_dir, tmp_path, capsys):
    """`eval --backend auto` on this CPU machine: HF, said in one line; the records and config.json name
    `hf`, not "auto" (docs/generation.md)."""
    import torch
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present: auto may pick vLLM")
    out = tmp_path / "eval"
    assert main(eval_args(tiny_model_dir, multipl_e_dir, out, "--generate-only", "--limit", "1", "--backend", "auto")) == 0
    assert "backend 'hf', from \"auto\": no CUDA GPU" in " ".join(capsys.readouterr().err.split())
    assert {r["backend"] for r in read_jsonl(out / "lua" / "completions.jsonl")} == {"hf"}
    config = read_json(out / "config.json")
    assert config.get("backend", config.get("sampling", {}).get("backend")) == "hf"
