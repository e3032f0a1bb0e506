"""Load a causal LM and its tokenizer from a registry key, a Hub id (pinned revision) or a local
directory; optionally in 4-bit NF4 (bitsandbytes) and with a LoRA adapter (peft).

dtype and device are chosen automatically (`mplt.models.precision.compute_dtype`): bf16 on a CUDA
GPU that supports it, else fp16; fp32 on CPU; unless a config names a dtype: the smoke profile asks
for float64, so that its tiny model computes the same on every CPU (docs/determinism.md). A
fine-tuned revision that holds only weights gets its tokenizer from `tokenizer_fallback` (the base
model).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError
from mplt.models.legacy_cache import enable_legacy_cache
from mplt.models.precision import DTYPE_NAMES, compute_dtype
from mplt.models.registry import ModelSpec, find_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    model: object
    tokenizer: object
    spec: ModelSpec
    source: str          # what was loaded: local path or hub id
    revision: str        # requested revision ("local" for a directory)
    commit: str          # resolved commit hash when the Hub reports one, else ""


def resolve_spec(name: str, revision: str | None = None) -> ModelSpec:
    """Registry entry, or an ad-hoc spec for a local directory / Hub id."""
    spec = find_model(name)
    if spec is None:
        spec = ModelSpec(key=name, hub_id=name)
    if revision:
        spec = ModelSpec(**{**spec.__dict__, "revision": revision})
    return spec


def pick_device() -> str:
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def check_dtype(where: str, dtype: str) -> None:
    """A config's dtype name: "auto" (the per-device choice) or a torch dtype we support."""
    if dtype not in DTYPE_NAMES:
        raise MpltError(f"{where} dtype must be one of {', '.join(DTYPE_NAMES)}, got {dtype!r}")


def pick_dtype(device: str, requested: str = "auto"):
    return compute_dtype(device, requested)


def bnb_4bit_config(device: str, requested: str = "auto"):
    """NF4 with double quantization (QLoRA), computing in the device's compute dtype."""
    from transformers import BitsAndBytesConfig
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype(device, requested))


def load_tokenizer(spec: ModelSpec, fallback: str | None = None):
    """The model's own tokenizer; when its repository or revision has none (a checkpoint commit that
    holds only weights), the `fallback` model's (a registry key, Hub id or directory)."""
    from transformers import AutoTokenizer
    source, kwargs = _source(spec)
    try:
        tok = AutoTokenizer.from_pretrained(source, **kwargs)
    except (OSError, ValueError, TypeError) as e:
        if not fallback:
            raise
        log.warning("%s@%s has no usable tokenizer (%s); using %s's", spec.hub_id, spec.revision,
                    str(e).splitlines()[0][:120], fallback)
        fallback_source, fallback_kwargs = _source(resolve_spec(fallback))
        tok = AutoTokenizer.from_pretrained(fallback_source, **fallback_kwargs)
    tok.padding_side = "left"   # batched sampling continues every row from its last prompt token
    if spec.eos_token_id is not None and tok.eos_token_id != spec.eos_token_id:
        tok.eos_token = tok.convert_ids_to_tokens(spec.eos_token_id)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(name: str, revision: str | None = None, *, adapter: str | None = None,
               load_in_4bit: bool = False, device: str | None = None,
               trust_remote_code: bool | None = None, tokenizer_fallback: str | None = None,
               dtype: str = "auto") -> LoadedModel:
    """Load for inference (eval mode). Raises MpltError with a one-line reason on failure."""
    from transformers import AutoModelForCausalLM

    spec = resolve_spec(name, revision)
    device = device or pick_device()
    if spec.family == "codegen2" and trust_remote_code is False:
        raise MpltError(f"{spec.key} needs trust_remote_code=True: the built-in CodeGen class splits "
                        "QKV into 4 shards and would silently load wrong weights (docs/codegen2.md, section A.3)")
    source, kwargs = _source(spec)
    kwargs["trust_remote_code"] = spec.trust_remote_code if trust_remote_code is None else trust_remote_code
    if load_in_4bit:
        kwargs.update(quantization_config=bnb_4bit_config(device, dtype), device_map={"": device})
    else:
        kwargs.update(dtype=compute_dtype(device, dtype))
    try:
        tokenizer = load_tokenizer(spec, tokenizer_fallback)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as e:
        raise MpltError(f"cannot load model {name!r}: {str(e).splitlines()[0]}") from e
    enable_legacy_cache(model)
    if load_in_4bit:
        disable_avx512_repack(model)
    elif device != "cpu":
        model.to(device)
    if adapter:
        model = apply_adapter(model, adapter)
    if spec.eos_token_id is not None:
        model.generation_config.eos_token_id = spec.eos_token_id
        model.generation_config.pad_token_id = spec.pad_token_id or spec.eos_token_id
    model.eval()
    commit = getattr(model.config, "_commit_hash", None) or ""
    return LoadedModel(model, tokenizer, spec, source, kwargs.get("revision", "local"), commit)


def apply_adapter(model, adapter: str):
    from peft import PeftModel
    if not (Path(adapter) / "adapter_config.json").exists():
        raise MpltError(f"{adapter}: not a LoRA adapter directory (no adapter_config.json)")
    return PeftModel.from_pretrained(model, adapter)


def disable_avx512_repack(model) -> None:
    """bitsandbytes >= 0.49 repacks 4-bit weights on AVX512-BF16 CPUs at the first no-grad forward,
    which breaks widths not divisible by 32 and silently zeroes gradients afterwards
    (docs/runtime.md, section 4.1). We pin 0.48.2; this flag guards against an accidental upgrade."""
    try:
        import bitsandbytes as bnb
    except ImportError:
        return
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit) and hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False


def _source(spec: ModelSpec) -> tuple[str, dict]:
    path = Path(spec.hub_id).expanduser()
    if path.is_dir():
        return str(path), {}
    if spec.hub_id.startswith((".", "/", "~")):
        raise MpltError(f"model directory {spec.hub_id!r} does not exist")
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        log.info("HF_HUB_OFFLINE=1: %s@%s must be in the local Hub cache", spec.hub_id, spec.revision)
    return spec.hub_id, {"revision": spec.revision}
