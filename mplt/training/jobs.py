"""Fine-tuning's one entry function, `finetune_jobs`, called by `reproduce.py finetune` and by the
`finetune` stage alike (docs/method.md, section 5): load the documents, plan the adapters, train
each one (resuming from its checkpoints) and optionally merge it.

Layout under OUT: `OUT/<lang>/{adapter/, metrics.jsonl, checkpoints/, README.md}` with
mix = "separate" (one adapter per language, the paper), `OUT/{adapter/, ...}` with "interleave".
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from mplt.errors import MpltError
from mplt.training.config import TrainConfig
from mplt.training.data import Documents, load_documents, sample_documents

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    out: Path
    documents: tuple[Documents, ...]

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(d.language for d in self.documents)

    def exported(self) -> bool:
        """An adapter (a full fine-tune: the epochs' index) and its card are written last, so both
        mean the job finished."""
        model = (self.out / "adapter" / "adapter_config.json").exists() or (self.out / "epochs.json").exists()
        return model and (self.out / "README.md").exists()


@dataclass(frozen=True)
class JobOutcome:
    job: Job
    result: object | None      # mplt.training.loop.TrainResult; None when an earlier run had exported it
    merged: Path | None = None


def load_training_documents(cfg: TrainConfig) -> tuple[list[Documents], dict[str, str]]:
    """One `Documents` per language over every source in `cfg.data`, and the languages skipped with
    why. Named languages are loaded one by one, so a language missing from the data is skipped (and
    said) instead of failing the others; without names, every language found is used."""
    found: dict[str, list[Documents]] = {}
    skipped: dict[str, str] = {}
    wanted = [(lang,) for lang in cfg.langs] if cfg.langs else [()]
    for langs in wanted:
        for source in cfg.data:
            try:
                for docs in load_documents(source, langs, cfg.data_revision, cfg.max_docs):
                    found.setdefault(docs.language, []).append(docs)
            except MpltError as e:
                if not langs:
                    raise
                skipped.setdefault(langs[0], str(e))
    documents = [sample_documents(_joined(parts, cfg.max_docs), cfg.sample_docs, cfg.seed) for parts in found.values()]
    for docs in documents:
        skipped.pop(docs.language, None)
    skipped.update({d.language: "no training items" for d in documents if not d.texts})
    documents = [d for d in documents if d.texts]
    if not documents:
        reasons = "; ".join(f"{lang}: {why}" for lang, why in skipped.items()) or "nothing found"
        raise MpltError(f"no training documents in {', '.join(cfg.data)} ({reasons})")
    return documents, skipped


def _joined(parts: list[Documents], max_docs: int) -> Documents:
    if len(parts) == 1:
        return parts[0]
    texts = tuple(t for part in parts for t in part.texts)
    return Documents(parts[0].language, " + ".join(p.source for p in parts), texts[:max_docs] if max_docs else texts)


def plan_jobs(out: Path, documents: list[Documents], mix: str) -> list[Job]:
    if mix == "separate":
        return [Job(Path(out) / d.language, (d,)) for d in documents]
    return [Job(Path(out), tuple(documents))]


def finetune_jobs(cfg: TrainConfig, out: str | Path, *, progress: bool = True, restart: bool = False,
                  merge: bool = False, documents: list[Documents] | None = None) -> list[JobOutcome]:
    """Train every planned adapter of `cfg` under `out`; an adapter exported by an earlier run is kept
    (unless `restart`), an interrupted one resumes from its last checkpoint."""
    from mplt.training.loop import finetune
    if documents is None:
        documents, skipped = load_training_documents(cfg)
        for lang, why in skipped.items():
            log.warning("finetune %s: skipped: %s", lang, why)
    outcomes = []
    for job in plan_jobs(Path(out), documents, cfg.mix):
        job_cfg = replace(cfg, langs=job.langs)
        if job.exported() and not restart:
            log.info("finetune %s: adapter already exported in %s, kept", ",".join(job.langs), job.out)
            result = None
        else:
            log.info("finetune %s: %d documents", ",".join(job.langs), sum(len(d.texts) for d in job.documents))
            result = finetune(job_cfg, job.out, list(job.documents), show_progress=progress, restart=restart)
        merged = None
        if merge and job_cfg.full:
            log.info("finetune %s: a full fine-tune is a whole model already; nothing to merge", ",".join(job.langs))
        elif merge:
            from mplt.models.load import pick_device
            from mplt.training.model import merge_adapter
            merged = job.out / "merged"
            merge_adapter(job_cfg, str(job.out / "adapter"), str(merged),
                          pick_device() if job_cfg.device == "auto" else job_cfg.device)
        outcomes.append(JobOutcome(job, result, merged))
    return outcomes
