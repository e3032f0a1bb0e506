"""Export: the final adapter (+ tokenizer) in `<out>/adapter`, a model card `<out>/README.md`, and on
request a merged model in `<out>/merged` (see `model.merge_adapter` for how a 4-bit base is merged).

`python reproduce.py eval --model BASE --adapter <out>/adapter` evaluates base + adapter; the merged
directory loads as a plain model (`--model <out>/merged`).
"""
from __future__ import annotations

from pathlib import Path

from mplt.io import read_jsonl
from mplt.training.config import config_dict


def export_adapter(model, tokenizer, out: Path, cfg, spec, loaded, stats: dict, eval_losses, state) -> Path:
    adapter_dir = out / "adapter"
    model.save_pretrained(adapter_dir)
    tokenizer.save_pretrained(adapter_dir)
    write_model_card(out / "README.md", cfg, spec, loaded, stats, eval_losses, state, out / "metrics.jsonl")
    return adapter_dir


def _train_losses(metrics_path: Path) -> list[tuple[int, float]]:
    if not metrics_path.exists():
        return []
    return [(r["step"], r["loss"]) for r in read_jsonl(metrics_path, skip_partial=True) if "loss" in r]


def write_model_card(path: Path, cfg, spec, loaded, stats: dict, eval_losses, state, metrics_path: Path) -> None:
    losses = _train_losses(metrics_path)
    tail = [loss for _, loss in losses[-10:]]
    langs = stats["languages"]
    train, held = stats["train"], stats["eval"]
    lines = [
        f"# LoRA adapter for {loaded.source}: MultiPL-T fine-tuning ({', '.join(langs)})", "",
        "Trained with `mplt` (a reproduction of MultiPL-T, Cassano et al., OOPSLA 2024).", "",
        "## Base model", "",
        f"* model: `{loaded.source}` (registry key `{spec.key}`)",
        f"* revision: `{loaded.revision}`" + (f", commit `{loaded.commit}`" if loaded.commit else ""),
        f"* loaded in {'4-bit NF4 with double quantization (QLoRA)' if cfg.load_in_4bit else 'full precision (plain LoRA)'}",
        "", "## Data", "",
        "| language | source | train documents | eval documents |", "|---|---|---|---|",
        *(f"| {lang} | `{v['source']}` | {v['train_docs']} | {v['eval_docs']} |" for lang, v in langs.items()),
        "",
        f"* packed into {train['windows']} windows of {stats['seq_len']} tokens ({train['tokens']} tokens, "
        f"EOS after every document; last partial window: {cfg.last_window}, {train['dropped_tokens']} tokens dropped)",
        f"* eval: {held['documents']} held-out documents, {held['tokens']} tokens (seeded split, seed {cfg.seed})",
        f"* infill (CodeGen2-style span corruption) rate {cfg.fim_rate}: {train['transformed']} of "
        f"{train['documents']} training documents transformed",
        "", "## Hyperparameters", "", "| setting | value |", "|---|---|",
        *(f"| {k} | {v} |" for k, v in config_dict(cfg).items() if k not in ("data", "langs")),
        "", "## Losses", "",
        f"* optimizer steps: {state.step}, epochs completed: {state.epoch}, tokens: {state.tokens}",
        f"* train loss, mean of the last {len(tail)} steps: "
        + (f"{sum(tail) / len(tail):.4f}" if tail else "n/a"),
        "", "| step | eval loss |", "|---|---|",
        *(f"| {step} | {loss:.4f} |" for step, loss in eval_losses),
        "", "## Use", "",
        f"    python reproduce.py eval --model {cfg.model} --adapter {path.parent / 'adapter'}", "",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
