from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def tiny_loaded(tiny_model_dir):
    from mplt.models.load import load_model
    return load_model(str(tiny_model_dir), device="cpu")


@pytest.fixture
def prompts():
    """Hand-written prompts of different token lengths (so batches need left padding)."""
    return [{"id": f"p{i}", "prompt": "def f(x):\n    return" + " x" * i + "\n", "stop_tokens": ["\ndef"],
             "extra": i} for i in range(3)]

