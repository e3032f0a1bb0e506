"""The GPU path's precision and planning, checked on CPU: dtype by device type, autocast reaching attention and
logits, warmup planned from the step count, and the tokenizer of a weights-only checkpoint."""
import logging

import pytest
import torch

from training_helpers import small_config
from mplt.errors import MpltError
from mplt.models.load import bnb_4bit_config, load_model, pick_dtype
from mplt.models.precision import autocast, compute_dtype
from mplt.training.loop import _train_step, announce_plan


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1", torch.device("cuda", 0)])
@pytest.mark.parametrize("bf16, expected", [(True, torch.bfloat16), (False, torch.float16)])
def test_every_cuda_device_string_gets_a_half_precision_dtype(monkeypatch, device, bf16, expected):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    assert compute_dtype(device) is expected
    assert pick_dtype(device) is expected
    assert bnb_4bit_config(device).bnb_4bit_compute_dtype is expected


def test_cpu_stays_fp32_unless_asked():
    assert compute_dtype("cpu") is torch.float32
    assert compute_dtype("cpu", "bfloat16") is torch.bfloat16
    with pytest.raises(MpltError, match="unknown dtype"):
        compute_dtype("cpu", "fp8")


def _lora_tiny(tiny_model_dir):
    from mplt.training.model import apply_lora
    loaded = load_model(str(tiny_model_dir), device="cpu")
    for p in loaded.model.parameters():
        p.requires_grad_(False)
    model = apply_lora(loaded.model, 4, 8, 0.0, "all-linear")
    model.train()
    return model


def test_training_step_computes_attention_and_logits_in_the_compute_dtype(tiny_model_dir):
    """fp32 weights (as prepare_model_for_kbit_training leaves the non-quantized ones) under bf16
    compute: the attention outputs and the logits must be bf16, the loss fp32."""
    model = _lora_tiny(tiny_model_dir)
    seen: dict[str, set] = {"attn": set(), "logits": set()}
    hooks = []
    for name, module in model.named_modules():
        if name.endswith("self_attn"):
            hooks.append(module.register_forward_hook(lambda m, i, o: seen["attn"].add(o[0].dtype)))
        if name.endswith("lm_head"):
            hooks.append(module.register_forward_hook(lambda m, i, o: seen["logits"].add(o.dtype)))
    ids = torch.randint(3, 200, (2, 32))
    losses = []
    import mplt.training.loop as loop
    original = loop.causal_lm_loss

    def spy(logits, labels):
        loss = original(logits, labels)
        losses.append(loss.dtype)
        return loss
    loop.causal_lm_loss = spy
    try:
        loss, tokens = _train_step(model, [torch.tensor([0, 1])], ids, ids.clone(), "cpu", torch.bfloat16)
    finally:
        loop.causal_lm_loss = original
        for h in hooks:
            h.remove()
    assert seen == {"attn": {torch.bfloat16}, "logits": {torch.bfloat16}}
    assert losses == [torch.float32] and tokens == 64 and loss == loss      # finite, not NaN
    assert any(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_qlora_model_computes_in_bf16_although_kbit_preparation_upcast_to_fp32(tiny_model_dir):
    """The issue's case: 4-bit base, `prepare_model_for_kbit_training` leaves the output head and the
    norms in fp32; under the loop's autocast the attention and the logits still run in bf16."""
    from mplt.training.config import resolve_config
    from mplt.training.model import prepare_model
    cfg = resolve_config("qlora", overrides=dict(model=str(tiny_model_dir), data=("-",), device="cpu",
                                                  compute_dtype="bfloat16", lora_r=4, lora_alpha=8))
    model, *_ = prepare_model(cfg, "cpu")
    assert {p.dtype for n, p in model.named_parameters() if "lm_head" in n or "norm" in n} == {torch.float32}
    seen: dict[str, set] = {"attn": set(), "logits": set()}
    for name, module in model.named_modules():
        if name.endswith("self_attn"):
            module.register_forward_hook(lambda m, i, o: seen["attn"].add(o[0].dtype))
        if name.endswith("lm_head"):
            module.register_forward_hook(lambda m, i, o: seen["logits"].add(o.dtype))
    ids = torch.randint(3, 200, (2, 32))
    _train_step(model, [torch.tensor([0, 1])], ids, ids.clone(), "cpu", torch.bfloat16)
    assert seen == {"attn": {torch.bfloat16}, "logits": {torch.bfloat16}}


def test_autocast_is_a_no_op_in_fp32():
    layer = torch.nn.Linear(4, 4)
    with autocast("cpu", torch.float32):
        assert layer(torch.ones(1, 4)).dtype is torch.float32


def test_warmup_fraction_scales_with_the_planned_steps(tiny_model_dir, train_jsonl):
    cfg = small_config(tiny_model_dir, train_jsonl, warmup_steps=10, warmup_fraction=0.1)
    assert cfg.planned_warmup(6) == 1 and cfg.planned_warmup(200) == 20
    fixed = small_config(tiny_model_dir, train_jsonl, warmup_steps=10)
    assert fixed.planned_warmup(200) == 10 and fixed.planned_warmup(6) == 5     # never the whole run
    with pytest.raises(MpltError, match="warmup_fraction"):
        small_config(tiny_model_dir, train_jsonl, warmup_fraction=1.5)


def test_plan_is_announced_and_a_warmup_covering_most_steps_warns(tiny_model_dir, train_jsonl, caplog):
    cfg = small_config(tiny_model_dir, train_jsonl, warmup_steps=10)
    with caplog.at_level(logging.INFO, logger="mplt.training.loop"):
        line = announce_plan(12, 2, 6, cfg.planned_warmup(6), cfg, "bfloat16", show=False)
    assert "= 6 steps" in line and "warmup 5 steps" in line and "compute dtype bfloat16" in line
    assert any(r.levelno == logging.WARNING and "covers 83%" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mplt.training.loop"):
        announce_plan(120, 20, 60, 6, cfg, "bfloat16", show=False)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_scaled_profile_trains_a_meaningful_number_of_steps(tmp_path):
    """With the items the sizing expects (mplt/run/sizing.py; Racket, the fewest of Lua and Racket) and
    the estimate's tokens per item (mplt/run/estimate.py SHARES), the scaled profile must plan dozens of
    steps with a warmup that is a small share of them."""
    import math

    from mplt.run.estimate import SHARES
    from mplt.run.profiles import load_profile, stage_config
    from mplt.run.sizing import size_scaled
    cfg = stage_config(load_profile("scaled", tmp_path), "finetune").train_config(("rkt",))
    items = {x.language: x.items_in_budget for x in size_scaled().languages}["rkt"]
    windows = math.ceil(items * SHARES["tokens_per_item"] / cfg.seq_len)
    steps = math.ceil(math.ceil(windows / cfg.micro_batch) / cfg.grad_accum) * cfg.epochs
    assert steps >= 40 and cfg.planned_warmup(steps) <= 0.15 * steps


def test_weights_only_checkpoint_takes_the_base_tokenizer(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM
    weights_only = tmp_path / "checkpoint"
    AutoModelForCausalLM.from_pretrained(tiny_model_dir).save_pretrained(weights_only)
    with pytest.raises(MpltError, match="cannot load model"):
        load_model(str(weights_only), device="cpu")
    loaded = load_model(str(weights_only), device="cpu", tokenizer_fallback=str(tiny_model_dir))
    assert loaded.tokenizer("local x = 1")["input_ids"] and loaded.tokenizer.padding_side == "left"
