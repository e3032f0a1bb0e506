"""What every generation backend implements, and the model it is asked to serve."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Iterator

from mplt.generation.config import SamplingConfig
from mplt.generation.sampler import derive_seed


@dataclass(frozen=True)
class ModelOptions:
    """The model a backend serves: the arguments of `mplt.models.load.load_model`."""

    model: str
    revision: str | None = None
    adapter: str | None = None            # LoRA adapter directory
    load_in_4bit: bool = False
    device: str | None = None             # None: cuda if available, else cpu
    dtype: str = "auto"
    tokenizer_fallback: str | None = None
    base_url: str = ""                    # remote backends: the server (mplt.generation.backends.REMOTE)


class Backend(ABC):
    """Turns prompts into completions; knows nothing about files or resuming.

    `generate` receives checked prompt dicts (`id`, `prompt`, `stop_tokens`, other fields) that still
    need sampling, and yields one record per prompt, built with
    `mplt.generation.sample.completion_record`, in any order, as soon as the prompt is done; it calls
    `advance(k)` as k samples finish (the progress bar). Each completion excludes the prompt, is cut
    at EOS and then at the earliest stop string (`truncate_at_stop_tokens`). Its randomness depends
    only on (config.seed, id): the HF backend seeds sample j from (config.seed, id, j)
    (`sampler.derive_seed`); an engine that takes one seed per request (vLLM, an OpenAI-compatible
    server) gets `request_seed(config.seed, id)` and derives the n samples' seeds from it itself.
    """

    name: str = ""
    source: str = ""      # what is served (local path or hub id), for meta.json
    commit: str = ""      # resolved model commit when known

    @abstractmethod
    def generate(self, prompts: list[dict], config: SamplingConfig,
                 advance: Callable[[int], None]) -> Iterator[dict]:
        """One completion record per prompt (see the class docstring)."""


def request_seed(seed: int, prompt_id: str) -> int:
    """The seed of prompt `prompt_id`'s one request to an engine that samples n completions per
    request. 31 bits: the engine adds the sample index (vLLM gives sample j `seed + j`) and a server
    may check the seed against a signed 64- or 32-bit range."""
    return derive_seed(seed, prompt_id, 0) % 2 ** 31
