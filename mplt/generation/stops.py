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


def token_texts(tokenizer) -> list[str]:
    """Each vocabulary id decoded alone (special tokens kept): what `could_end_mask` inspects."""
    vocab = max(len(tokenizer), max(tokenizer.get_vocab().values(), default=0) + 1)
    return tokenizer.batch_decode([[i] for i in range(vocab)], skip_special_tokens=False,
                                  clean_up_tokenization_spaces=False)


def could_end_mask(texts: Sequence[str], stop_tokens: Iterable[str]):
    """[vocab] bool: tokens after which a stop string may newly end. A stop that was not in the text
    before a token was appended ends inside that token's characters, so it contains the stop's last
    character; tokens that decode to nothing or to U+FFFD (part of a multi-byte character, completed
    by the next token) are kept too. A token this misses only delays stopping: the final cut is
    always `truncate_at_stop_tokens` on the whole completion."""
    import torch
    lasts = {stop[-1] for stop in stop_tokens if stop}
    return torch.tensor([not text or "\ufffd" in text or any(c in text for c in lasts) for text in texts],
                        dtype=torch.bool)


def make_stop_criterion(tokenizer, prompt_width: int, stop_tokens: Sequence[Sequence[str]],
                        budgets: Sequence[int], could_end=None):
    """A per-row transformers StoppingCriteria: row r is done once its generated tokens reach
    `budgets[r]` or their decoded tail contains one of `stop_tokens[r]`.

    We do not use `generate(stop_strings=...)` (docs/runtime.md, section 3.3): it matches the end of the whole
    sequence, so a stop string may straddle the prompt boundary, and it costs a vocabulary pass per
    process. Only the last few generated tokens are decoded, and only for rows whose newest token
    could end a stop string (`could_end`, a [vocab] bool mask from `could_end_mask`; None: every
    row, every step); the budgets are compared on the device, so a step costs one device-to-host
    copy of the candidate rows, not one per row. A missed match only delays stopping, because the
    final cut is always `truncate_at_stop_tokens` on the full completion.
    """
    import torch
    from transformers import StoppingCriteria

    windows = [max((len(s) for s in stops), default=0) + 2 for stops in stop_tokens]
    state: dict = {}

    class StopOnStrings(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            device = input_ids.device
            if not state:
                state["budgets"] = torch.tensor(list(budgets), device=device)
                state["has_stops"] = torch.tensor([bool(s) for s in stop_tokens], device=device)
                state["could_end"] = could_end.to(device) if could_end is not None else None
            steps = input_ids.shape[1] - prompt_width
            done = state["budgets"] <= steps
            candidates = state["has_stops"] & ~done
            if state["could_end"] is not None:
                last = input_ids[:, -1].clamp(0, state["could_end"].shape[0] - 1)
                candidates &= state["could_end"][last]
            rows = candidates.nonzero().flatten().tolist()
            if not rows:
                return done
            width = min(max(windows[r] for r in rows), steps)
            tails = input_ids[rows, input_ids.shape[1] - width:].tolist()
            for r, tail in zip(rows, tails):
                text = tokenizer.decode(tail[len(tail) - min(windows[r], steps):], skip_special_tokens=False,
                                        clean_up_tokenization_spaces=False)
                if any(stop in text for stop in stop_tokens[r]):
                    done[r] = True
            return done

    return StopOnStrings()
