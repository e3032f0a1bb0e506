"""The `finetune` stage (docs/method.md, section 5): one LoRA/QLoRA fine-tune per language (the
paper) or one interleaved, through `mplt.training.jobs.finetune_jobs`, the same entry function that
`reproduce.py finetune` calls.

Layout: RUN/finetune/<lang>/{adapter/, metrics.jsonl, checkpoints/, README.md}  (mix = "separate"),
RUN/finetune/{adapter/, ...}  (mix = "interleave"); `summary.json` last. A full fine-tune (the
`full` preset) writes `epochs/epoch-N/` and `epochs.json` in place of `adapter/`
(mplt/training/epochs.py); the summary lists them under `models`, each epoch's model for evaluation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.errors import MpltError
from mplt.langs import TARGETS
from mplt.pipeline.common import require_inputs, stage_dir, stage_log, write_config, write_summary


@dataclass(frozen=True)
class FinetuneStageConfig:
    preset: str = "qlora"                   # mplt.training.config.PRESETS
    model: str = ""                         # base model: registry key, Hub id or directory
    revision: str | None = None
    data: str = ""                          # the dataset stage's directory, a JSONL, or a Hub dataset id
    data_revision: str = "main"
    langs: tuple[str, ...] = TARGETS
    mix: str = "separate"                   # one adapter per language (the paper), or "interleave"
    settings: dict[str, Any] | None = None  # TrainConfig fields over the preset: [finetune.settings]

    def train_config(self, langs: tuple[str, ...] | None = None):
        from mplt.training.config import resolve_config
        overrides = {**(self.settings or {}), "model": self.model, "revision": self.revision,
                     "data": (self.data,), "data_revision": self.data_revision, "mix": self.mix,
                     "langs": tuple(langs if langs is not None else self.langs)}
        return resolve_config(self.preset, overrides=overrides)

    def validate(self) -> None:
        self.train_config()



def run_finetune(run_dir: Path, config: FinetuneStageConfig, *, progress: bool = True) -> dict:
    """One LoRA/QLoRA fine-tune per language (or one interleaved) through `finetune_jobs`, resumable
    from its checkpoints; a language whose adapter was exported by an earlier run is not trained again."""
    from mplt.training.jobs import finetune_jobs, load_training_documents
    require_inputs(run_dir, "finetune", config)
    out = stage_dir(run_dir, "finetune")
    with stage_log(run_dir, "finetune") as log:
        start = time.monotonic()
        write_config(out, config)
        cfg = config.train_config()
        try:
            documents, skipped = load_training_documents(cfg)
        except MpltError as e:
            raise MpltError(f"[finetune] {e}") from None
        for lang, why in skipped.items():   # a language without items is not evaluated fine-tuned
            log.warning("finetune %s: skipped: %s", lang, why)
        adapters, models = {}, {}
        for outcome in finetune_jobs(cfg, out, progress=progress, documents=documents):
            for lang in outcome.job.langs:   # relative to the run directory, so a copied run stays whole
                if cfg.full:
                    models[lang] = epoch_paths(outcome.job.out, Path(run_dir))
                else:
                    adapters[lang] = str((outcome.job.out / "adapter").relative_to(Path(run_dir)))
        summary = {"stage": "finetune", "model": config.model, "revision": config.revision, "preset": config.preset,
                   "finetune": cfg.finetune, "mix": config.mix, "adapters": adapters, "models": models,
                   "skipped": skipped,
                   "documents": {d.language: len(d.texts) for d in documents},
                   "seconds": round(time.monotonic() - start, 2)}
        write_summary(out, "finetune", summary)
    return summary


def epoch_paths(job_out: Path, run_dir: Path) -> list[dict]:
    """A full fine-tune's model after each epoch, relative to the run directory, in training order:
    [{"epoch", "step", "complete", "path"}] (mplt/training/epochs.py)."""
    from mplt.training.epochs import read_index
    index = read_index(job_out) or {"epochs": []}
    return [{"epoch": e["epoch"], "step": e["step"], "complete": e.get("complete", True),
             "path": str((job_out / e["path"]).relative_to(run_dir))} for e in index["epochs"]]
