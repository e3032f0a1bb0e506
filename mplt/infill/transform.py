"""File-level span corruption mixed with causal LM at a set rate (docs/codegen2.md, sections A.5, B2).

The transform runs on one tokenized document *before packing*, so spans never cross a document
boundary (A.8: MultiPL-T packs documents into windows, so corrupting windows would be sequence-level).
With probability `rate` a document becomes, for the `codegen2` format,

    masked document <|endoftext|> <sep> <mask_1> span_1 <eom> <mask_2> span_2 <eom> ...

(the EOS before `<sep>` matches the inference prompt, A.4/A.5), or for `starcoder-psm` (one span)
`<fim_prefix> prefix <fim_suffix> suffix <fim_middle> middle`; otherwise it is left unchanged.

CodeGen2 does not publish its span distributions (A.5), so these are our documented choices:
* mask ratio ~ Uniform[min_ratio, max_ratio]; masked tokens = round(ratio * n), at least 1;
* number of spans ~ Uniform{1..max_spans} (at most the masked count); span lengths are a uniform
  random composition of the masked count; the unmasked tokens are spread uniformly over the gaps with
  at least one token between neighbouring spans (so spans stay distinct);
* `snap_lines` widens every span to whole lines (suits Racket and OCaml) and merges overlaps; the
  masked share then exceeds the drawn ratio.
Each document draws from its own `random.Random(f"{seed}/{shard}/{index}")`, so results do not depend
on processing order and different shards give different, reproducible streams. Documents that already
contain a sentinel id are left unchanged, so `restore` stays unambiguous.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from mplt.errors import MpltError
from mplt.infill.formats import CODEGEN2_EOM, CODEGEN2_SEP, EOS, get_infill_format, mask_token


@dataclass(frozen=True)
class FimConfig:
    rate: float = 0.0              # share of documents corrupted; 0 = plain causal LM (MultiPL-T)
    format: str = "codegen2"
    min_ratio: float = 0.1
    max_ratio: float = 0.5
    max_spans: int = 4
    snap_lines: bool = False
    loss: str = "all"              # "all" (CodeGen2 card: full-sequence CE) | "after_sep"
    seed: int = 0

    def validate(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise MpltError(f"fim rate must be in [0, 1], got {self.rate}")
        if not 0.0 < self.min_ratio <= self.max_ratio <= 1.0:
            raise MpltError(f"fim mask ratio range must satisfy 0 < min <= max <= 1, got "
                            f"[{self.min_ratio}, {self.max_ratio}]")
        if self.max_spans < 1:
            raise MpltError(f"fim max_spans must be >= 1, got {self.max_spans}")
        if self.loss not in ("all", "after_sep"):
            raise MpltError(f"fim loss must be 'all' or 'after_sep', got {self.loss!r}")


@dataclass(frozen=True)
class Corrupted:
    ids: list[int]
    loss_start: int        # labels before this position are ignored (0 = full-sequence loss)
    spans: tuple[tuple[int, int], ...] = ()   # (start, end) in the original ids; () = causal

    @property
    def transformed(self) -> bool:
        return bool(self.spans)


class SpanCorruption:
    """Build once per tokenizer; raises at construction if the tokenizer lacks the sentinels."""

    def __init__(self, tokenizer, config: FimConfig):
        config.validate()
        self.config = config
        self.format = get_infill_format(config.format)
        spans = config.max_spans if self.format.name == "codegen2" else 1
        if self.format.name == "starcoder-psm" and config.max_spans != 1:
            config = FimConfig(**{**config.__dict__, "max_spans": 1})
            self.config = config
        masks = tuple(mask_token(k) for k in range(1, spans + 1)) if self.format.name == "codegen2" else ()
        self.ids = self.format.require_tokens(tokenizer, extra=masks)
        self.mask_ids = [self.ids[m] for m in masks]
        self.sentinel_ids = frozenset(self.ids.values())
        self.newline_ids = _newline_ids(tokenizer) if config.snap_lines else frozenset()

    def corrupt(self, ids: list[int], index: int, shard: int = 0) -> Corrupted:
        if self.config.rate == 0.0:
            return Corrupted(list(ids), 0)
        rng = random.Random(f"{self.config.seed}/{shard}/{index}")
        if rng.random() >= self.config.rate or not ids or self.sentinel_ids.intersection(ids):
            return Corrupted(list(ids), 0)
        spans = self.choose_spans(len(ids), rng)
        if self.config.snap_lines:
            spans = self.snap_to_lines(ids, spans)
        return self.layout(ids, spans)

    def choose_spans(self, n: int, rng: random.Random) -> list[tuple[int, int]]:
        cfg = self.config
        masked = min(n, max(1, round(rng.uniform(cfg.min_ratio, cfg.max_ratio) * n)))
        k = rng.randint(1, min(cfg.max_spans, masked))
        k = min(k, n - masked + 1)            # room for one unmasked token between spans
        lengths = _compose(rng, masked, k, 1)
        gaps = _compose(rng, n - masked - (k - 1), k + 1, 0)
        spans, pos = [], 0
        for i, length in enumerate(lengths):
            pos += gaps[i] + (1 if i else 0)
            spans.append((pos, pos + length))
            pos += length
        return spans

    def snap_to_lines(self, ids: list[int], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        starts = [0] + [i + 1 for i, t in enumerate(ids) if t in self.newline_ids] + [len(ids)]
        snapped: list[tuple[int, int]] = []
        for start, end in spans:
            lo = max(s for s in starts if s <= start)
            hi = min(s for s in starts if s >= end)
            if snapped and lo <= snapped[-1][1]:
                snapped[-1] = (snapped[-1][0], max(hi, snapped[-1][1]))
            else:
                snapped.append((lo, hi))
        return snapped

    def layout(self, ids: list[int], spans: list[tuple[int, int]]) -> Corrupted:
        if self.format.name == "starcoder-psm":
            (start, end), = spans
            out = [self.ids["<fim_prefix>"], *ids[:start], self.ids["<fim_suffix>"], *ids[end:],
                   self.ids["<fim_middle>"]]
            loss_start = len(out) if self.config.loss == "after_sep" else 0
            return Corrupted(out + ids[start:end], loss_start, tuple(spans))
        masked, tail, pos = [], [], 0
        for k, (start, end) in enumerate(spans):
            masked += [*ids[pos:start], self.mask_ids[k]]
            tail += [self.mask_ids[k], *ids[start:end], self.ids[CODEGEN2_EOM]]
            pos = end
        masked += ids[pos:]
        head = masked + [self.ids[EOS], self.ids[CODEGEN2_SEP]]
        loss_start = len(head) if self.config.loss == "after_sep" else 0
        return Corrupted(head + tail, loss_start, tuple(spans))

    def restore(self, ids: list[int]) -> list[int]:
        """The original document from a (possibly) corrupted one: the lossless inverse of corrupt."""
        if self.format.name == "starcoder-psm":
            pre, suf, mid = (self.ids[t] for t in ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"))
            if not ids or ids[0] != pre:
                return list(ids)
            i, j = ids.index(suf), ids.index(mid)
            return ids[1:i] + ids[j + 1:] + ids[i + 1:j]
        eos, sep, eom = self.ids[EOS], self.ids[CODEGEN2_SEP], self.ids[CODEGEN2_EOM]
        cut = next((i for i in range(len(ids) - 1) if ids[i] == eos and ids[i + 1] == sep), None)
        if cut is None:
            return list(ids)
        fills, tail, k = {}, ids[cut + 2:], 0
        while k < len(tail):
            mask, end = tail[k], tail.index(eom, k + 1)
            fills[mask] = tail[k + 1:end]
            k = end + 1
        out = []
        for t in ids[:cut]:
            out.extend(fills[t] if t in fills else [t])
        return out


def _compose(rng: random.Random, total: int, parts: int, minimum: int) -> list[int]:
    """A uniformly random composition of `total` into `parts` integers, each >= minimum."""
    free = total - parts * minimum
    cuts = sorted(rng.sample(range(free + parts - 1), parts - 1))
    bounds = [-1, *cuts, free + parts - 1]
    return [bounds[i + 1] - bounds[i] - 1 + minimum for i in range(parts)]


def _newline_ids(tokenizer) -> frozenset[int]:
    """Ids whose text ends with a newline: the line boundaries `snap_lines` may cut at."""
    vocab = range(len(tokenizer))
    texts = tokenizer.batch_decode([[i] for i in vocab], skip_special_tokens=False)
    return frozenset(i for i, text in zip(vocab, texts) if text.endswith("\n"))
