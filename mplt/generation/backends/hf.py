"""The HF transformers backend: `model.generate` on left-padded batches of (prompt, sample index) rows.

Each row is sampled with its own seeded generator (`mplt.generation.sampler`), so the draws do not
depend on the batch size, on which prompts share a batch, or on where an interrupted run resumed.
With fp32 CPU kernels the completions are then identical too; with bf16/fp16 GPU kernels the logits
vary in the last bits with the batch shape, so completions across batch sizes are equivalent in
distribution, not identical (see mplt.generation). Completions are decoded from the generated token
ids only (sliced by token position), cut at EOS, then at the earliest stop string.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from mplt.errors import MpltError
from mplt.generation.backends.base import Backend, ModelOptions
from mplt.generation.config import SamplingConfig
from mplt.generation.records import completion_record
from mplt.generation.sampler import derive_seed, make_sampler
from mplt.generation.stops import could_end_mask, make_stop_criterion, token_texts, truncate_at_stop_tokens


def open_backend(options: ModelOptions) -> "HFBackend":
    from mplt.models.load import load_model
    return HFBackend(load_model(options.model, options.revision, adapter=options.adapter,
                                load_in_4bit=options.load_in_4bit, device=options.device, dtype=options.dtype,
                                tokenizer_fallback=options.tokenizer_fallback))


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


@dataclass
class _Pending:
    prompt: dict
    ids: list[int]
    budget: int
    stops: tuple[str, ...]
    completions: dict[int, str]


class HFBackend(Backend):
    name = "hf"

    def __init__(self, loaded):
        self.loaded = loaded   # mplt.models.load.LoadedModel
        self.source, self.commit = loaded.source, loaded.commit
        self._token_texts: list[str] | None = None
        self._masks: dict[frozenset, object] = {}   # stop strings -> could_end_mask

    def _could_end(self, stops: frozenset):
        """The [vocab] mask of tokens that may end one of `stops`, built once per set of stops."""
        if stops not in self._masks:
            if self._token_texts is None:
                self._token_texts = token_texts(self.loaded.tokenizer)
            self._masks[stops] = could_end_mask(self._token_texts, stops)
        return self._masks[stops]

    def generate(self, prompts: list[dict], config: SamplingConfig,
                 advance: Callable[[int], None]) -> Iterator[dict]:
        tokenizer = self.loaded.tokenizer
        context = context_length(self.loaded, config)
        rows_per_prompt = config.samples
        rows: list[tuple[_Pending, int]] = []
        for prompt in prompts:
            ids = tokenizer(config.model_text(prompt))["input_ids"]
            if not ids or len(ids) >= context:
                reason = "empty prompt" if not ids else f"prompt is {len(ids)} tokens; the model context is {context}"
                advance(config.n)
                yield completion_record(prompt, config, [], reason, len(ids))
                continue
            pending = _Pending(prompt, ids, config.new_token_budget(len(ids), context), config.stops(prompt), {})
            rows.extend((pending, j) for j in range(rows_per_prompt))
            while len(rows) >= config.batch_size:
                yield from self._run_batch(rows[:config.batch_size], config, rows_per_prompt, advance)
                rows = rows[config.batch_size:]
        if rows:
            yield from self._run_batch(rows, config, rows_per_prompt, advance)

    def _run_batch(self, rows, config: SamplingConfig, rows_per_prompt: int, advance) -> Iterator[dict]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        model, tokenizer = self.loaded.model, self.loaded.tokenizer
        pad_id, eos_ids = _special_ids(self.loaded)
        width = max(len(p.ids) for p, _ in rows)
        device = next(model.parameters()).device
        # Left padding: every row continues from its own last prompt token at column `width`.
        input_ids = torch.tensor([[pad_id] * (width - len(p.ids)) + p.ids for p, _ in rows], device=device)
        attention = torch.tensor([[0] * (width - len(p.ids)) + [1] * len(p.ids) for p, _ in rows], device=device)
        budgets = [p.budget for p, _ in rows]
        stops = frozenset(stop for p, _ in rows for stop in p.stops)
        criterion = make_stop_criterion(tokenizer, width, [p.stops for p, _ in rows], budgets,
                                        self._could_end(stops) if stops else None)
        processors = LogitsProcessorList()
        if not config.greedy:
            seeds = [derive_seed(config.seed, str(p.prompt["id"]), j) for p, j in rows]
            processors.append(make_sampler(seeds, config.temperature, config.top_p, max(budgets), device,
                                           top_k=config.top_k))
        generation = GenerationConfig(max_new_tokens=max(budgets), do_sample=False, num_beams=1,
                                      eos_token_id=sorted(eos_ids), pad_token_id=pad_id)
        with torch.no_grad():
            output = model.generate(input_ids=input_ids, attention_mask=attention, generation_config=generation,
                                    logits_processor=processors, stopping_criteria=StoppingCriteriaList([criterion]))
        cut_ids = eos_ids | {pad_id}
        for r, (pending, j) in enumerate(rows):
            generated = output[r, width:width + pending.budget].tolist()
            end = next((i for i, t in enumerate(generated) if t in cut_ids), len(generated))
            text = tokenizer.decode(generated[:end], skip_special_tokens=config.skip_special_tokens,
                                    clean_up_tokenization_spaces=False)
            pending.completions[j] = truncate_at_stop_tokens(text, pending.stops)
            advance(config.n if config.greedy else 1)
            if len(pending.completions) == rows_per_prompt:
                texts = [pending.completions[k] for k in range(rows_per_prompt)]
                if config.greedy:
                    texts = texts * config.n   # greedy decoding is deterministic: one pass serves all n
                yield completion_record(pending.prompt, config, texts, None, len(pending.ids))


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
