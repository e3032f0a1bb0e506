"""MultiPL-E's MBPP (`mbpp`), the benchmark added as one module: it loads through the one path option,
is labelled `mbpp` in records, summaries, the report and the plot, and is never compared with the
published HumanEval figures. The records are MBPP-shaped ones we wrote (tests/evaluation/conftest.py),
in a temporary directory: no MBPP problem is in the repository."""
from __future__ import annotations

import json

import pytest

from mplt.benchmarks import BenchmarkOptions, get_benchmark, load_benchmark
from mplt.benchmarks.contract import DEFAULT_BENCHMARK
from mplt.cli import main
from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl, write_json
from mplt.results.plots import benchmark_names
from mplt.results.published import BASE_1B
from tests.evaluation.conftest import lua_record

MBPP = get_benchmark("mbpp")


@pytest.fixture
def mbpp_dir(tmp_path):
    """Our two Lua problems under MBPP's names, in the layout of MultiPL-E's prompts/ folder."""
    root = tmp_path / "mbpp-copy"
    root.mkdir()
    records = [{**lua_record(f"mbpp_{i}_{name}", op), "name": f"mbpp_{i}_{name}"}
               for i, (name, op) in enumerate((("add_good", "+"), ("add_bad", "-")), start=2)]
    (root / MBPP.source.config_for("lua")).with_suffix(".jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records))
    return root


def test_mbpp_is_declared_as_its_own_family():
    assert MBPP.comparable_with is None and MBPP.task == "complete"
    assert MBPP.source.dataset == get_benchmark(DEFAULT_BENCHMARK).source.dataset
    assert MBPP.source.revision == get_benchmark(DEFAULT_BENCHMARK).source.revision


def test_mbpp_from_the_hub_requests_its_configs_at_the_pinned_revision(monkeypatch):
    import datasets
    calls = []

    def fake_load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return [{**lua_record("mbpp_1_f", "+"), "name": "mbpp_1_f", "language": name.split("-", 1)[1]}]

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    for lang in MBPP.languages:
        assert load_benchmark("mbpp", lang).benchmark == "mbpp"
    assert calls == [(MBPP.source.dataset, f"mbpp-{lang}", {"split": "test", "revision": MBPP.source.revision})
                     for lang in MBPP.languages]
    with pytest.raises(MpltError, match="no mbpp-py config for 'py'.*--benchmark-path"):
        load_benchmark("mbpp", "py")


def test_mbpp_loads_through_the_path_option(mbpp_dir, tmp_path):
    problems = load_benchmark("mbpp", "lua", BenchmarkOptions(path=str(mbpp_dir), limit=1))
    assert problems.benchmark == "mbpp" and problems.revision == "local" and problems.source == str(mbpp_dir)
    assert [r["name"] for r in problems.records] == ["mbpp_2_add_good"]
    with pytest.raises(MpltError, match="no mbpp-rkt.jsonl or rkt.jsonl"):
        load_benchmark("mbpp", "rkt", BenchmarkOptions(path=str(mbpp_dir)))


def test_the_rehearsal_and_the_estimate_read_its_declaration(tmp_path):
    from mplt.rehearsal.profile import _rehearse_benchmark
    from mplt.run.estimate import eval_problems
    tables = {"evaluate": {"benchmark": "mbpp"}}
    built = _rehearse_benchmark(tables, tmp_path, None)
    assert built == tables["evaluate"]["benchmark_path"] == str(tmp_path / "rehearse" / "multipl-e")
    assert eval_problems({"benchmark": "mbpp"}) == MBPP.problems


def test_the_paper_protocol_does_not_run_mbpp():
    from mplt.evaluation.protocols import apply_protocol
    from mplt.generation import SamplingConfig
    with pytest.raises(MpltError, match="protocol 'paper' evaluates benchmark 'paper-prompts'.*'mbpp'"):
        apply_protocol("paper", SamplingConfig(), "mbpp", "auto")


def test_an_mbpp_run_is_labelled_mbpp_and_never_compared_with_humaneval(tiny_model_dir, mbpp_dir, tmp_path, capsys):
    from mplt.results.report import write_report
    run = tmp_path / "run"
    out = run / "evaluate" / "base"
    assert main(["eval", "--model", str(tiny_model_dir), "--langs", "lua", "--benchmark", "mbpp",
                 "--benchmark-path", str(mbpp_dir), "--n", "2", "--temperature", "0.8", "--max-new-tokens", "4",
                 "--seed", "1", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    assert " mbpp " in capsys.readouterr().out          # the pass@k table names the benchmark
    assert {r["name"] for r in read_jsonl(out / "lua" / "problems.jsonl")} == {"mbpp_2_add_good", "mbpp_3_add_bad"}
    meta, summary = read_json(out / "lua" / "meta.json"), read_json(out / "lua" / "summary.json")
    assert meta["benchmark"] == summary["benchmark"] == "mbpp"
    assert meta["comparable_with"] is None and summary["comparable_with"] is None
    assert summary["pass@1"] == 0.5
    # the run's report, under a profile that has published figures to compare with
    write_json(run / "config.json", {"profile": "paper-1b-eval"})
    written = write_report(run)
    report = written["report"].read_text()
    assert "## pass@1 on `mbpp`" in report and "not comparable" in report
    assert "benchmark family none, published: multipl-e-humaneval" in BASE_1B["lua"].comparable("paper", "bfloat16", None)
    row = next(r for r in written["rows"] if r.name == "pass@1.base.lua")
    assert row.verdict == "skip" and "comparable_with not recorded" in row.got
    assert written["results_data"]["meta"]["evaluation"]["base"]["lua"]["benchmark"] == "mbpp"
    assert benchmark_names(written["results_data"]) == "mbpp"      # the plot's title names it
