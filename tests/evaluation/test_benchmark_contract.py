"""The benchmark contract (docs/benchmarks.md, "Adding a benchmark"): every module is checked on first
use, a broken declaration is one line naming its module, one path option serves every benchmark,
and the evaluation settings are declared once for `eval` and the `evaluate` stage."""
from __future__ import annotations

import dataclasses

import pytest

from cli_errors import one_line, run_cli
from mplt import benchmarks as registry
from mplt.benchmarks import benchmarks, get_benchmark
from mplt.benchmarks.contract import (TASKS, Benchmark, BenchmarkContractError, HubSource, PackageData,
                                      RecordSchema, check_benchmark)
from mplt.config import config_from_dict, config_to_dict, table_keys
from mplt.errors import MpltError
from mplt.evaluation.config import EvalConfig, EvaluationSettings
from mplt.evaluation.stage import EvaluateStageConfig


def declaration(**changes) -> Benchmark:
    base = Benchmark(name="ours", description="records we wrote", source=PackageData("ours.jsonl"),
                     schema=RecordSchema("ours", (("name", str), ("prompt", str))), languages=("lua",),
                     load=lambda language, options: None)
    return dataclasses.replace(base, **changes)


def test_every_registered_benchmark_keeps_the_contract():
    for name, benchmark in benchmarks().items():
        assert check_benchmark(name, benchmark) is benchmark
        assert get_benchmark(benchmark.name) is benchmark
        assert benchmark.task in TASKS


@pytest.mark.parametrize("changes, message", [
    ({"name": "Has Space"}, "name 'Has Space' must be lower-case"),
    ({"description": "two\nlines"}, "description must be one non-empty line"),
    ({"task": "chat"}, "task 'chat' is not one of complete, infill"),
    ({"languages": ()}, "languages must name at least one language"),
    ({"languages": ("cobol",)}, "languages: unknown language 'cobol'"),
    ({"source": HubSource("org/data", "0" * 40, config="data")}, "must contain {lang}"),
    ({"standin": "hub"}, "standin 'hub' is not one of"),
])
def test_a_broken_declaration_is_one_line_naming_its_module(changes, message):
    with pytest.raises(BenchmarkContractError, match=message) as caught:
        check_benchmark("ours", declaration(**changes))
    assert "\n" not in str(caught.value) and "mplt/benchmarks/ours.py" in str(caught.value)


def test_an_infilling_benchmark_fits_the_contract():
    assert check_benchmark("ours", declaration(task="infill")).task == "infill"


def test_a_module_without_benchmark_is_an_error_on_first_use(monkeypatch):
    """The registry is built on first use and cached; a module that declares nothing is named."""
    monkeypatch.setattr(registry, "SUPPORT", tuple(m for m in registry.SUPPORT if m != "records"))
    benchmarks.cache_clear()
    try:
        with pytest.raises(BenchmarkContractError, match="mplt/benchmarks/records.py defines no BENCHMARK"):
            benchmarks()
    finally:
        monkeypatch.undo()
        benchmarks.cache_clear()
    assert "multipl-e" in benchmarks()


def test_the_evaluation_settings_are_declared_once():
    shared = {f.name for f in dataclasses.fields(EvaluationSettings)}
    for config in (EvalConfig, EvaluateStageConfig):
        assert shared <= {f.name for f in dataclasses.fields(config)}
        assert not shared & set(config.__dict__.get("__annotations__", {})), f"{config.__name__} redeclares a field"
        # flat keys, as before: a profile's [evaluate] and eval's flags name `n`, `benchmark_path`, ...
        assert {"benchmark_path", "limit", "n", "temperature", "timeout_s"} <= set(table_keys(config))
    saved = config_to_dict(EvalConfig(model="m", benchmark="mini", limit=2))
    assert saved["benchmark"] == "mini" and saved["limit"] == 2 and "n" in saved and "sampling" not in saved


@pytest.mark.parametrize("old", ["humaneval_path", "multipl_e_path"])
def test_a_renamed_profile_key_names_its_successor(old):
    with pytest.raises(MpltError, match=f"^\\[evaluate\\]: {old} is now benchmark_path$"):
        config_from_dict(EvaluateStageConfig, {"base_model": "m", old: "/x"}, "[evaluate]")
    assert config_from_dict(EvaluateStageConfig, {"base_model": "m", "benchmark_path": "/x"}).benchmark_path == "/x"


@pytest.mark.parametrize("flag", ["--humaneval-path", "--multipl-e-path"])
def test_a_renamed_eval_flag_names_its_successor(capsys, tmp_path, flag):
    code, _, err = run_cli(capsys, "eval", "--model", "unused", "--langs", "lua", flag, str(tmp_path),
                           "--out", str(tmp_path / "out"))
    assert code == 2 and one_line(err) and f"{flag} is now --benchmark-path" in err
