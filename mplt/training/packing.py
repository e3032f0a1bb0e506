"""Tokenize, optionally infill-transform, and pack documents into fixed windows (docs/method.md, section 5.1).

MultiPL-T's `packed_strings_dataset.py`: concatenate tokenized documents with EOS after each, cut the
stream into windows of exactly `seq_len` tokens (long documents span windows), labels = input ids,
no cross-document attention masking. Two documented choices:
* EOS is appended after *every* document. MultiPL-T skips it when the buffer length is already a
  multiple of 2048, an artefact of its streaming buffer rather than a modelling choice.
* The last partial window is either dropped (`drop`, demo.py) or EOS-padded with the padding masked
  out of the labels (`pad`, the paper-era 1B trainer, docs/method.md, section 5.2). We default to `pad` so a small
  language set loses no documents.
"""
from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100    # label id that torch's cross-entropy skips


@dataclass(frozen=True)
class PackStats:
    documents: int
    transformed: int
    tokens: int          # real tokens, EOS included, before padding
    windows: int
    dropped_tokens: int


def tokenize(tokenizer, texts: list[str], batch: int = 512) -> list[list[int]]:
    out: list[list[int]] = []
    for i in range(0, len(texts), batch):
        out.extend(tokenizer(texts[i:i + batch], add_special_tokens=False)["input_ids"])
    return out


def pack_documents(docs: list[list[int]], eos_id: int, seq_len: int, last_window: str = "pad",
                   corruption=None, shard: int = 0):
    """Return (input_ids, labels, PackStats): int64 tensors of shape [windows, seq_len].

    `corruption` (an `mplt.infill.SpanCorruption`) rewrites each document before packing, so spans
    never cross a document boundary; at rate 0 the stream is exactly the causal-LM stream."""
    import torch

    stream: list[int] = []
    labels: list[int] = []
    transformed = 0
    for index, ids in enumerate(docs):
        loss_start = 0
        if corruption is not None:
            result = corruption.corrupt(ids, index, shard)
            ids, loss_start = result.ids, result.loss_start
            transformed += result.transformed
        stream.extend(ids)
        stream.append(eos_id)
        labels.extend([IGNORE] * loss_start + ids[loss_start:] + [eos_id])
    tokens = len(stream)
    full, rest = divmod(tokens, seq_len)
    dropped = 0
    if rest and last_window == "pad":
        stream.extend([eos_id] * (seq_len - rest))
        labels.extend([IGNORE] * (seq_len - rest))
        full += 1
    elif rest:
        dropped = rest
    n = full * seq_len
    input_ids = torch.tensor(stream[:n], dtype=torch.long).view(full, seq_len)
    label_ids = torch.tensor(labels[:n], dtype=torch.long).view(full, seq_len)
    return input_ids, label_ids, PackStats(len(docs), transformed, tokens, full, dropped)
