"""The sampling settings of one generation run (docs/style.md, rule 4: one frozen config per stage).

Every config that samples (testgen, translate, evaluate, `eval`) nests one as its `sampling` field,
declared with `mplt.config.flat`: its fields are the stage table's own keys (`n`, `temperature`,
... and `backend` in `[testgen]`), so profiles keep flat keys while the settings, their defaults'
types and their checks are written once; `eval` gets its flags (STAGE_KEYS) from
`add_sampling_arguments` and builds its config with `sampling_from_arguments`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mplt.errors import MpltError

# The fields `eval` offers as flags (the others keep their defaults there).
STAGE_KEYS = ("n", "temperature", "top_p", "max_new_tokens", "batch_size", "seed", "backend", "base_url",
              "replicas", "tensor_parallel_size")


@dataclass(frozen=True)
class SamplingConfig:
    """Defaults are MultiPL-T's evaluation settings (docs/method.md, section 6): 20 samples at T=0.2, top_p 0.95,
    512 new tokens. `temperature == 0` means greedy decoding (one forward pass, copied n times)."""

    n: int = 20                       # completions per prompt
    temperature: float = 0.2
    top_p: float = 0.95
    max_new_tokens: int = 512
    batch_size: int = 16              # rows per batch; rows are (prompt, sample index) pairs
    seed: int = 0                     # global seed; each sample's own seed derives from (seed, id, index)
    backend: str = "hf"               # a key of mplt.generation.backends.BACKENDS, or "auto" (vllm on a GPU where it imports)
    base_url: str = ""                # backend "openai": the server, e.g. http://127.0.0.1:8000
    strip_prompt: bool = True         # MultiPL-E sends `prompt.strip()` (docs/conventions.md, section 4)
    extra_stop_tokens: tuple[str, ...] = ()   # added to every prompt's stop_tokens (e.g. "<file_sep>")
    max_context: int | None = None    # override the model's context length (tokens)
    # The fields below keep today's behaviour at their defaults; the `paper` evaluation protocol
    # (mplt/evaluation/protocols.py) sets them to what MultiPL-T's trainer used.
    top_k: int = 0                    # keep the k most likely tokens before top_p; 0: off
    max_length: int | None = None     # prompt + completion at most this many tokens (HF `max_length`)
    skip_special_tokens: bool = False # drop special tokens when decoding a completion
    # Engine placement (docs/cluster.md): backend "ray" starts this many vLLM replicas (0: one per
    # tensor_parallel_size GPUs of the cluster, or one per node without GPUs); vllm and ray split each
    # engine over tensor_parallel_size GPUs. Neither changes a completion for a given seed.
    replicas: int = 0
    tensor_parallel_size: int = 1

    def __post_init__(self):
        from mplt.generation.backends import check_backend
        if self.n < 1:
            raise MpltError(f"n must be >= 1, got {self.n}")
        if not math.isfinite(self.temperature) or self.temperature < 0:   # NaN passes `< 0`
            raise MpltError(f"temperature must be >= 0 and finite, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise MpltError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise MpltError("max_new_tokens and batch_size must be >= 1")
        if self.top_k < 0:
            raise MpltError(f"top_k must be >= 0 (0: off), got {self.top_k}")
        if self.max_length is not None and self.max_length < 1:
            raise MpltError(f"max_length must be >= 1, got {self.max_length}")
        if self.replicas < 0 or self.tensor_parallel_size < 1:
            raise MpltError(f"replicas must be >= 0 (0: one per GPU group or node) and tensor_parallel_size >= 1, "
                            f"got {self.replicas} and {self.tensor_parallel_size}")
        check_backend(self.backend, base_url=self.base_url)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    @property
    def samples(self) -> int:
        """Completions to sample per prompt: greedy decoding samples one and copies it n times."""
        return 1 if self.greedy else self.n

    def model_text(self, prompt: dict) -> str:
        """The text the model is given for a prompt record (MultiPL-E strips it)."""
        return prompt["prompt"].strip() if self.strip_prompt else prompt["prompt"]

    def new_token_budget(self, prompt_tokens: int, context: int) -> int:
        """New tokens a prompt of `prompt_tokens` may get: max_new_tokens, within the model context and,
        when set, within max_length counted with the prompt. A prompt already at max_length still gets
        one token: transformers' `generate(max_length=...)` of 2023 (MultiPL-T's trainer) warned and
        sampled one token before its length criterion stopped it (today's transformers raises)."""
        budget = min(self.max_new_tokens, context - prompt_tokens)
        if self.max_length is not None:
            budget = min(budget, max(1, self.max_length - prompt_tokens))
        return budget

    def stops(self, prompt: dict) -> tuple[str, ...]:
        """The prompt's stop strings and the ones every prompt gets."""
        return tuple(prompt.get("stop_tokens") or ()) + self.extra_stop_tokens


def identical_samples_warning(config: SamplingConfig, command: str) -> str | None:
    """What to tell a user who asks for greedy decoding with n > 1: every sample of a prompt is the
    same text (`samples`), so pass@k equals pass@1 and the n - 1 copies measure nothing; None when
    that is not the case."""
    if not config.greedy or config.n == 1:
        return None
    return (f"{command} --temperature 0 is greedy decoding: the {config.n} samples of each problem will be "
            "identical (pass@k = pass@1); use --n 1, or a temperature above 0 for distinct samples")


def add_sampling_arguments(parser, defaults: SamplingConfig | None = None) -> None:
    """`--n`, `--temperature`, `--top-p`, `--max-new-tokens`, `--batch-size`, `--seed`, `--backend`:
    one flag per STAGE_KEYS field, typed and defaulted from SamplingConfig."""
    from mplt.generation.backends import BACKENDS
    defaults = defaults or SamplingConfig()
    helps = {"n": "completions per problem", "batch_size": "rows per batch (prompt, sample index)",
             "backend": f"generation backend: {' | '.join(BACKENDS)} | auto (vllm with a CUDA GPU where it "
                        "imports, else hf)",
             "base_url": "OpenAI-compatible server(s) for --backend openai, comma-separated "
                         "(API key: $MPLT_OPENAI_API_KEY)",
             "replicas": "--backend ray: vLLM replicas (0: one per GPU group, or per node without GPUs)",
             "tensor_parallel_size": "--backend vllm/ray: GPUs each engine is split over"}
    for key in STAGE_KEYS:
        default = getattr(defaults, key)
        parser.add_argument("--" + key.replace("_", "-"), dest=key, type=type(default), default=default,
                            help=helps.get(key, f"default {default}"))


def sampling_from_arguments(args, command: str) -> SamplingConfig:
    """The SamplingConfig of parsed `add_sampling_arguments` flags; a bad value is one line naming
    the command's flag."""
    try:
        return SamplingConfig(**{key: getattr(args, key) for key in STAGE_KEYS})
    except MpltError as e:
        key, _, rest = str(e).partition(" ")
        raise MpltError(f"{command} --{key.replace('_', '-')} {rest}") from None
