"""Infill formats: how a model family writes fill-in-the-middle prompts (docs/codegen2.md, section B1).

Each format maps `(prefix, suffix)` to a prompt, names its stop ids, and extracts the middle from
the *generated ids only* (slicing by token position, never by re-decoded prompt length: A.4).

* `codegen2`: `prefix <mask_1> suffix <|endoftext|> <sep> <mask_1>`; the model ends the middle with
  `<eom>` (A.4). Ids in the released vocabulary: EOS 50256, `<sep>` 50299, `<eom>` 50300, `<mask_k>`
  = 51200 - k (numbered downward from 51199). Ids are always looked up in the tokenizer at hand, so the
  same code serves CodeGen2, CodeGen2.5 and tiny test tokenizers.
* `starcoder-psm`: `<fim_prefix>prefix<fim_suffix>suffix<fim_middle>` as in the bigcode harness's
  `santacoder_fim.py`; the middle ends at EOS.
* `none`: models without infill; every use raises a clear error instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mplt.errors import MpltError

EOS = "<|endoftext|>"
CODEGEN2_SEP, CODEGEN2_EOM = "<sep>", "<eom>"
CODEGEN2_IDS = {EOS: 50256, CODEGEN2_SEP: 50299, CODEGEN2_EOM: 50300}   # A.4 table
CODEGEN2_TOP_MASK_ID = 51199                                             # <mask_1>; <mask_k> = 51200 - k
CODEGEN2_ANY_MASK = re.compile(r"<mask_\d+>")   # every span sentinel, <mask_1> ... <mask_899>


def mask_token(k: int) -> str:
    """CodeGen2 span sentinel k (1-based)."""
    return f"<mask_{k}>"


@dataclass(frozen=True)
class InfillFormat:
    name: str
    sentinels: tuple[str, ...]          # tokens the tokenizer must hold as single ids
    end_of_middle: str | None            # token the model emits after the middle ("<eom>"), if any
    description: str

    @property
    def supported(self) -> bool:
        return self.name != "none"

    def require_tokens(self, tokenizer, extra: tuple[str, ...] = ()) -> dict[str, int]:
        """Token -> id for every sentinel (plus EOS and `extra`); raise if any is missing or split."""
        if not self.supported:
            raise MpltError("infill format 'none': this model has no infill support")
        ids = {}
        missing = []
        for token in (*self.sentinels, EOS, *extra):
            token_id = tokenizer.convert_tokens_to_ids(token)
            if token_id is None or token_id == tokenizer.unk_token_id or \
                    tokenizer.encode(token, add_special_tokens=False) != [token_id]:
                missing.append(token)
            else:
                ids[token] = token_id
        if missing:
            raise MpltError(f"infill format {self.name!r}: the tokenizer has no single-id token(s) "
                            f"{', '.join(missing)}; pick a model with this format or --fim-rate 0")
        return ids

    def has_tokens(self, tokenizer) -> bool:
        """Whether the tokenizer holds every sentinel of this format as one id (a supported format only)."""
        if not self.supported:
            return False
        try:
            self.require_tokens(tokenizer)
        except MpltError:
            return False
        return True

    def stop_strings(self) -> tuple[str, ...]:
        """Texts a middle never contains: EOS, the end-of-middle token and every sentinel. Sampling
        cuts a middle at the first of them, so an engine that decodes sentinels as text (a server)
        is cut in the same place as one that stops at their ids."""
        ends = (self.end_of_middle,) if self.end_of_middle else ()
        return tuple(dict.fromkeys((*ends, EOS, *self.sentinels)))

    def cut_middle(self, text: str) -> str:
        """A sampled middle up to the first stop string or sentinel of this format (for CodeGen2 any
        `<mask_k>`, not only the stop strings' `<mask_1>`): no sentinel ever reaches a program."""
        ends = [i for i in (text.find(s) for s in self.stop_strings()) if i >= 0]
        if self.name == "codegen2" and (match := CODEGEN2_ANY_MASK.search(text)):
            ends.append(match.start())
        return text[:min(ends)] if ends else text

    def build_prompt(self, prefix: str, suffix: str) -> str:
        """The prompt text for one cursor position."""
        if self.name == "codegen2":
            return f"{prefix}{mask_token(1)}{suffix}{EOS}{CODEGEN2_SEP}{mask_token(1)}"
        if self.name == "starcoder-psm":
            return f"<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>"
        raise MpltError("infill format 'none': this model has no infill support")

    def build_prompt_ids(self, tokenizer, prefix: str, suffix: str) -> list[int]:
        """Prompt as ids: prefix and suffix are tokenized separately, sentinels inserted by id, so
        the text around the cursor never merges with a sentinel."""
        ids = self.require_tokens(tokenizer)

        def encode(text: str) -> list[int]:
            return tokenizer.encode(text, add_special_tokens=False) if text else []
        if self.name == "codegen2":
            mask1 = ids[mask_token(1)]
            return [*encode(prefix), mask1, *encode(suffix), ids[EOS], ids[CODEGEN2_SEP], mask1]
        return [ids["<fim_prefix>"], *encode(prefix), ids["<fim_suffix>"], *encode(suffix),
                ids["<fim_middle>"]]

    def stop_ids(self, tokenizer) -> tuple[int, ...]:
        """Ids that end a middle: EOS (never the config's `eos_token_id` blindly, which is 2 = `#`
        for CodeGen2-1B, A.3) plus `<eom>` where the format has it."""
        ids = self.require_tokens(tokenizer)
        stops = [ids[EOS]] + ([ids[self.end_of_middle]] if self.end_of_middle else [])
        return tuple(dict.fromkeys(stops))

    def extract_middle_ids(self, tokenizer, generated_ids) -> list[int]:
        """Generated ids (after the prompt) up to the first stop id, exclusive."""
        stops = set(self.stop_ids(tokenizer))
        out = []
        for token_id in (int(i) for i in generated_ids):
            if token_id in stops:
                break
            out.append(token_id)
        return out

    def extract_middle(self, tokenizer, generated_ids) -> str:
        """The middle text, with any stray sentinel removed (they must never leak into programs)."""
        ids = self.require_tokens(tokenizer)
        sentinel_ids = set(ids.values())
        middle = [i for i in self.extract_middle_ids(tokenizer, generated_ids) if i not in sentinel_ids]
        text = tokenizer.decode(middle, skip_special_tokens=False)
        for token in self.sentinels:
            text = text.replace(token, "")
        return text


# CodeGen2 needs <mask_1> for a prompt; training with more spans needs more masks (transform.py).
INFILL_FORMATS: dict[str, InfillFormat] = {
    "codegen2": InfillFormat("codegen2", (CODEGEN2_SEP, CODEGEN2_EOM, mask_token(1)), CODEGEN2_EOM,
                             "CodeGen2 / CodeGen2.5 span sentinels (docs/codegen2.md, section A.4)"),
    "starcoder-psm": InfillFormat("starcoder-psm", ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"), None,
                                  "StarCoder prefix-suffix-middle (bigcode harness santacoder_fim.py)"),
    "none": InfillFormat("none", (), None, "no infill support"),
}


def get_infill_format(name: str) -> InfillFormat:
    try:
        return INFILL_FORMATS[name]
    except KeyError:
        raise MpltError(f"unknown infill format {name!r}; known: {', '.join(INFILL_FORMATS)}") from None
