"""Build a tiny tokenizer and causal LM locally, with no Hub access (docs/runtime.md, section 3).

Tests and the `smoke` profile use these in place of a real code LLM. Linear widths are multiples
of 32: bitsandbytes' CPU 4-bit kernels need it (docs/runtime.md, section 4.1).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

EOS = "<|endoftext|>"
PAD = "<|pad|>"


@dataclass(frozen=True)
class TinyConfig:
    vocab_size: int = 4096
    hidden_size: int = 256
    intermediate_size: int = 768
    num_layers: int = 4
    num_heads: int = 4
    max_positions: int = 1024
    extra_special_tokens: tuple[str, ...] = ()   # e.g. infill sentinels
    seed: int = 0
    # "float64" initialises in float64: torch's float32 normal_ has an AVX2 path whose values differ
    # in their last bits from the default path, its float64 normal_ does not (docs/determinism.md).
    dtype: str = "float32"


def train_tokenizer(texts: Iterable[str], config: TinyConfig = TinyConfig()):
    """Byte-level BPE trained on `texts`, wrapped as a left-padding HF fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=config.vocab_size, min_frequency=2,
                                  special_tokens=[EOS, PAD, *config.extra_special_tokens],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(list(texts), trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOS, eos_token=EOS, pad_token=PAD,
                                   padding_side="left")


def build_tiny_model(out_dir: str | Path, texts: Iterable[str], config: TinyConfig = TinyConfig()) -> Path:
    """Train a tokenizer on `texts`, create a random Llama model, save both to `out_dir`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    tokenizer = train_tokenizer(texts, config)
    torch.manual_seed(config.seed)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size, num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads, num_key_value_heads=config.num_heads,
        max_position_embeddings=config.max_positions, tie_word_embeddings=True,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM._from_config(model_config, dtype=getattr(torch, config.dtype))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def shipped_texts() -> list[str]:
    """The text material mplt ships in `mplt/data/` (the smoke corpus, the mini benchmark, the smoke
    warm-start solutions), in a fixed order: a tokenizer trained on it is the same on every machine.
    Never the interpreter's or the OS's files: the standard library differs between Python builds
    (docs/runtime.md, section 3.1)."""
    import json

    data = Path(__file__).resolve().parents[1] / "data"
    corpus = [p.read_text(encoding="utf-8") for p in sorted((data / "smoke_corpus").glob("*.py"))]
    benchmark = [r["prompt"] + r["canonical_solution"] + r["test"]
                 for r in map(json.loads, (data / "mini_humaneval.jsonl").read_text(encoding="utf-8").splitlines())]
    solutions = [(data / name).read_text(encoding="utf-8")
                 for name in ("smoke_warmstart.toml", "smoke_mini_solutions.toml")]
    return corpus + benchmark + solutions
