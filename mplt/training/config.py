"""The fine-tuning config: one frozen dataclass; presets are dicts applied to it (docs/style.md, rule 4).

Resolution order: dataclass defaults < preset < TOML file (`[finetune]` table or top level) < command
line flags. The resolved config is written to `<out>/finetune_config.json`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from mplt.config import config_from_dict, config_to_dict, load_toml
from mplt.errors import MpltError
from mplt.models.load import check_dtype


FINETUNE_KINDS = ("lora", "full")
SCHEDULER_STEPS = ("optimizer", "micro-batches")


@dataclass(frozen=True)
class TrainConfig:
    # model
    model: str = ""
    revision: str | None = None
    # "lora": train a LoRA adapter (on a 4-bit base with load_in_4bit: QLoRA); "full": train every
    # weight of the model in its compute dtype, no adapter (docs/method.md, section 5.2)
    finetune: str = "lora"
    load_in_4bit: bool = True
    gradient_checkpointing: bool = True
    # LoRA
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] | str = "auto"     # "auto" = the registry's targets, else all-linear
    # data
    data: tuple[str, ...] = ()
    data_revision: str = "main"
    langs: tuple[str, ...] = ()
    mix: str = "interleave"           # "interleave" | "separate" (one adapter per language)
    max_docs: int = 0                 # 0 = all; a cap per language for smoke runs (the first N)
    sample_docs: int = 0              # > 0: a seeded sample of N documents per language (seed `seed`)
    eval_fraction: float = 0.01       # docs/method.md, section 5.1: 1 % held out (seeded here)
    eval_max_docs: int = 500
    seq_len: int = 2048
    last_window: str = "pad"          # "pad" (EOS-pad, masked: docs/method.md, section 5.2) | "drop" (5.1)
    # infill mixing (docs/codegen2.md, section B2)
    fim_rate: float = 0.0
    fim_format: str = "auto"          # "auto" = the model's infill format
    fim_min_ratio: float = 0.1
    fim_max_ratio: float = 0.5
    fim_max_spans: int = 4
    fim_snap_lines: bool = False
    fim_loss: str = "all"
    # optimisation
    epochs: int = 3
    max_steps: int = 0                # 0 = run all epochs
    micro_batch: int = 4
    grad_accum: int = 2
    lr: float = 2e-4
    weight_decay: float = 0.0
    warmup_steps: int = 50
    warmup_fraction: float = 0.0      # > 0: warmup = this share of the planned steps (wins over warmup_steps)
    max_grad_norm: float = 1.0        # 0 = no clipping (MultiPL-T's older 1B trainer, docs/method.md, section 5.2)
    # "optimizer": the cosine runs over the optimizer steps; "micro-batches": planned over the
    # micro-batches but stepped once per optimizer step, so it ends near the peak lr, as MultiPL-T's
    # older 1B trainer did (docs/method.md, section 5.2)
    scheduler_steps: str = "optimizer"
    adam_betas: tuple[float, float] = (0.9, 0.999)
    seed: int = 0
    device: str = "auto"
    # mplt.models.precision: bf16/fp16 on CUDA, fp32 on CPU; smoke: float64 (docs/determinism.md)
    compute_dtype: str = "auto"
    weight_grid_bits: int = 0         # > 0: trainable weights snapped to 2^-bits each step (mplt.training.grid)

    def validate(self) -> None:
        checks = [
            (self.model, "a model is required (--model)"),
            (self.data, "a data source is required (--data)"),
            (self.finetune in FINETUNE_KINDS, f"finetune must be {'|'.join(FINETUNE_KINDS)}, got {self.finetune!r}"),
            (not (self.finetune == "full" and self.load_in_4bit),
             'finetune = "full" trains every weight in bf16 and cannot load the model in 4-bit; set '
             'load_in_4bit = false (or use the qlora preset)'),
            (self.scheduler_steps in SCHEDULER_STEPS,
             f"scheduler_steps must be {'|'.join(SCHEDULER_STEPS)}, got {self.scheduler_steps!r}"),
            (self.max_grad_norm >= 0, f"max_grad_norm must be >= 0 (0 = no clipping), got {self.max_grad_norm}"),
            (self.sample_docs >= 0, f"sample_docs must be >= 0, got {self.sample_docs}"),
            (self.mix in ("interleave", "separate"), f"mix must be interleave|separate, got {self.mix!r}"),
            (self.last_window in ("pad", "drop"), f"last_window must be pad|drop, got {self.last_window!r}"),
            (self.seq_len >= 8, f"seq_len must be >= 8, got {self.seq_len}"),
            (self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}"),
            (self.max_steps >= 0, f"max_steps must be >= 0, got {self.max_steps}"),
            (self.micro_batch >= 1 and self.grad_accum >= 1, "micro_batch and grad_accum must be >= 1"),
            (self.lr > 0, f"lr must be > 0, got {self.lr}"),
            (self.lora_r >= 1, f"lora_r must be >= 1, got {self.lora_r}"),
            (0 <= self.eval_fraction < 0.5, f"eval_fraction must be in [0, 0.5), got {self.eval_fraction}"),
            (0 <= self.fim_rate <= 1, f"fim_rate must be in [0, 1], got {self.fim_rate}"),
            (self.warmup_steps >= 0, f"warmup_steps must be >= 0, got {self.warmup_steps}"),
            (0 <= self.warmup_fraction < 1, f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}"),
            (0 <= self.weight_grid_bits <= 40, f"weight_grid_bits must be in [0, 40], got {self.weight_grid_bits}"),
        ]
        for ok, message in checks:
            if not ok:
                raise MpltError(message)
        check_dtype("finetune", self.compute_dtype)

    @property
    def tokens_per_step(self) -> int:
        return self.micro_batch * self.grad_accum * self.seq_len

    @property
    def full(self) -> bool:
        return self.finetune == "full"

    def planned_warmup(self, total_steps: int) -> int:
        """Warmup steps for a run of `total_steps`: the fraction when set, else `warmup_steps`;
        never all of the run (the lr must reach its peak before the cosine decay ends)."""
        steps = math.ceil(self.warmup_fraction * total_steps) if self.warmup_fraction > 0 else self.warmup_steps
        return min(steps, max(0, total_steps - 1))


PRESETS: dict[str, dict[str, Any]] = {
    # Our one-GPU default for a ~1B model. r=16/alpha=32 with dropout 0.05 on all linear layers is the
    # QLoRA paper's recipe scale; LoRA needs a ~10x higher lr than full fine-tuning (2e-4 vs 3e-5).
    # 4 x 2048-token windows per micro-batch fit a 1B 4-bit model with gradient checkpointing in
    # well under 16 GB; accumulation 2 gives 16,384 tokens per step, the paper's step size (5.1).
    # 3 epochs: MultiPL-T's best 1B epochs were 3-5 (docs/method.md, section 7.1) and LoRA converges sooner.
    # No weight decay on LoRA factors (QLoRA paper); warmup 50 steps (~4 % of a 48k-document epoch).
    "qlora": dict(load_in_4bit=True, lora_r=16, lora_alpha=32, lora_dropout=0.05, lr=2e-4, seq_len=2048,
                  micro_batch=4, grad_accum=2, epochs=3, warmup_steps=50, weight_decay=0.0,
                  max_grad_norm=1.0, last_window="pad"),
    # docs/method.md, section 5.1 (training_starcoder1b/demo.py): global batch 8 x 2048 tokens as micro-batch 1 x
    # accumulation 8, lr 3e-5, 7 epochs, 100 warmup steps, weight decay 0.001 (not on biases/norms),
    # cosine, clip 1.0, last partial window dropped. The paper fine-tuned all weights in bf16; here
    # the same hyperparameters drive the LoRA adapter (kept for reference; lr is low for LoRA).
    "paper": dict(lr=3e-5, micro_batch=1, grad_accum=8, seq_len=2048, epochs=7, warmup_steps=100,
                  weight_decay=0.001, max_grad_norm=1.0, last_window="drop", eval_fraction=0.01),
    # Full fine-tuning as MultiPL-T's older trainer behind the published 1B figures (docs/method.md,
    # section 5.2; MultiPL-T's training/code_llms/training/__init__.py and experiments/*_full_1b/train.py):
    # every weight trained in the compute dtype (bf16 on a GPU, as theirs; no fp32 master copy), batch
    # 8 = micro-batch 1 x accumulation 8 of packed 2048-token windows, the last window EOS-padded and
    # masked, lr 3e-5, cosine with 10 warmup steps planned over the micro-batches (so the lr stays
    # near its peak), AdamW with weight decay 0.001 except on biases and norms, no gradient clipping,
    # 7 epochs, no held-out split (their trainer evaluated on the benchmark only). A checkpoint of the
    # whole model after each epoch, so that each epoch can be evaluated (docs/deviations.md).
    "full": dict(finetune="full", load_in_4bit=False, gradient_checkpointing=True, lr=3e-5, micro_batch=1,
                 grad_accum=8, seq_len=2048, epochs=7, warmup_steps=10, weight_decay=0.001, max_grad_norm=0.0,
                 scheduler_steps="micro-batches", last_window="pad", eval_fraction=0.0),
}


def resolve_config(preset: str = "qlora", toml_path: str | None = None,
                   overrides: dict[str, Any] | None = None) -> TrainConfig:
    if preset not in PRESETS:
        raise MpltError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    values: dict[str, Any] = dict(PRESETS[preset])
    if toml_path:
        table = load_toml(toml_path)
        values.update(table.get("finetune", table))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    config = config_from_dict(TrainConfig, values, where="finetune config")
    config.validate()
    return config


def replace(config: TrainConfig, **changes: Any) -> TrainConfig:
    return dataclasses.replace(config, **changes)


def config_dict(config: TrainConfig) -> dict[str, Any]:
    return config_to_dict(config)
