"""Fixtures for the fine-tuning tests: tiny documents and a small, fast config."""
from __future__ import annotations

from pathlib import Path

import pytest

from training_helpers import lua_docs, write_docs


@pytest.fixture(scope="session")
def train_jsonl(tmp_path_factory) -> Path:
    return write_docs(tmp_path_factory.mktemp("data") / "train.jsonl", lua_docs())
