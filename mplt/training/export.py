"""Export: the final adapter (+ tokenizer) in `<out>/adapter`, a model card `<out>/README.md`, and on
request a merged model in `<out>/merged` (see `model.merge_adapter` for how a 4-bit base is merged).
A full fine-tune exports the index of its per-epoch models, `<out>/epochs.json`
(mplt/training/epochs.py), and the same card.

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


def export_full(model, tokenizer, out: Path, cfg, spec, loaded, stats: dict, eval_losses,
                state) -> tuple[Path, tuple[Path, ...]]:
    """(the final model's directory, every epoch's) of a full fine-tune; the card and the index last."""
    from mplt.training.epochs import epoch_models, read_index, write_index
    models = epoch_models(out)
    if not models or models[-1]["step"] != state.step:   # a resumed run that had saved no model yet
        from mplt.training.epochs import save_epoch_model
        complete = state.group_in_epoch == 0
        save_epoch_model(out, model, tokenizer, epoch=state.epoch if complete else state.epoch + 1,
                         step=state.step, complete=complete, eval_loss=eval_losses[-1][1] if eval_losses else None)
    write_model_card(out / "README.md", cfg, spec, loaded, stats, eval_losses, state, out / "metrics.jsonl")
    index = read_index(write_index(out).parent)
    return out / index["final"], tuple(out / e["path"] for e in index["epochs"])


def _train_losses(metrics_path: Path) -> list[tuple[int, float]]:
    if not metrics_path.exists():
        return []
    return [(r["step"], r["loss"]) for r in read_jsonl(metrics_path, skip_partial=True) if "loss" in r]


def write_model_card(path: Path, cfg, spec, loaded, stats: dict, eval_losses, state, metrics_path: Path) -> None:
    losses = _train_losses(metrics_path)
    tail = [loss for _, loss in losses[-10:]]
    langs = stats["languages"]
    train, held = stats["train"], stats["eval"]
    what = "Fully fine-tuned model" if cfg.full else "LoRA adapter"
    loaded_as = ("full precision, every weight trained (bf16 on a GPU)" if cfg.full else
                 "4-bit NF4 with double quantization (QLoRA)" if cfg.load_in_4bit else "full precision (plain LoRA)")
    use = ([f"    python reproduce.py eval --model {path.parent / 'epochs' / 'epoch-N'}", "",
            "one directory per epoch under `epochs/`, listed in `epochs.json`"] if cfg.full else
           [f"    python reproduce.py eval --model {cfg.model} --adapter {path.parent / 'adapter'}"])
    lines = [
        f"# {what} for {loaded.source}: MultiPL-T fine-tuning ({', '.join(langs)})", "",
        "Trained with `mplt` (a reproduction of MultiPL-T, Cassano et al., OOPSLA 2024).", "",
        "## Base model", "",
        f"* model: `{loaded.source}` (registry key `{spec.key}`)",
        f"* revision: `{loaded.revision}`" + (f", commit `{loaded.commit}`" if loaded.commit else ""),
        f"* loaded in {loaded_as}",
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
        "", "## Use", "", *use, "",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
