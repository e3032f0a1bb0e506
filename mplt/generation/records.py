"""The completion record every backend yields and the sampling files hold (one line per prompt)."""
from __future__ import annotations

from mplt.generation.config import SamplingConfig


def completion_record(prompt: dict, config: SamplingConfig, completions: list[str], reason: str | None,
                      prompt_tokens: int, replicas: int = 1) -> dict:
    """The prompt's fields plus the completions, the settings that produced them (checked on
    resume), `replicas` (the engine replicas or servers the backend spread prompts over; seeds are
    per prompt, so it does not change the completions and is not checked on resume;
    docs/cluster.md) and `skipped_reason` (None, or why there are no completions)."""
    return {**prompt, "completions": completions, "temperature": config.temperature, "top_p": config.top_p,
            "max_new_tokens": config.max_new_tokens, "n": config.n, "seed": config.seed,
            "backend": config.backend, "replicas": replicas, "top_k": config.top_k, "max_length": config.max_length,
            "strip_prompt": config.strip_prompt, "prompt_tokens": prompt_tokens, "skipped_reason": reason}
