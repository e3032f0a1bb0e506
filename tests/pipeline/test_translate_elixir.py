"""Stages `translate` and `dataset` for Elixir, a registered language beyond the paper's five that
a profile lists explicitly (fixtures/elixir.toml), with hand-written fixture completions
(fixtures/README.md). Also: fine-tuning on MultiPL-T's Hub data fails with one line for it."""
from __future__ import annotations

import pytest

from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl
from mplt.langs import TARGETS, get_language
from tests.pipeline.conftest import FIXTURES, copy_stages

pytestmark = pytest.mark.skipif(get_language("ex").find_executable() is None, reason="Elixir is not installed")


@pytest.fixture(scope="module")
def elixir_run(testgen_run, tmp_path_factory):
    """The stages of the profile fixtures/elixir.toml, with the configs it builds, after a copy of
    `testgen_run`."""
    from mplt.pipeline.dataset import run_dataset
    from mplt.pipeline.translate import run_translate
    from mplt.run.profiles import load_profile, stage_config
    run_dir = copy_stages(testgen_run, tmp_path_factory.mktemp("run-elixir"), "select", "testgen")
    profile = load_profile(str(FIXTURES / "elixir.toml"), run_dir)
    translate, dataset = stage_config(profile, "translate"), stage_config(profile, "dataset")
    assert translate.languages == ("ex",) and dataset.languages == ("ex",)
    run_translate(run_dir, translate, progress=False)
    run_dataset(run_dir, dataset, progress=False)
    return run_dir


def test_elixir_is_registered_but_not_a_default_target():
    assert "ex" not in TARGETS and get_language("elixir").name == "ex"


def test_translate_and_dataset_produce_elixir_items(elixir_run):
    summary = read_json(elixir_run / "translate" / "summary.json")["languages"]
    assert list(summary) == ["ex"]
    assert summary["ex"]["statuses"] == {"OK": 3, "Failure": 1, "SyntaxError": 1}
    assert summary["ex"]["with_pass"] == 2
    problems = {p["entry_point"]: p for p in read_jsonl(elixir_run / "translate" / "ex" / "problems.jsonl")}
    prompt = problems["add_digits"]["prompt"]
    assert prompt.startswith("# ## Canonical Python Solution ##\n")
    assert prompt.endswith("defmodule HumanEval do\n  def candidate(n), do: add_digits(n)\n  def add_digits(n) do\n    ")
    assert problems["add_digits"]["tests"].startswith("ExUnit.start()\n")
    items = list(read_jsonl(elixir_run / "dataset" / "ex" / "train.jsonl"))
    assert sorted(i["problem_id"].split("_")[0] for i in items) == ["add", "hypotenuse"]
    for item in items:
        content = item["content"]
        assert content.startswith("# ") and "defmodule HumanEval do" in content
        assert "Canonical" not in content and "ExUnit" not in content and content.endswith("end\n")


def test_finetune_on_multipl_t_hub_data_names_the_missing_split():
    from mplt.training.data import load_documents
    with pytest.raises(MpltError, match="Elixir has no split in the MultiPL-T Hub data") as e:
        load_documents("nuprl/MultiPL-T", langs=("ex",), revision="0" * 40)
    assert "\n" not in str(e.value)
