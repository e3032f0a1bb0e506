"""Known base and fine-tuned models: a plain dict keyed by stable names (docs/style.md, rule 3).

Any Hub id or local directory also works as a model; the registry adds pinned revisions and the
quirks a family needs. Hub revisions we could not resolve from these offline machines are pinned
to a named branch or tag; the commit actually loaded is recorded in the run directory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mplt.errors import MpltError


@dataclass(frozen=True)
class ModelSpec:
    key: str
    hub_id: str
    revision: str = "main"
    family: str = "causal"                 # "causal" | "codegen2"
    trust_remote_code: bool = False
    eos_token_id: int | None = None        # forced when the checkpoint's config is wrong
    pad_token_id: int | None = None
    max_length: int = 2048
    infill_format: str = "none"
    lora_targets: tuple[str, ...] | str = "all-linear"
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())


# StarCoderBase-1B, ungated copy used by MultiPL-T's demo (docs/method.md, section 5.1).
STARCODERBASE_1B = ModelSpec(
    key="starcoderbase-1b", hub_id="arjunguha/notstarcoder-1b", max_length=8192,
    infill_format="starcoder-psm", notes="ungated copy of bigcode/starcoderbase-1b")


def multiplt_1b(lang: str, revision: str) -> ModelSpec:
    """The released MultiPL-T 1B checkpoints: one revision per language (paper, Table 2, 1B row)."""
    return ModelSpec(key=f"multipl-t-1b-{lang}",
                     hub_id="nuprl/MultiPL-T-StarCoderBase_1b", revision=revision, max_length=8192,
                     infill_format="starcoder-psm", notes="; ".join(revision_sources(lang)))


# CodeGen2-1B (docs/codegen2.md, sections A.3, B4): remote code is required (the built-in class
# splits QKV into 4 shards, the checkpoint into 8) and EOS must be 50256, not the config's 2 (`#`).
CODEGEN2_1B = ModelSpec(
    key="codegen2-1b", hub_id="Salesforce/codegen2-1B_P", family="codegen2", trust_remote_code=True,
    eos_token_id=50256, pad_token_id=50256, max_length=2048, infill_format="codegen2",
    lora_targets=("qkv_proj", "out_proj", "fc_in", "fc_out"), aliases=("Salesforce/codegen2-1B",))

# Revisions of nuprl/MultiPL-T-StarCoderBase_1b, from two sources (docs/method.md, section 7.1):
# * AUTHORS: the MultiPL-T repository's `experiments/multiplcoder_commits.txt`, the commits its
#   authors chose per language for the released 1B model (then named nuprl/multiplcoder-1b). It is
#   the only source with all five languages (the R commit is its `r_full_1b-epoch6` revision).
# * MODEL_CARD: the "Language Revision Index" of the model card (Lua epoch 3, pass@1 0.173; Racket
#   epoch 5, 0.113, tag `rkt-multiplt-epoch5`; OCaml epoch 6, 0.097). No Julia or R entry.
# Racket is the same commit in both. Lua and OCaml differ (other epochs; neither source says which
# matches the paper's best epoch). We use the AUTHORS commits: they name "the released model" for
# every language from one source, while the card's OCaml figure (0.097) is the last checkpoint's,
# not the best one's (0.107, MultiPL-T experiments/ocaml_full_1b/results.csv). The card's commits
# stay here for a run that wants them ([evaluate] finetuned_revisions). None of these commits
# was resolved against the Hub from our machines; the preflight checks each before a run starts.
REVISION_SOURCES = {
    "authors": "MultiPL-T repository, experiments/multiplcoder_commits.txt (1B)",
    "model_card": "model card of nuprl/MultiPL-T-StarCoderBase_1b, Language Revision Index",
}
AUTHORS_1B_REVISIONS = {"lua": "03fc93fa66ce3f3495402f5d1195aaa24d3af6e8",
                        "rkt": "2cdc541bee1db4da80c0b43384b0d6a0cacca5b2",
                        "ml": "dfaca6cad71dfcd8ffb299da977bc0533ca792fc",
                        "r": "448c85dcb618982a0cc3631b0b583911665c1687",
                        "jl": "f0fa65e5f6ec51ac38e526bf1bc8e64e43617313"}
MODEL_CARD_1B_REVISIONS = {"lua": "7e96d931547e342ad0661cdd91236fe4ccf52545",
                           "rkt": "2cdc541bee1db4da80c0b43384b0d6a0cacca5b2",
                           "ml": "e8a24f9e2149cbda8c3cca264a53c2b361b7a031"}
MULTIPLT_1B_REVISIONS = dict(AUTHORS_1B_REVISIONS)


def revision_sources(lang: str) -> list[str]:
    """Which sources list the commit we use for `lang` (both, for Racket)."""
    commit = MULTIPLT_1B_REVISIONS[lang]
    return [REVISION_SOURCES[name] for name, table in (("authors", AUTHORS_1B_REVISIONS),
                                                       ("model_card", MODEL_CARD_1B_REVISIONS))
            if table.get(lang) == commit]


MODELS: dict[str, ModelSpec] = {
    spec.key: spec for spec in (STARCODERBASE_1B, CODEGEN2_1B,
                                *(multiplt_1b(lang, rev) for lang, rev in MULTIPLT_1B_REVISIONS.items()))
}


def find_model(name: str) -> ModelSpec | None:
    if name in MODELS:
        return MODELS[name]
    for spec in MODELS.values():
        if name == spec.hub_id and spec.revision == "main" or name in spec.aliases:
            return spec
    return None


def require_model(name: str) -> ModelSpec:
    spec = find_model(name)
    if spec is None:
        raise MpltError(f"unknown model {name!r}; known: {', '.join(MODELS)} (or a Hub id / local directory)")
    return spec
