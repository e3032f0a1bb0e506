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



@pytest.fixture(scope="session")
def lora_adapter_dir(tiny_model_dir, tmp_path_factory):
    """A rank-8 LoRA adapter of the tiny model on q_proj/v_proj with random (seeded) A and B, so that
    it changes the output (peft's default B = 0 would not)."""
    return make_lora_adapter(tiny_model_dir, tmp_path_factory, seed=0)


@pytest.fixture(scope="session")
def second_lora_adapter_dir(tiny_model_dir, tmp_path_factory):
    """Another adapter like `lora_adapter_dir`, with other random weights."""
    return make_lora_adapter(tiny_model_dir, tmp_path_factory, seed=1)


def make_lora_adapter(tiny_model_dir, tmp_path_factory, seed: int):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"],
                                            init_lora_weights=False, task_type="CAUSAL_LM"))
    out = tmp_path_factory.mktemp("lora")
    lora.save_pretrained(out)
    return out
