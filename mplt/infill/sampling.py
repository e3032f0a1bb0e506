"""Infill sampling: which format a served model infills in, and what one infill request looks like
(docs/generation.md, "Infill sampling"; docs/codegen2.md, section B3).

A prompt record asks for a middle when it carries a `suffix` (`INFILL_FIELD`): its `prompt` is the
text before the cursor and `suffix` the text after it. The generation backends' base
(`mplt.generation.backends.base.Backend.generate`) turns it into the model's own infill prompt with
`infill_request` and cuts the sampled text at the format's stops, so every backend (hf, vllm,
openai) samples middles with the same streaming, resume and seeds as left-to-right completions.
"""
from __future__ import annotations

from dataclasses import dataclass

from mplt.errors import MpltError
from mplt.infill.formats import INFILL_FORMATS, InfillFormat, get_infill_format

INFILL_FIELD = "suffix"


def is_infill(prompt: dict) -> bool:
    """Whether a prompt record asks for a middle (it has a string `suffix`)."""
    return isinstance(prompt.get(INFILL_FIELD), str)


def model_infill_format(declared: str | None, tokenizer, model: str) -> InfillFormat:
    """The infill format of `model`: the registry's (`declared`, mplt/models/registry.py) for a
    registered model; for any other model (a local directory, a fine-tuned copy, a rehearsal
    stand-in: `declared` None) the one format whose sentinels its tokenizer holds as single ids.
    A model with neither is one line: its prompts cannot be infilled."""
    if declared is not None and declared != "none":
        return get_infill_format(declared)
    if declared is None and tokenizer is not None:
        found = [fmt for fmt in INFILL_FORMATS.values() if fmt.has_tokens(tokenizer)]
        if len(found) == 1:
            return found[0]
        if found:
            raise MpltError(f"model {model} is not in the model registry and its tokenizer holds the sentinels of "
                            f"several infill formats ({', '.join(f.name for f in found)}); register it with one")
    why = ("its registry entry says infill format 'none'" if declared == "none" else
           "it is not in the model registry and its tokenizer holds the sentinels of no infill format"
           if tokenizer is not None else "it is not in the model registry and a server's tokenizer is not read here")
    known = ", ".join(name for name, fmt in INFILL_FORMATS.items() if fmt.supported)
    raise MpltError(f"model {model} cannot infill: {why} (infill formats: {known}); use a left-to-right benchmark")


@dataclass(frozen=True)
class InfillRequest:
    text: str                        # the prompt text (what a server is sent)
    ids: tuple[int, ...] | None      # its ids, sentinels inserted by id; None without a local tokenizer
    stops: tuple[str, ...]           # the format's stop strings (EOS, end of middle, every sentinel)
    stop_ids: tuple[int, ...]        # ids that end a middle (EOS, `<eom>`); () without a local tokenizer


def infill_request(fmt: InfillFormat, prompt: dict, tokenizer) -> InfillRequest:
    """The infill prompt of a record in format `fmt`. The prefix is never stripped: its last
    characters (a newline, the indentation) are where the middle starts."""
    prefix, suffix = prompt["prompt"], prompt[INFILL_FIELD]
    text = fmt.build_prompt(prefix, suffix)
    if tokenizer is None:
        return InfillRequest(text, None, fmt.stop_strings(), ())
    ids = tuple(fmt.build_prompt_ids(tokenizer, prefix, suffix))
    return InfillRequest(text, ids, fmt.stop_strings(), fmt.stop_ids(tokenizer))
