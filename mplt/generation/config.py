"""The sampling settings of one generation run (docs/style.md, rule 4: one frozen config per stage)."""
from __future__ import annotations

from dataclasses import dataclass

from mplt.errors import MpltError


@dataclass(frozen=True)
class SamplingConfig:
    """Defaults are MultiPL-T's evaluation settings (docs/method.md, section 6): 20 samples at T=0.2, top_p 0.95,
    512 new tokens. `temperature == 0` means greedy decoding (one forward pass, copied n times)."""

    n: int = 20                       # completions per prompt
    temperature: float = 0.2
    top_p: float = 0.95
    max_new_tokens: int = 512
    batch_size: int = 16              # rows per generate() call; rows are (prompt, sample index) pairs
    seed: int = 0                     # global seed; each sample's own seed derives from (seed, id, index)
    strip_prompt: bool = True         # MultiPL-E sends `prompt.strip()` (docs/conventions.md, section 4)
    extra_stop_tokens: tuple[str, ...] = ()   # added to every prompt's stop_tokens (e.g. "<file_sep>")
    max_context: int | None = None    # override the model's context length (tokens)

    def __post_init__(self):
        if self.n < 1:
            raise MpltError(f"n must be >= 1, got {self.n}")
        if self.temperature < 0:
            raise MpltError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise MpltError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise MpltError("max_new_tokens and batch_size must be >= 1")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0
