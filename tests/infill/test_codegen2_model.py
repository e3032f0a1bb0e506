"""CodeGen2 as a base model (docs/codegen2.md, section B4): registry entry, loader guard, LoRA targets."""
import pytest

from mplt.errors import MpltError
from mplt.infill import get_infill_format
from mplt.models.load import load_model
from mplt.models.registry import require_model
from mplt.training.model import apply_lora, max_model_length, resolve_lora_targets


@pytest.fixture(scope="module")
def tiny_codegen():
    import torch
    from transformers import CodeGenConfig, CodeGenForCausalLM
    torch.manual_seed(0)
    config = CodeGenConfig(vocab_size=256, n_positions=64, n_ctx=64, n_embd=64, n_layer=2, n_head=4,
                           rotary_dim=8, bos_token_id=1, eos_token_id=2)
    return CodeGenForCausalLM(config)


def test_registry_entry(codegen2_tokenizer):
    spec = require_model("codegen2-1b")
    assert spec.trust_remote_code and spec.family == "codegen2" and spec.max_length == 2048
    assert spec.eos_token_id == spec.pad_token_id == 50256 and spec.infill_format == "codegen2"
    assert require_model("Salesforce/codegen2-1B") is spec
    stops = get_infill_format(spec.infill_format).stop_ids(codegen2_tokenizer)
    assert set(stops) == {50256, 50300} and spec.eos_token_id in stops and 2 not in stops


def test_loader_refuses_to_drop_trust_remote_code():
    with pytest.raises(MpltError, match="trust_remote_code=True"):
        load_model("codegen2-1b", trust_remote_code=False)


def test_lora_targets_are_found_on_a_tiny_codegen_model(tiny_codegen):
    targets = resolve_lora_targets("auto", require_model("codegen2-1b"))
    assert targets == ("qkv_proj", "out_proj", "fc_in", "fc_out")
    model = apply_lora(tiny_codegen, 4, 8, 0.0, targets)
    wrapped = {name.split(".")[-2] for name, _ in model.named_modules() if name.endswith("lora_A")}
    assert wrapped == set(targets)
    model.unload()


def test_misspelt_lora_target_raises(tiny_codegen):
    with pytest.raises(MpltError, match="qkv_prj"):
        apply_lora(tiny_codegen, 4, 8, 0.0, ("qkv_prj", "out_proj"))


def test_model_context_bounds_the_packing_window(tiny_codegen):
    from mplt.training.packing import pack_documents
    bound = max_model_length(tiny_codegen, require_model("codegen2-1b"))
    assert bound == 64
    ids, _, _ = pack_documents([[5] * 300], 50256, min(2048, bound), "pad")
    assert ids.shape[1] == 64
