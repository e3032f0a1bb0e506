"""The HF transformers backend: `model.generate` on left-padded batches of (prompt, sample index) rows.

Each row is sampled with its own seeded generator (`mplt.generation.sampler`), so the draws do not
depend on the batch size, on which prompts share a batch, or on where an interrupted run resumed.
With fp32 CPU kernels the completions are then identical too; with bf16/fp16 GPU kernels the logits
vary in the last bits with the batch shape, so completions across batch sizes are equivalent in
distribution, not identical (see mplt.generation). Texts are decoded from the generated token ids
only (sliced by token position) and cut at EOS; the prompt handling, the stop-string cut and greedy
copies are the base's (mplt.generation.backends.base).
"""
from __future__ import annotations

from mplt.errors import MpltError
from mplt.generation.backends.base import Backend, ModelOptions, Request, Sampled, decode_until
from mplt.generation.sampler import make_sampler
from mplt.generation.stops import could_end_mask, make_stop_criterion, token_texts

# The distributions this backend samples with, recorded in a run's environment.json.
PACKAGES = ("torch", "transformers")


def open_backend(options: ModelOptions) -> "HFBackend":
    from mplt.models.load import load_model
    return HFBackend(load_model(options.model, options.revision, adapter=options.adapter,
                                load_in_4bit=options.load_in_4bit, device=options.device, dtype=options.dtype,
                                tokenizer_fallback=options.tokenizer_fallback))


def context_length(loaded, max_context: int | None = None) -> int:
    """Tokens the model can attend to: the config override, the model config, else the registry."""
    if max_context:
        return max_context
    model_config = getattr(loaded.model, "config", None)
    for attr in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length"):
        value = getattr(model_config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return loaded.spec.max_length


class HFBackend(Backend):
    """One request per sample: each is a row with its own seeded generator, `batch_size` rows per
    `model.generate` call, so a prompt's samples may span two batches."""

    name = "hf"
    local_tokenizer = True
    one_request_per_sample = True

    def __init__(self, loaded):
        self.loaded = loaded   # mplt.models.load.LoadedModel
        self.source, self.commit = loaded.source, loaded.commit
        self.declared_infill_format = registered_infill_format(loaded.spec)
        self._token_texts: list[str] | None = None
        self._masks: dict[frozenset, object] = {}   # stop strings -> could_end_mask

    def tokenize(self, text: str) -> list[int]:
        return self.loaded.tokenizer(text)["input_ids"]

    def context_length(self, max_context: int | None) -> int:
        return context_length(self.loaded, max_context)

    def text_tokenizer(self):
        return self.loaded.tokenizer

    def _could_end(self, stops: frozenset):
        """The [vocab] mask of tokens that may end one of `stops`, built once per set of stops."""
        if stops not in self._masks:
            if self._token_texts is None:
                self._token_texts = token_texts(self.loaded.tokenizer)
            self._masks[stops] = could_end_mask(self._token_texts, stops)
        return self._masks[stops]

    def sample(self, batch: list[Request]) -> list[Sampled]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        model, tokenizer = self.loaded.model, self.loaded.tokenizer
        pad_id, eos_ids = _special_ids(self.loaded)
        width = max(len(r.ids) for r in batch)
        device = next(model.parameters()).device
        # Left padding: every row continues from its own last prompt token at column `width`.
        input_ids = torch.tensor([[pad_id] * (width - len(r.ids)) + list(r.ids) for r in batch], device=device)
        attention = torch.tensor([[0] * (width - len(r.ids)) + [1] * len(r.ids) for r in batch], device=device)
        budgets = [r.max_new_tokens for r in batch]
        stops = frozenset(stop for r in batch for stop in r.stops)
        criterion = make_stop_criterion(tokenizer, width, [r.stops for r in batch], budgets,
                                        self._could_end(stops) if stops else None)
        processors = LogitsProcessorList()
        first = batch[0]   # one run's requests share their sampling settings
        if not first.greedy:
            seeds = [seed for r in batch for seed in r.sample_seeds()]
            processors.append(make_sampler(seeds, first.temperature, first.top_p, max(budgets), device,
                                           top_k=first.top_k))
        generation = GenerationConfig(max_new_tokens=max(budgets), do_sample=False, num_beams=1,
                                      # an infill format's `<eom>` ends a middle (mplt/infill/sampling.py)
                                      eos_token_id=sorted(eos_ids | {i for r in batch for i in r.stop_ids}),
                                      pad_token_id=pad_id)
        with torch.no_grad():
            output = model.generate(input_ids=input_ids, attention_mask=attention, generation_config=generation,
                                    logits_processor=processors, stopping_criteria=StoppingCriteriaList([criterion]))
        cut_ids = eos_ids | {pad_id}
        return [Sampled((decode_until(tokenizer, output[row, width:width + r.max_new_tokens].tolist(),
                                      cut_ids | set(r.stop_ids),
                                      r.skip_special_tokens),))
                for row, r in enumerate(batch)]


def registered_infill_format(spec) -> str | None:
    """The registry's infill format of a loaded model, or None for a model the registry does not
    know (a local directory: its format is read from its tokenizer, mplt.infill.sampling)."""
    from mplt.models.registry import find_model
    return spec.infill_format if find_model(spec.key) is not None else None


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
