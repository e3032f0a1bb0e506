"""Where a stage's completions come from: the generation backend, or pre-generated samples.

The real path streams through the stage's generation backend (`mplt.generation.stream_completions`)
with the stage's model and SamplingConfig (streaming to `out_path`, resumable by id). `samples_file` (a JSONL of `{id,
completions}` or `{name,
completions}`, optionally with `language`) stands in for the model, e.g. hand-written LLM-like
fixtures in tests or samples produced elsewhere; a stage also accepts an injected `sampler`.
Either way the completions land in `out_path`, one record per prompt id.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig
from mplt.io import JsonlAppender, read_jsonl
from mplt.pipeline.common import read_done_ids

log = logging.getLogger(__name__)
# sampler(prompts, out_path) -> records {id, completions, ...} for every prompt.
Sampler = Callable[[list[dict], Path], list[dict]]


def file_sampler(samples_file: str | Path, language: str = "") -> Sampler:
    path = Path(samples_file)
    if not path.exists():
        raise MpltError(f"samples file {path} not found")
    table: dict[str, list[str]] = {}
    for record in read_jsonl(path):
        if language and record.get("language", language) != language:
            continue
        key = str(record.get("id", record.get("name")))
        table.setdefault(key, []).extend(record["completions"])

    def sample(prompts: list[dict], out_path: Path) -> list[dict]:
        done = read_done_ids(out_path)
        with JsonlAppender(out_path) as out:
            for prompt in prompts:
                if prompt["id"] in done:
                    continue
                completions = table.get(prompt["id"], table.get(prompt.get("name", ""), None))
                if completions is None:
                    log.warning("samples file %s has no completions for %s", path, prompt["id"])
                record = {"id": prompt["id"], "completions": completions or []}
                out.write(record)
                done[prompt["id"]] = record
        return [done[p["id"]] for p in prompts]
    return sample


def model_sampler(model: str, sampling: SamplingConfig, *, dtype: str = "auto", progress: bool = True) -> Sampler:
    """Sample with the backend `sampling.backend`; the model is loaded on first use."""
    def sample(prompts: list[dict], out_path: Path) -> list[dict]:
        from mplt.generation import ModelOptions, open_backend, stream_completions
        if not model:
            raise MpltError("no model configured for sampling (set `model` or `samples_file`)")
        done = read_done_ids(out_path)
        if not all(p["id"] in done for p in prompts):
            from mplt.generation.engine import resolve_sampling
            chosen = resolve_sampling(sampling)   # "auto" outside a run (`reproduce.py stage`)
            backend = open_backend(chosen.backend, ModelOptions(
                model=model, dtype=dtype, base_url=chosen.base_url, replicas=chosen.replicas,
                tensor_parallel_size=chosen.tensor_parallel_size))
            stream_completions(backend, prompts, chosen, out_path, progress=progress)
            done = read_done_ids(out_path)
        return [done[p["id"]] for p in prompts if p["id"] in done]
    return sample
