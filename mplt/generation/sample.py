"""Streaming completions to JSONL, resumable by prompt id, whatever backend samples them.

`stream_completions` is the one place that checks prompts, skips ids already in the output file,
refuses a file written with other sampling settings, appends each record as its prompt finishes and
drives the progress bar; the backend (`mplt.generation.backends`) only samples.
`sample_completions(loaded, ...)` is the same with the HF backend around an already loaded model.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Iterable

from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig
from mplt.io import JsonlAppender, read_jsonl
from mplt.progress import progress_bar

log = logging.getLogger(__name__)
# Settings that must match between a partial output file and the run that resumes it.
RESUME_KEYS = ("n", "temperature", "top_p", "max_new_tokens", "seed", "backend", "top_k", "max_length",
               "strip_prompt")
# Files written before records named their backend were all sampled with HF transformers; before the
# evaluation protocols (mplt/evaluation/protocols.py) with no top_k or max_length and stripped prompts.
LEGACY_DEFAULTS = {"backend": "hf", "top_k": 0, "max_length": None, "strip_prompt": True}


def stream_completions(backend, prompts: Iterable[dict], config: SamplingConfig, out_path: Path | None = None,
                       *, progress: bool = True, description: str = "sampling") -> list[dict]:
    """Sample `config.n` completions for every prompt dict (`id`, `prompt`, `stop_tokens`, extra fields
    copied through) with `backend` (a mplt.generation.backends.base.Backend). Returns one record per
    prompt in input order; with `out_path`, records are appended as each prompt finishes and ids
    already in the file are not sampled again."""
    prompts = _check_prompts(list(prompts))
    if config.backend == "auto":   # records name the engine that sampled them
        config = dataclasses.replace(config, backend=backend.name)
    finished = _read_finished(Path(out_path), config) if out_path else {}
    todo = [p for p in prompts if p["id"] not in finished]
    if finished:
        log.info("%s: resuming, %d of %d prompts already sampled", out_path, len(prompts) - len(todo), len(prompts))
    results = dict(finished)
    appender = JsonlAppender(out_path) if out_path else None
    try:
        with progress_bar(description, len(todo) * config.n, progress and bool(todo), unit="samples") as advance:
            for record in backend.generate(todo, config, advance):
                results[record["id"]] = record
                if appender:
                    appender.write(record)
    finally:
        if appender:
            appender.close()
    return [results[p["id"]] for p in prompts]


def sample_completions(loaded, prompts: Iterable[dict], config: SamplingConfig, out_path: Path | None = None,
                       *, progress: bool = True, description: str = "sampling") -> list[dict]:
    """`stream_completions` with the HF backend around `loaded` (a mplt.models.load.LoadedModel)."""
    from mplt.generation.backends.hf import HFBackend
    if config.backend != HFBackend.name:
        raise MpltError(f"sample_completions drives a loaded HF model; backend {config.backend!r} "
                        "goes through stream_completions(open_backend(...), ...)")
    return stream_completions(HFBackend(loaded), prompts, config, out_path, progress=progress,
                              description=description)


def _check_prompts(prompts: list[dict]) -> list[dict]:
    seen = set()
    for i, p in enumerate(prompts):
        if not isinstance(p, dict) or "id" not in p or not isinstance(p.get("prompt"), str):
            raise MpltError(f"prompt #{i} needs an `id` and a string `prompt`")
        if p["id"] in seen:
            raise MpltError(f"duplicate prompt id {p['id']!r}")
        seen.add(p["id"])
    return prompts


def _read_finished(path: Path, config: SamplingConfig) -> dict[str, dict]:
    if not path.exists():
        return {}
    finished = {}
    for record in read_jsonl(path, skip_partial=True):
        for key in RESUME_KEYS:
            value = record.get(key, LEGACY_DEFAULTS.get(key))
            if value != getattr(config, key):
                raise MpltError(f"{path} was sampled with {key}={value!r}, not {getattr(config, key)!r}; "
                                "use another output path or the same settings")
        finished[record["id"]] = record
    return finished
