"""Tuple-era remote modeling code (as CodeGen2's) under transformers 5 (docs/codegen2.md, section A.3)."""
import json
import shutil
from pathlib import Path

import pytest
import torch

from mplt.generation import SamplingConfig, sample_completions
from mplt.models.legacy_cache import needs_legacy_cache
from mplt.models.load import load_model

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def remote_dir(tmp_path_factory, tiny_model_dir):
    import sys
    sys.path.insert(0, str(HERE))
    from legacy_remote_model import LegacyConfig, LegacyLM
    from transformers import AutoTokenizer
    out = tmp_path_factory.mktemp("legacy-remote")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    torch.manual_seed(0)
    LegacyLM(LegacyConfig(vocab_size=len(tokenizer), hidden=32, eos_token_id=tokenizer.eos_token_id,
                          pad_token_id=tokenizer.pad_token_id)).save_pretrained(out)
    tokenizer.save_pretrained(out)
    shutil.copy(HERE / "legacy_remote_model.py", out / "legacy_remote_model.py")
    config = json.loads((out / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "legacy_remote_model.LegacyConfig",
                          "AutoModelForCausalLM": "legacy_remote_model.LegacyLM"}
    (out / "config.json").write_text(json.dumps(config))
    return out


def _inputs():
    return torch.tensor([[0, 0, 5, 6, 7], [1, 2, 3, 4, 5]]), torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])


def test_unpatched_tuple_era_code_fails_as_the_audit_saw(remote_dir):
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(remote_dir, trust_remote_code=True)
    assert needs_legacy_cache(model)
    ids, mask = _inputs()
    with pytest.raises(TypeError, match="'DynamicCache' object is not subscriptable"):
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=4, do_sample=False)


def test_loader_keeps_the_tuple_cache_and_matches_generation_without_cache(remote_dir):
    """Two loads in one process, as base then fine-tuned evaluation: both can generate."""
    loaded = load_model(str(remote_dir), device="cpu", trust_remote_code=True)
    reference = load_model(str(remote_dir), device="cpu", trust_remote_code=True).model
    ids, mask = _inputs()
    with torch.no_grad():
        cached = loaded.model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False)
        uncached = reference.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False,
                                      use_cache=False)
    assert torch.equal(cached, uncached)
    records = sample_completions(loaded, [{"id": "a", "prompt": "local x =", "stop_tokens": []}],
                                 SamplingConfig(n=3, temperature=0.8, top_p=0.95, max_new_tokens=6, batch_size=3,
                                                seed=0), progress=False)
    assert len(records[0]["completions"]) == 3


def test_built_in_models_are_left_alone(tiny_model_dir):
    assert not needs_legacy_cache(load_model(str(tiny_model_dir), device="cpu").model)
