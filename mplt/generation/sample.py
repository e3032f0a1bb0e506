"""`sample_completions`: n completions per prompt with an HF causal LM, streamed and resumable.

Rows of a batch are (prompt, sample index) pairs, left-padded; each row is sampled with its own
seeded generator (`sampler.py`), so the draws do not depend on the batch size, on which prompts
share a batch, or on where an interrupted run resumed. With fp32 CPU kernels the completions are
then identical too; with bf16/fp16 GPU kernels the logits vary in the last bits with the batch shape,
so completions across batch sizes are equivalent in distribution, not identical (see __init__). Completions are decoded from the generated
token ids only (sliced by token position), cut at EOS, then at the earliest stop string.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig
from mplt.progress import progress_bar
from mplt.generation.sampler import derive_seed, make_sampler
from mplt.generation.stops import make_stop_criterion, truncate_at_stop_tokens
from mplt.io import JsonlAppender, read_jsonl

log = logging.getLogger(__name__)
# Settings that must match between a partial output file and the run that resumes it.
RESUME_KEYS = ("n", "temperature", "top_p", "max_new_tokens", "seed")


@dataclass
class _Pending:
    prompt: dict
    ids: list[int]
    budget: int
    stops: tuple[str, ...]
    completions: dict[int, str]


def sample_completions(loaded, prompts: Iterable[dict], config: SamplingConfig, out_path: Path | None = None,
                       *, progress: bool = True, description: str = "sampling") -> list[dict]:
    """Sample `config.n` completions for every prompt dict (`id`, `prompt`, `stop_tokens`, extra fields
    copied through). Returns one record per prompt in input order; with `out_path`, records are
    appended as each prompt finishes and ids already in the file are not sampled again."""
    prompts = _check_prompts(list(prompts))
    finished = _read_finished(Path(out_path), config) if out_path else {}
    todo = [p for p in prompts if p["id"] not in finished]
    if finished:
        log.info("%s: resuming, %d of %d prompts already sampled", out_path, len(prompts) - len(todo), len(prompts))
    results = dict(finished)
    appender = JsonlAppender(out_path) if out_path else None
    try:
        with progress_bar(description, len(todo) * config.n, progress and bool(todo), unit="samples") as advance:
            for record in _generate(loaded, todo, config, advance):
                results[record["id"]] = record
                if appender:
                    appender.write(record)
    finally:
        if appender:
            appender.close()
    return [results[p["id"]] for p in prompts]


def context_length(loaded, config: SamplingConfig) -> int:
    """Tokens the model can attend to: the config override, the model config, else the registry."""
    if config.max_context:
        return config.max_context
    model_config = getattr(loaded.model, "config", None)
    for attr in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length"):
        value = getattr(model_config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return loaded.spec.max_length


def _generate(loaded, prompts: list[dict], config: SamplingConfig, advance) -> Iterator[dict]:
    tokenizer = loaded.tokenizer
    context = context_length(loaded, config)
    rows_per_prompt = 1 if config.greedy else config.n
    rows: list[tuple[_Pending, int]] = []
    for prompt in prompts:
        text = prompt["prompt"].strip() if config.strip_prompt else prompt["prompt"]
        ids = tokenizer(text)["input_ids"]
        if not ids or len(ids) >= context:
            reason = "empty prompt" if not ids else f"prompt is {len(ids)} tokens; the model context is {context}"
            advance(config.n)
            yield _record(prompt, config, [], reason, len(ids))
            continue
        stops = tuple(prompt.get("stop_tokens") or ()) + config.extra_stop_tokens
        pending = _Pending(prompt, ids, min(config.max_new_tokens, context - len(ids)), stops, {})
        rows.extend((pending, j) for j in range(rows_per_prompt))
        while len(rows) >= config.batch_size:
            yield from _run_batch(loaded, rows[:config.batch_size], config, rows_per_prompt, advance)
            rows = rows[config.batch_size:]
    if rows:
        yield from _run_batch(loaded, rows, config, rows_per_prompt, advance)


def _run_batch(loaded, rows, config: SamplingConfig, rows_per_prompt: int, advance) -> Iterator[dict]:
    import torch
    from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

    model, tokenizer = loaded.model, loaded.tokenizer
    pad_id, eos_ids = _special_ids(loaded)
    width = max(len(p.ids) for p, _ in rows)
    device = next(model.parameters()).device
    # Left padding: every row continues from its own last prompt token at column `width`.
    input_ids = torch.tensor([[pad_id] * (width - len(p.ids)) + p.ids for p, _ in rows], device=device)
    attention = torch.tensor([[0] * (width - len(p.ids)) + [1] * len(p.ids) for p, _ in rows], device=device)
    budgets = [p.budget for p, _ in rows]
    criterion = make_stop_criterion(tokenizer, width, [p.stops for p, _ in rows], budgets)
    processors = LogitsProcessorList()
    if not config.greedy:
        seeds = [derive_seed(config.seed, str(p.prompt["id"]), j) for p, j in rows]
        processors.append(make_sampler(seeds, config.temperature, config.top_p))
    generation = GenerationConfig(max_new_tokens=max(budgets), do_sample=False, num_beams=1,
                                  eos_token_id=sorted(eos_ids), pad_token_id=pad_id)
    with torch.no_grad():
        output = model.generate(input_ids=input_ids, attention_mask=attention, generation_config=generation,
                                logits_processor=processors, stopping_criteria=StoppingCriteriaList([criterion]))
    cut_ids = eos_ids | {pad_id}
    for r, (pending, j) in enumerate(rows):
        generated = output[r, width:width + pending.budget].tolist()
        end = next((i for i, t in enumerate(generated) if t in cut_ids), len(generated))
        text = tokenizer.decode(generated[:end], skip_special_tokens=False, clean_up_tokenization_spaces=False)
        pending.completions[j] = truncate_at_stop_tokens(text, pending.stops)
        advance(config.n if config.greedy else 1)
        if len(pending.completions) == rows_per_prompt:
            texts = [pending.completions[k] for k in range(rows_per_prompt)]
            if config.greedy:
                texts = texts * config.n   # greedy decoding is deterministic: one pass serves all n
            yield _record(pending.prompt, config, texts, None, len(pending.ids))


def _special_ids(loaded) -> tuple[int, set[int]]:
    tokenizer, model = loaded.tokenizer, loaded.model
    eos = set()
    for value in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(value, int):
            eos.add(value)
        elif value:
            eos.update(value)
    if not eos:
        raise MpltError(f"{loaded.source}: the tokenizer defines no EOS token")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(eos)
    return pad, eos


def _record(prompt: dict, config: SamplingConfig, completions: list[str], reason: str | None,
            prompt_tokens: int) -> dict:
    return {**prompt, "completions": completions, "temperature": config.temperature, "top_p": config.top_p,
            "max_new_tokens": config.max_new_tokens, "n": config.n, "seed": config.seed,
            "prompt_tokens": prompt_tokens, "skipped_reason": reason}


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
            if record.get(key) != getattr(config, key):
                raise MpltError(f"{path} was sampled with {key}={record.get(key)!r}, not {getattr(config, key)!r}; "
                                "use another output path or the same settings")
        finished[record["id"]] = record
    return finished
