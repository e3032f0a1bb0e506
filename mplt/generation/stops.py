"""Stop-token truncation (MultiPL-E's rule, docs/conventions.md, section 4) and an early-stop criterion
that applies the same rule while generating.

Rule: search only the completion (prompts contain stop strings such as `\\n--`), cut at the
earliest occurrence of any stop string, and drop the stop string itself.
"""
from __future__ import annotations

from typing import Iterable, Sequence


def truncate_at_stop_tokens(text: str, stop_tokens: Iterable[str]) -> str:
    """Everything before the earliest occurrence of any stop string (the whole text if none)."""
    cut = len(text)
    for stop in stop_tokens:
        if not stop:
            continue
        i = text.find(stop)
        if -1 < i < cut:
            cut = i
    return text[:cut]


def make_stop_criterion(tokenizer, prompt_width: int, stop_tokens: Sequence[Sequence[str]],
                        budgets: Sequence[int]):
    """A per-row transformers StoppingCriteria: row r is done once its generated tokens reach
    `budgets[r]` or their decoded tail contains one of `stop_tokens[r]`.

    We do not use `generate(stop_strings=...)` (docs/runtime.md, section 3.3): it matches the end of the whole
    sequence, so a stop string may straddle the prompt boundary, and it costs a vocabulary pass per
    process. Only the last few generated tokens are decoded each step; a missed match only delays
    stopping, because the final cut is always `truncate_at_stop_tokens` on the full completion.
    """
    import torch
    from transformers import StoppingCriteria

    windows = [max((len(s) for s in stops), default=0) + 2 for stops in stop_tokens]

    class StopOnStrings(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            generated = input_ids[:, prompt_width:]          # [batch, steps]
            steps = generated.shape[1]
            done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            for r in range(input_ids.shape[0]):
                if steps >= budgets[r]:
                    done[r] = True
                    continue
                if not stop_tokens[r]:
                    continue
                tail = tokenizer.decode(generated[r, -windows[r]:].tolist(), skip_special_tokens=False,
                                        clean_up_tokenization_spaces=False)
                done[r] = any(stop in tail for stop in stop_tokens[r])
            return done

    return StopOnStrings()
