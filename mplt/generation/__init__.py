"""Sampling completions (MultiPL-E's generation settings, docs/conventions.md, section 4) through a
generation backend (`mplt.generation.backends`: `hf` = transformers `generate`).

Contract (used by evaluation and by the data pipeline's test generation and translation sampling):

    from mplt.generation import ModelOptions, SamplingConfig, open_backend, stream_completions

    config = SamplingConfig(n=20, temperature=0.2, top_p=0.95, max_new_tokens=512,
                            batch_size=16, seed=0, backend="hf")
    backend = open_backend(config.backend, ModelOptions(model="starcoderbase-1b"))
    records = stream_completions(backend, prompts, config, out_path=Path("x.jsonl"),
                                 progress=True, description="lua")

`sample_completions(loaded, prompts, config, ...)` is the same with the HF backend around an
already loaded `mplt.models.load.LoadedModel`.

* `prompts`: dicts with `id` (unique), `prompt` (str) and `stop_tokens` (list of str); any other
  fields are copied into the output record.
* Output, one record per prompt in input order: the input fields plus
  `completions` (list of n str), `temperature`, `top_p`, `max_new_tokens`, `n`, `seed`, `backend`,
  `prompt_tokens`, `skipped_reason` (None, or why there are no completions, e.g. the prompt does not
  fit in the model's context).
* Each completion excludes the prompt, is cut at EOS and then at the earliest stop string found in
  the completion only (the stop string dropped): `truncate_at_stop_tokens(text, stop_tokens)`.
* The rules below are applied once, by the backend base (`mplt.generation.backends.base.Backend.generate`);
  a backend only turns requests into raw texts.
* `strip_prompt`: the model sees `prompt.strip()`, as MultiPL-E does; the record keeps the original.
* `temperature == 0`: greedy decoding, one pass copied to all n completions.
* Determinism: sample j of prompt `id` uses its own generator seeded from (seed, id, j), so the
  random draws do not depend on the batch size, batch composition or resume point. Completions are
  then identical across batch sizes with fp32 CPU kernels (tested), **not** with bf16/fp16 GPU
  kernels: the logits themselves change in the last bits with the batch shape (other matmul
  tilings, padding widths), and one flipped token changes the rest of a completion. On a GPU the
  same batch size and resume point reproduce a run; another batch size gives statistically
  equivalent, not identical, completions.
* `out_path` (plain .jsonl): records are appended as each prompt finishes; a rerun skips ids already
  present and refuses a file written with different n/temperature/top_p/max_new_tokens/seed/backend (a record
  without `backend` was written by the HF backend).
* A rich progress bar (samples/s) goes to stderr unless `progress=False`.
"""
from mplt.generation.backends import BACKENDS, check_backend, open_backend
from mplt.generation.backends.base import Backend, ModelOptions
from mplt.generation.config import SamplingConfig
from mplt.generation.sample import sample_completions, stream_completions
from mplt.generation.stops import truncate_at_stop_tokens

__all__ = ["BACKENDS", "Backend", "ModelOptions", "SamplingConfig", "check_backend", "open_backend",
           "sample_completions", "stream_completions", "truncate_at_stop_tokens"]
