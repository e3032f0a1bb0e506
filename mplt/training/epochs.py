"""The model after each epoch of a full fine-tune, kept for evaluation (docs/method.md, section 5.2:
MultiPL-T's trainer saved the model at each epoch end and evaluated every one on the benchmark).

Layout under a fine-tune's OUT:

    OUT/epochs/epoch-1/{config.json, model.safetensors, tokenizer files, epoch.json}
    OUT/epochs/epoch-2/...
    OUT/epochs.json     {"epochs": [{"epoch", "step", "path", "eval_loss"}, ...], "final": path}

Each directory loads as a plain model (`reproduce.py eval --model OUT/epochs/epoch-2`). It is
written to a temporary directory and renamed into place, so a kill leaves no half-written epoch; a
resumed run rewrites an epoch it had not finished. A run cut short by `max_steps` inside an epoch
keeps its last model as `step-N`. `epochs.json` is written last, by the export: its presence means
the fine-tune finished (mplt/training/jobs.py).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from mplt.errors import MpltError

INDEX = "epochs.json"


def snapshot_name(epoch: int, complete: bool, step: int) -> str:
    return f"epoch-{epoch}" if complete else f"step-{step}"


def save_epoch_model(out: Path, model, tokenizer, *, epoch: int, step: int, complete: bool,
                     eval_loss: float | None) -> Path:
    """Write the whole model (safetensors) and the tokenizer to OUT/epochs/<name>/."""
    root = Path(out) / "epochs"
    name = snapshot_name(epoch, complete, step)
    final, tmp = root / name, root / f".tmp-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "epoch.json").write_text(json.dumps({"epoch": epoch, "step": step, "complete": complete,
                                                    "eval_loss": eval_loss}, indent=1) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return final


def epoch_models(out: Path) -> list[dict]:
    """The saved models under OUT/epochs/, in training order: {"epoch", "step", "path", "eval_loss"}."""
    found = []
    for meta in (Path(out) / "epochs").glob("*/epoch.json"):
        record = json.loads(meta.read_text(encoding="utf-8"))
        found.append({**record, "path": str(meta.parent)})
    return sorted(found, key=lambda r: r["step"])


def write_index(out: Path) -> Path:
    """OUT/epochs.json, listing every saved model and naming the last one the final model."""
    models = epoch_models(out)
    if not models:
        raise MpltError(f"{out}: the full fine-tune saved no model (no {out}/epochs/*/epoch.json)")
    index = {"epochs": [{**m, "path": str(Path(m["path"]).relative_to(out))} for m in models],
             "final": str(Path(models[-1]["path"]).relative_to(out))}
    path = Path(out) / INDEX
    path.write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return path


def read_index(out: Path) -> dict | None:
    path = Path(out) / INDEX
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
