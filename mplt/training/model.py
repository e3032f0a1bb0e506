"""Model preparation: 4-bit NF4 base (QLoRA) or a full-precision base (plain LoRA), LoRA via peft.

QLoRA recipe (QLoRA paper, Dettmers et al. 2023): NF4 + double quantization, the device's compute
dtype (`mplt.models.precision.compute_dtype`: bf16/fp16 on CUDA, fp32 on CPU),
`prepare_model_for_kbit_training` with gradient checkpointing, then LoRA adapters; the loop runs the
forward passes under autocast in that dtype. `load_model` already applies `disable_avx512_repack` after 4-bit loads.
"""
from __future__ import annotations

import logging

from mplt.errors import MpltError

log = logging.getLogger(__name__)


def resolve_lora_targets(targets, spec) -> tuple[str, ...] | str:
    """`auto` takes the registry's targets (CodeGen2: qkv_proj/out_proj/fc_in/fc_out, A.3), else all
    linear layers (peft's `all-linear` skips the output head)."""
    if targets == "auto" or targets == ("auto",):
        return spec.lora_targets
    if isinstance(targets, str):
        return targets if targets == "all-linear" else tuple(t for t in targets.split(",") if t)
    return tuple(targets) if tuple(targets) != ("all-linear",) else "all-linear"


def check_targets(model, targets) -> None:
    """peft only fails when *no* target matches; a misspelt name among good ones must fail too."""
    if targets == "all-linear":
        return
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [t for t in targets if t not in names]
    if missing:
        raise MpltError(f"LoRA target module(s) {', '.join(missing)} not found in the model "
                        f"(e.g. {', '.join(sorted(n for n in names if 'proj' in n or 'fc' in n)[:8])})")


def apply_lora(model, r: int, alpha: int, dropout: float, targets):
    from peft import LoraConfig, get_peft_model
    check_targets(model, targets)
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, bias="none", task_type="CAUSAL_LM",
                        target_modules=list(targets) if not isinstance(targets, str) else targets)
    try:
        return get_peft_model(model, config)
    except ValueError as e:
        raise MpltError(f"cannot apply LoRA: {str(e).splitlines()[0]}") from e


def max_model_length(model, spec) -> int:
    """The window bound: the model config's context length, else the registry's."""
    config = model.config
    for attr in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return spec.max_length


def prepare_full_model(cfg, device: str):
    """Full fine-tuning (docs/method.md, section 5.2): the whole model in the compute dtype (bf16 on a
    GPU, as MultiPL-T's trainer loads it; fp32 or the configured dtype on CPU), every parameter trained,
    gradient checkpointing on request. Returns (model, tokenizer, spec, loaded) like `prepare_model`."""
    from mplt.models.load import load_model
    loaded = load_model(cfg.model, cfg.revision, load_in_4bit=False, device=device, dtype=cfg.compute_dtype)
    model = loaded.model
    model.config.use_cache = False
    for param in model.parameters():
        param.requires_grad_(True)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    trainable = sum(p.numel() for p in model.parameters())
    log.info("model %s: full fine-tuning, %d trainable parameters in %s", loaded.source, trainable,
             next(model.parameters()).dtype)
    return model, loaded.tokenizer, loaded.spec, loaded


def prepare_model(cfg, device: str):
    """Return (peft_model, tokenizer, spec, loaded) ready for training; with `finetune = "full"`, the
    whole model instead of a peft model (`prepare_full_model`)."""
    import torch
    from peft import prepare_model_for_kbit_training

    from mplt.models.load import load_model

    if cfg.full:
        return prepare_full_model(cfg, device)
    loaded = load_model(cfg.model, cfg.revision, load_in_4bit=cfg.load_in_4bit, device=device,
                        dtype=cfg.compute_dtype)
    model = loaded.model
    model.config.use_cache = False      # incompatible with gradient checkpointing, useless in training
    ckpt_kwargs = {"use_reentrant": False}
    if cfg.load_in_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing,
                                                gradient_checkpointing_kwargs=ckpt_kwargs)
    else:
        for param in model.parameters():
            param.requires_grad_(False)
        if cfg.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=ckpt_kwargs)
            model.enable_input_require_grads()
    targets = resolve_lora_targets(cfg.lora_targets, loaded.spec)
    torch.manual_seed(cfg.seed)          # LoRA A matrices are randomly initialised
    peft_model = apply_lora(model, cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, targets)
    peft_model.train()
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    log.info("model %s: %d trainable LoRA parameters (targets %s)", loaded.source, trainable, targets)
    return peft_model, loaded.tokenizer, loaded.spec, loaded


def param_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups as MultiPL-T (docs/method.md, section 5.1): decay everything except biases and norm weights."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        module = name.rsplit(".", 2)[-2].lower() if name.count(".") else ""
        is_norm = "norm" in module or module.startswith("ln")     # LayerNorm/RMSNorm, GPT-style ln_1/ln_f
        (no_decay if name.endswith("bias") or is_norm or param.ndim < 2 else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def merge_adapter(cfg, adapter_dir: str, out_dir: str, device: str) -> None:
    """Merged export. A 4-bit base cannot hold the merged weights exactly (peft re-quantizes and warns
    about rounding, docs/runtime.md, section 4.3), so we reload the base in full precision (bf16 on GPU, fp32
    on CPU), apply the adapter there and `merge_and_unload`. The merged model therefore equals
    full-precision base + adapter; it differs from the 4-bit training model by the quantization error."""
    from mplt.models.load import load_model
    loaded = load_model(cfg.model, cfg.revision, adapter=adapter_dir, load_in_4bit=False, device=device,
                        dtype=cfg.compute_dtype)
    merged = loaded.model.merge_and_unload()
    merged.save_pretrained(out_dir)
    loaded.tokenizer.save_pretrained(out_dir)
