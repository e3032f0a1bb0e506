"""Fixtures for the fine-tuning tests: tiny documents and a small, fast config.

Torch uses one thread here: on the shared 2-core CI machine two threads contend with the other test
processes and a tiny step becomes ~10x slower (measured while developing)."""
from __future__ import annotations

from pathlib import Path

import pytest

from training_helpers import lua_docs, write_docs


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    import torch
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def train_jsonl(tmp_path_factory) -> Path:
    return write_docs(tmp_path_factory.mktemp("data") / "train.jsonl", lua_docs())
