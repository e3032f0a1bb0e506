"""Shared helpers for the pipeline tests: fixture paths and a `select` run over the fixtures."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def selected_run(tmp_path_factory) -> Path:
    """A run directory after `select` over the hand-written fixture modules (8 functions)."""
    from mplt.pipeline.select import SelectConfig, run_select
    run_dir = tmp_path_factory.mktemp("run-selected")
    run_select(run_dir, SelectConfig(source="dir", path=str(FIXTURES / "src"),
                                     humaneval_path=str(FIXTURES / "fake_benchmark.jsonl")), progress=False)
    return run_dir


@pytest.fixture(scope="session")
def testgen_run(selected_run, tmp_path_factory) -> Path:
    """`selected_run` copied, then `testgen` with the LLM-like fixture samples."""
    from mplt.pipeline.testgen import TestgenConfig, run_testgen
    run_dir = tmp_path_factory.mktemp("run-testgen")
    shutil.copytree(selected_run / "select", run_dir / "select")
    run_testgen(run_dir, TestgenConfig(samples_file=str(FIXTURES / "testgen_samples.jsonl")), progress=False)
    return run_dir


def copy_stages(src: Path, dst: Path, *stages: str) -> Path:
    for stage in stages:
        shutil.copytree(src / stage, dst / stage)
    return dst


@pytest.fixture(scope="session")
def translate_run(testgen_run, tmp_path_factory) -> Path:
    """`testgen_run` copied, then `translate` with the LLM-like fixture translations."""
    from mplt.pipeline.translate import TranslateConfig, run_translate
    run_dir = copy_stages(testgen_run, tmp_path_factory.mktemp("run-translate"), "select", "testgen")
    # 5 CPU seconds: Julia's passing completion needs about 2 (start-up and compilation), and the
    # looping Lua completion holds the fixture for no longer than that.
    run_translate(run_dir, TranslateConfig(samples_file=str(FIXTURES / "translate_samples.jsonl"),
                                           timeout_s=5.0), progress=False)
    return run_dir


@pytest.fixture(scope="session")
def dataset_run(translate_run) -> Path:
    from mplt.pipeline.dataset import DatasetConfig, run_dataset
    run_dataset(translate_run, DatasetConfig(), progress=False)
    return translate_run
