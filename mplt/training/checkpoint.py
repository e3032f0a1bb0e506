"""Per-epoch checkpoints that a killed run resumes from (MultiPL-T saves one per epoch but keeps no
optimizer state and cannot resume, docs/method.md, section 5.1; we keep adapter + optimizer + scheduler + RNG + step state).

Layout: `<out>/checkpoints/step-000123/` with the peft adapter files (with full fine-tuning: the
whole model's safetensors), `trainer_state.pt` and a human-readable `state.json`. A full fine-tune
keeps only its latest checkpoint (a 1B model's weights and AdamW state are about 6 GB in bf16); the
models of earlier epochs stay in `<out>/epochs/` for evaluation (mplt/training/epochs.py). A checkpoint is written to a temporary directory and renamed into place,
so a kill during saving leaves the previous checkpoint as the latest complete one.
"""
from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from mplt.errors import MpltError

STATE_FILE = "trainer_state.pt"


@dataclass
class TrainState:
    step: int = 0              # optimizer steps done
    epoch: int = 0             # epochs fully done
    group_in_epoch: int = 0    # optimizer steps done inside the current epoch
    tokens: int = 0            # window tokens processed


def capture_rng() -> dict:
    import numpy as np
    import torch
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    import numpy as np
    import torch
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(directory: Path, model, optimizer, scheduler, state: TrainState, fingerprint: str,
                    eval_loss: float | None, keep_only_latest: bool = False) -> Path:
    import torch
    final = directory / f"step-{state.step:06d}"
    tmp = directory / f".tmp-step-{state.step:06d}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": capture_rng(),
                    "state": asdict(state), "fingerprint": fingerprint}, tmp / STATE_FILE)
        (tmp / "state.json").write_text(json.dumps({**asdict(state), "eval_loss": eval_loss}, indent=1) + "\n")
    except BaseException:
        # A full disk mid-save: drop the partial copy (freeing its space); the previous checkpoint
        # stays the latest complete one, so a rerun resumes from it.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    if keep_only_latest:   # only once the new one is complete: a kill before leaves the older one
        for older in directory.glob("step-*"):
            if older != final:
                shutil.rmtree(older, ignore_errors=True)
    return final


def latest_checkpoint(directory: Path) -> Path | None:
    done = sorted(p for p in directory.glob("step-*") if (p / STATE_FILE).exists())
    return done[-1] if done else None


def load_checkpoint(path: Path, model, optimizer, scheduler, fingerprint: str) -> TrainState:
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    blob = torch.load(path / STATE_FILE, weights_only=False)
    if blob["fingerprint"] != fingerprint:
        raise MpltError(f"{path}: checkpoint was trained on different packed data or settings; "
                        "use a new --out directory or --restart")
    if (path / "adapter_model.safetensors").exists():
        set_peft_model_state_dict(model, load_file(str(path / "adapter_model.safetensors")))
    else:
        load_full_weights(model, path)
    optimizer.load_state_dict(blob["optimizer"])
    scheduler.load_state_dict(blob["scheduler"])
    restore_rng(blob["rng"])
    return TrainState(**blob["state"])


def load_full_weights(model, path: Path) -> None:
    """A full fine-tune's weights (one or several safetensors shards) into `model`; only weights that
    `save_pretrained` leaves out because they are tied (the output head) may be missing."""
    from safetensors.torch import load_file
    shards = sorted(path.glob("*.safetensors"))
    if not shards:
        raise MpltError(f"{path}: no adapter or model safetensors in the checkpoint")
    weights = {}
    for shard in shards:
        weights.update(load_file(str(shard)))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    tied = set(getattr(model, "_tied_weights_keys", None) or ())
    untied = [k for k in missing if k not in tied]
    if untied or unexpected:
        raise MpltError(f"{path}: checkpoint does not match the model (missing {untied[:3]}, unexpected {unexpected[:3]})")
