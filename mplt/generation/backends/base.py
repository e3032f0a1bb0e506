"""What every generation backend implements, and the one place that applies the sampling rules.

The rules (MultiPL-E's, docs/conventions.md, section 4, and the `paper` protocol's,
mplt/evaluation/protocols.py) live here once, in `Backend.generate`; their definitions are
SamplingConfig's (`model_text`, `stops`, `samples`, `new_token_budget`):

* the model is given `config.model_text(prompt)` (stripped, as MultiPL-E sends it);
* a prompt that tokenizes to nothing or does not fit the context gets no completions and a
  `skipped_reason`; a backend without a local tokenizer (a server) may skip one itself;
* a prompt with a `suffix` asks for a middle (`mplt.infill.sampling`): the model is given its own
  infill prompt (`prefix`, `suffix` in the format of `infill_format()`, the prefix unstripped) and
  the middle is cut at the format's stops (its ids where the engine takes ids, its strings always);
* greedy decoding (temperature 0) samples once, with top_p 1 and top_k off, and copies the text n times;
* every raw text is cut at the earliest of the prompt's stop strings and `extra_stop_tokens`
  (`truncate_at_stop_tokens`, searching the completion only);
* the progress bar advances by n per prompt, as its samples finish.

A backend turns a batch of `Request`s (token ids or text, with the per-request settings) into raw
completion texts (`Sampled`), decoded from the generated tokens and cut at EOS, and nothing more.
lm-evaluation-harness's `TemplateAPI` (lm_eval/models/api_models.py) splits the work the same way.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from mplt.errors import MpltError
from mplt.generation.config import SamplingConfig
from mplt.generation.records import completion_record
from mplt.generation.sampler import derive_seed
from mplt.generation.stops import truncate_at_stop_tokens
from mplt.infill.sampling import infill_request, is_infill, model_infill_format


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
    replicas: int = 0                     # backend "ray": vLLM replicas (0: from the cluster's GPUs or nodes)
    tensor_parallel_size: int = 1         # backends vllm, ray: GPUs per engine


@dataclass(frozen=True)
class Request:
    """Samples `first` .. `first + count - 1` of one prompt, with the rules already applied."""

    id: str                       # the prompt's id
    text: str                     # what the model is given
    ids: tuple[int, ...] | None   # its token ids; None where the engine tokenizes (a server)
    first: int                    # index of the first sample drawn here
    count: int                    # samples to draw
    max_new_tokens: int           # this prompt's budget (context, max_length)
    stops: tuple[str, ...]        # stop strings an engine may stop early at; the base cuts at them after
    temperature: float            # 0: greedy
    top_p: float                  # 1.0 when greedy
    top_k: int                    # 0: off (always when greedy)
    seed: int                     # the run's seed
    skip_special_tokens: bool     # decode without special tokens
    stop_ids: tuple[int, ...] = ()   # token ids that end the text besides EOS (an infill format's `<eom>`)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def sample_seeds(self) -> list[int]:
        """One seed per sample drawn here, from (seed, id, sample index): for engines that seed each sample."""
        return [derive_seed(self.seed, self.id, j) for j in range(self.first, self.first + self.count)]

    def request_seed(self) -> int:
        """The seed of the whole request: for engines that take one seed and n (`request_seed`)."""
        return request_seed(self.seed, self.id)


@dataclass(frozen=True)
class Sampled:
    """A backend's answer to one Request: `count` raw texts (EOS cut, stop strings not yet cut), or
    why the engine refused the prompt (a server's context error)."""

    texts: tuple[str, ...] = ()
    prompt_tokens: int | None = None      # the engine's count where it tokenized; else len(ids)
    skipped_reason: str | None = None


class Backend(ABC):
    """Turns batches of Requests into raw texts; knows nothing about files, resuming or the rules.

    A subclass implements `sample(batch)`, and where it tokenizes locally (`local_tokenizer`)
    `tokenize` and `context_length`. `one_request_per_sample`: True where the engine draws each
    sample as its own row (HF: one seeded generator per row, `batch_size` counts rows); False where
    one request carries all of a prompt's samples (`n` and a seed per request: vLLM, a server;
    `batch_size` counts prompts). `run` is how batches are executed: one after another, or
    concurrently (a server). A backend that skips a prompt itself (`Sampled.skipped_reason`) does
    so with one request per prompt.
    Randomness depends only on (config.seed, id): `Request.sample_seeds` or `Request.request_seed`.
    """

    name: str = ""
    source: str = ""      # what is served (local path or hub id), for meta.json
    commit: str = ""      # resolved model commit when known
    replicas: int = 1     # engine replicas or servers sampling at once, recorded (docs/cluster.md)
    local_tokenizer: bool = False         # True: `tokenize` gives the ids and `context_length` the bound
    one_request_per_sample: bool = False
    # The registry's infill format of the served model; None where the model is not registered (the
    # format is then read from its tokenizer's sentinels, mplt.infill.sampling.model_infill_format).
    declared_infill_format: str | None = None

    @abstractmethod
    def sample(self, batch: list[Request]) -> list[Sampled]:
        """One Sampled per request of the batch, in order."""

    def tokenize(self, text: str) -> list[int]:
        """The text's token ids (read only where `local_tokenizer`)."""
        raise NotImplementedError

    def context_length(self, max_context: int | None) -> int | None:
        """Tokens the model attends to, given the config's override; None where unknown here."""
        return max_context

    def text_tokenizer(self):
        """The model's HF tokenizer where it is loaded here (`local_tokenizer`), else None."""
        return None

    def infill_format(self):
        """The served model's infill format (an InfillFormat), or a one-line MpltError."""
        return model_infill_format(self.declared_infill_format, self.text_tokenizer(), self.source or self.name)

    def run(self, batches: Iterable[list[Request]]) -> Iterator[tuple[list[Request], list[Sampled]]]:
        """(batch, its Sampled) as each batch finishes; one after another by default."""
        for batch in batches:
            yield batch, self.sample(batch)

    def generate(self, prompts: list[dict], config: SamplingConfig,
                 advance: Callable[[int], None]) -> Iterator[dict]:
        """One completion record per prompt (`completion_record`), yielded as the prompt finishes:
        skipped prompts first, then in the order the batches finish. `prompts` are checked dicts
        (`id`, `prompt`, `stop_tokens`, other fields) that still need sampling."""
        if config.max_length is not None and not self.local_tokenizer:
            # max_length counts the prompt's tokens, which only the engine's tokenizer knows.
            raise MpltError(f"backend {self.name} cannot bound prompt + completion (max_length, the `paper` "
                            "evaluation protocol); use backend hf or vllm")
        context = self.context_length(config.max_context)
        by_id: dict[str, dict] = {}
        ready: list[Request] = []
        fmt = None
        infilled: set[str] = set()   # ids of the infill prompts
        for prompt in prompts:
            stops: tuple[str, ...] = ()
            stop_ids: tuple[int, ...] = ()
            if is_infill(prompt):
                fmt = fmt or self.infill_format()
                infill = infill_request(fmt, prompt, self.text_tokenizer() if self.local_tokenizer else None)
                text, stops, stop_ids = infill.text, infill.stops, infill.stop_ids
                infilled.add(str(prompt["id"]))
                ids = list(infill.ids) if infill.ids is not None else None
            else:
                text = config.model_text(prompt)
                ids = self.tokenize(text) if self.local_tokenizer else None
            reason = _too_long(ids, context)
            if reason:
                advance(config.n)
                yield completion_record(prompt, config, [], reason, len(ids), self.replicas)
                continue
            by_id[str(prompt["id"])] = prompt
            ready.extend(_requests(prompt, text, ids, config, context, self.one_request_per_sample, stops, stop_ids))
        drawn: dict[str, dict[int, str]] = {}
        for batch, answers in self.run(_batches(ready, config.batch_size)):
            for request, answer in zip(batch, answers, strict=True):
                prompt = by_id[request.id]
                if answer.skipped_reason is not None:
                    advance(config.n)
                    yield completion_record(prompt, config, [], answer.skipped_reason, answer.prompt_tokens or 0,
                                            self.replicas)
                    continue
                if len(answer.texts) != request.count:
                    raise MpltError(f"backend {self.name} ({self.source}): asked for {request.count} completions "
                                    f"of {request.id!r}, got {len(answer.texts)}")
                texts = drawn.setdefault(request.id, {})
                for j, text in enumerate(answer.texts, request.first):
                    texts[j] = truncate_at_stop_tokens(text, request.stops)
                    if request.id in infilled:
                        texts[j] = fmt.cut_middle(texts[j])
                advance(request.count * config.n // config.samples)
                if len(texts) == config.samples:
                    del drawn[request.id]
                    completions = [texts[j] for j in range(config.samples)]
                    if config.greedy:
                        completions = completions * config.n   # greedy decoding is deterministic: one pass serves all n
                    tokens = answer.prompt_tokens if answer.prompt_tokens is not None else len(request.ids or ())
                    yield completion_record(prompt, config, completions, None, tokens, self.replicas)


def _too_long(ids: list[int] | None, context: int | None) -> str | None:
    """Why a tokenized prompt gets no completions, or None (a server's prompts are checked by the server)."""
    if ids is None:
        return None
    if not ids:
        return "empty prompt"
    if context is not None and len(ids) >= context:
        return f"prompt is {len(ids)} tokens; the model context is {context}"
    return None


def _requests(prompt: dict, text: str, ids: list[int] | None, config: SamplingConfig, context: int | None,
              per_sample: bool, infill_stops: tuple[str, ...] = (), stop_ids: tuple[int, ...] = ()) -> list[Request]:
    """A prompt's requests: one per sample, or one for all of them; an infill prompt's also stop at
    its format's strings and ids."""
    budget = config.max_new_tokens if ids is None else config.new_token_budget(len(ids), context)
    spans = [(j, 1) for j in range(config.samples)] if per_sample else [(0, config.samples)]
    return [Request(id=str(prompt["id"]), text=text, ids=None if ids is None else tuple(ids), first=first, count=count,
                    max_new_tokens=budget, stops=tuple(dict.fromkeys(config.stops(prompt) + infill_stops)),
                    temperature=config.temperature,
                    top_p=1.0 if config.greedy else config.top_p, top_k=0 if config.greedy else config.top_k,
                    seed=config.seed, skip_special_tokens=config.skip_special_tokens, stop_ids=stop_ids)
            for first, count in spans]


def _batches(requests: list[Request], size: int) -> Iterator[list[Request]]:
    for start in range(0, len(requests), size):
        yield requests[start:start + size]


def decode_until(tokenizer, token_ids, cut_ids: set[int], skip_special_tokens: bool) -> str:
    """The text of generated `token_ids` up to the first of `cut_ids` (EOS, padding), special tokens
    kept unless `skip_special_tokens`; tokenization spaces are not cleaned (the model's own text)."""
    token_ids = list(token_ids)
    end = next((i for i, t in enumerate(token_ids) if t in cut_ids), len(token_ids))
    return tokenizer.decode(token_ids[:end], skip_special_tokens=skip_special_tokens,
                            clean_up_tokenization_spaces=False)


def request_seed(seed: int, prompt_id: str) -> int:
    """The seed of prompt `prompt_id`'s one request to an engine that samples n completions per
    request. 31 bits: the engine adds the sample index (vLLM gives sample j `seed + j`) and a server
    may check the seed against a signed 64- or 32-bit range."""
    return derive_seed(seed, prompt_id, 0) % 2 ** 31
