"""The tiny local model loads through the same code path as Hub models (no network)."""
import pytest
import torch

from mplt.errors import MpltError
from mplt.models.load import load_model


def test_tiny_model_loads_and_is_deterministic(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir))
    tok, model = loaded.tokenizer, loaded.model
    assert tok.padding_side == "left" and tok.pad_token_id is not None
    ids = tok(["def f(x):\n    return"], return_tensors="pt")
    with torch.no_grad():
        a = model(**ids).logits
        b = load_model(str(tiny_model_dir)).model(**ids).logits
    assert torch.equal(a, b)


def test_missing_local_model_is_a_clear_error(tmp_path):
    with pytest.raises(MpltError, match="does not exist"):
        load_model(str(tmp_path / "nope"))


def test_hub_model_offline_fails_fast_with_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MpltError, match="cannot load model"):
        load_model("arjunguha/notstarcoder-1b")
