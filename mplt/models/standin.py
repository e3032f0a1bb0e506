"""Stand-in models for a rehearsal (`reproduce.py run --rehearse`, docs/rehearsal.md): randomly
initialised, tiny, built locally, of the same architecture family as the model they replace.

* StarCoderBase (and the MultiPL-T checkpoints fine-tuned from it): GPTBigCode with multi-query
  attention and an 8192-token context, as in the StarCoderBase-1B config (StarCoder paper, 2305.06161).
* CodeGen2: transformers' built-in CodeGen class. The real checkpoint needs its remote code (the
  built-in class shards QKV differently), but a randomly initialised model has no checkpoint layout
  to respect, and the built-in class has the module names the registry's LoRA targets name.
* Anything else: Llama, the architecture of `mplt.models.tiny`.

Widths are multiples of 32, so bitsandbytes' CPU 4-bit kernels accept every linear layer
(`mplt.models.tiny`). The models share one byte-level BPE tokenizer trained here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError

ARCHITECTURES = ("gpt_bigcode", "codegen", "llama")


@dataclass(frozen=True)
class StandinSize:
    hidden_size: int = 128
    intermediate_size: int = 512
    num_layers: int = 2
    num_heads: int = 4
    vocab_size: int = 2048


def architecture_of(name: str) -> tuple[str, int]:
    """(architecture, context length) of the model `name` stands for: the registry's family, a local
    directory's `config.json`, or Llama with the registry's default context."""
    from mplt.models.registry import MODELS, find_model
    spec = find_model(name) or next((s for s in MODELS.values() if s.hub_id == name), None)
    config_file = Path(name).expanduser() / "config.json"
    if spec is None and config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        model_type = config.get("model_type", "")
        context = config.get("n_positions") or config.get("max_position_embeddings") or 2048
        return (model_type if model_type in ARCHITECTURES else "llama"), int(context)
    if spec is None:
        return "llama", 2048
    if spec.family == "codegen2":
        return "codegen", spec.max_length
    if "starcoder" in spec.hub_id.lower():
        return "gpt_bigcode", spec.max_length
    return "llama", spec.max_length


def model_config(architecture: str, tokenizer, context: int, size: StandinSize):
    """A transformers config of `architecture` at `size`, with the tokenizer's special ids."""
    from transformers import CodeGenConfig, GPTBigCodeConfig, LlamaConfig
    ids = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id,
               eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    if architecture == "gpt_bigcode":
        return GPTBigCodeConfig(n_embd=size.hidden_size, n_inner=size.intermediate_size, n_layer=size.num_layers,
                                n_head=size.num_heads, n_positions=context, multi_query=True, **ids)
    if architecture == "codegen":
        return CodeGenConfig(n_embd=size.hidden_size, n_inner=size.intermediate_size, n_layer=size.num_layers,
                             n_head=size.num_heads, n_positions=context, n_ctx=context,
                             rotary_dim=size.hidden_size // size.num_heads // 2, tie_word_embeddings=False, **ids)
    if architecture == "llama":
        return LlamaConfig(hidden_size=size.hidden_size, intermediate_size=size.intermediate_size,
                           num_hidden_layers=size.num_layers, num_attention_heads=size.num_heads,
                           num_key_value_heads=size.num_heads, max_position_embeddings=context,
                           tie_word_embeddings=True, **ids)
    raise MpltError(f"no stand-in for architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}")


def build_standin(out_dir: str | Path, architecture: str, tokenizer, context: int, seed: int,
                  size: StandinSize = StandinSize()) -> dict:
    """Save a randomly initialised model (seeded) and the tokenizer to `out_dir`; return its facts."""
    import torch
    from transformers import AutoModelForCausalLM
    config = model_config(architecture, tokenizer, context, size)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return {"architecture": architecture, "model_type": config.model_type, "context": context,
            "multi_query": bool(getattr(config, "multi_query", False)),
            "parameters": sum(p.numel() for p in model.parameters()), "seed": seed}


def train_standin_tokenizer(texts: list[str], size: StandinSize, extra_special_tokens: tuple[str, ...] = ()):
    from mplt.models.tiny import TinyConfig, train_tokenizer
    return train_tokenizer(texts, TinyConfig(vocab_size=size.vocab_size, extra_special_tokens=extra_special_tokens))
