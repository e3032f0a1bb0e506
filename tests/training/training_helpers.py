"""Helpers shared by the fine-tuning tests (a uniquely named module: several conftest.py exist)."""
from __future__ import annotations

import json
from pathlib import Path


def lua_docs(n: int = 48, tag: str = "") -> list[str]:
    return [f"-- {tag}add {i}\nlocal function add{i}(a, b)\n  return a + b * {i % 7}\nend\n" for i in range(n)]


def write_docs(path: Path, docs: list[str], language: str = "lua") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for i, doc in enumerate(docs):
            f.write(json.dumps({"content": doc, "problem_id": i, "language": language, "pass_rate": 1.0}) + "\n")
    return path


def small_config(model_dir, data, **overrides):
    from mplt.training.config import resolve_config
    values = dict(model=str(model_dir), data=(str(data),), seq_len=64, micro_batch=2, grad_accum=2, epochs=2,
                  lr=5e-3, warmup_steps=0, eval_fraction=0.1, lora_r=8, lora_alpha=16, device="cpu")
    values.update(overrides)
    return resolve_config("qlora", overrides=values)


def interrupt_in_second_epoch(cfg, reference, out_dir: Path):
    """Run `cfg` into `out_dir` and stop it (KeyboardInterrupt, as Ctrl-C) at the first step of its
    second epoch; `reference` is a finished run of the same config. Returns the steps per epoch."""
    import pytest

    from mplt.training.loop import finetune
    steps_per_epoch = reference.state.step // cfg.epochs

    def crash(step):
        if step == steps_per_epoch + 1:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        finetune(cfg, out_dir, on_step=crash, show_progress=False)
    return steps_per_epoch
