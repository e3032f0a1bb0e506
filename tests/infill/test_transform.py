"""File-level span corruption mixed with causal LM (docs/codegen2.md, section B2)."""
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mplt.errors import MpltError
from mplt.infill import FimConfig, SpanCorruption
from mplt.training.packing import IGNORE, pack_documents

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def make(tok, **kw):
    return SpanCorruption(tok, FimConfig(**{"rate": 1.0, **kw}))


@SETTINGS
@given(text=st.text(min_size=1, max_size=300), seed=st.integers(0, 2**16), index=st.integers(0, 10**6),
       max_spans=st.integers(1, 8), snap=st.booleans())
def test_codegen2_corruption_is_lossless(sentinel_tokenizer, text, seed, index, max_spans, snap):
    tok = sentinel_tokenizer
    corruption = make(tok, seed=seed, max_spans=max_spans, snap_lines=snap)
    ids = tok.encode(text, add_special_tokens=False)
    result = corruption.corrupt(ids, index)
    assert corruption.restore(result.ids) == ids
    assert tok.decode(corruption.restore(result.ids)) == text


@SETTINGS
@given(ids=st.lists(st.integers(20, 1000), min_size=1, max_size=200), seed=st.integers(0, 1000))
def test_psm_corruption_is_lossless_on_random_ids(sentinel_tokenizer, ids, seed):
    corruption = make(sentinel_tokenizer, format="starcoder-psm", seed=seed)
    result = corruption.corrupt(ids, 0)
    assert result.transformed and len(result.spans) == 1
    assert corruption.restore(result.ids) == ids


@SETTINGS
@given(n=st.integers(1, 400), seed=st.integers(0, 1000), lo=st.floats(0.05, 0.9), width=st.floats(0, 0.5),
       max_spans=st.integers(1, 8))
def test_budget_span_cap_and_consecutive_numbering(sentinel_tokenizer, n, seed, lo, width, max_spans):
    tok = sentinel_tokenizer
    hi = min(1.0, lo + width)
    corruption = make(tok, seed=seed, min_ratio=lo, max_ratio=hi, max_spans=max_spans)
    ids = [random.Random(seed).randrange(20, 1000) for _ in range(n)]
    result = corruption.corrupt(ids, 7)
    masked = sum(end - start for start, end in result.spans)
    assert max(1, int(lo * n) - 1) <= masked <= hi * n + 1    # within one token of rounding
    assert 1 <= len(result.spans) <= max_spans
    starts = [s for s, _ in result.spans]
    assert starts == sorted(starts) and all(a[1] < b[0] for a, b in zip(result.spans, result.spans[1:]))
    mask_ids = [tok.convert_tokens_to_ids(f"<mask_{k}>") for k in range(1, 9)]
    sep = result.ids.index(tok.convert_tokens_to_ids("<sep>"))
    head_masks = [t for t in result.ids[:sep] if t in mask_ids]
    tail_masks = [t for t in result.ids[sep:] if t in mask_ids]
    assert head_masks == tail_masks == mask_ids[:len(result.spans)]


def test_codegen2_layout(sentinel_tokenizer):
    tok = sentinel_tokenizer
    c = make(tok, seed=3, max_spans=1)
    ids = tok.encode("def f(x):\n    return x + 1\n", add_special_tokens=False)
    result = c.corrupt(ids, 0)
    (start, end), = result.spans
    m1, sep, eom, eos = (tok.convert_tokens_to_ids(t) for t in ("<mask_1>", "<sep>", "<eom>", "<|endoftext|>"))
    assert result.ids == [*ids[:start], m1, *ids[end:], eos, sep, m1, *ids[start:end], eom]


def test_same_seed_same_bytes_different_seed_or_shard_differs(sentinel_tokenizer):
    tok = sentinel_tokenizer
    docs = [tok.encode(f"def f{i}(x):\n    return x * {i}\n" * 3, add_special_tokens=False) for i in range(50)]
    a = [make(tok, seed=1, rate=0.5).corrupt(d, i).ids for i, d in enumerate(docs)]
    b = [make(tok, seed=1, rate=0.5).corrupt(d, i).ids for i, d in enumerate(docs)]
    c = [make(tok, seed=2, rate=0.5).corrupt(d, i).ids for i, d in enumerate(docs)]
    d = [make(tok, seed=1, rate=0.5).corrupt(doc, i, shard=1).ids for i, doc in enumerate(docs)]
    assert a == b and a != c and a != d


def test_rate_zero_packing_is_byte_identical_to_causal(sentinel_tokenizer):
    tok = sentinel_tokenizer
    docs = [tok.encode(f"x{i} = {i}\n" * (i % 7 + 1), add_special_tokens=False) for i in range(100)]
    plain = pack_documents(docs, tok.eos_token_id, 32, "pad")
    zero = pack_documents(docs, tok.eos_token_id, 32, "pad", corruption=make(tok, rate=0.0))
    assert plain[0].numpy().tobytes() == zero[0].numpy().tobytes()
    assert plain[1].numpy().tobytes() == zero[1].numpy().tobytes()
    assert zero[2].transformed == 0


def test_rate_one_transforms_every_document_and_rate_half_matches(sentinel_tokenizer):
    tok = sentinel_tokenizer
    docs = [[100 + i % 300, 70, 90, 110, 130, 170] for i in range(10_000)]
    every = make(tok, rate=1.0)
    assert all(every.corrupt(d, i).transformed for i, d in enumerate(docs[:500]))
    half = make(tok, rate=0.5, seed=123)
    share = sum(half.corrupt(d, i).transformed for i, d in enumerate(docs)) / len(docs)
    assert abs(share - 0.5) <= 0.015


def test_spans_stay_inside_their_file_after_packing(sentinel_tokenizer):
    tok = sentinel_tokenizer
    corruption = make(tok, rate=0.6, seed=5, max_spans=3)
    texts = [f"(define (f{i} x)\n  (+ x {i}))\n" * (1 + i % 4) for i in range(60)]
    docs = [tok.encode(t, add_special_tokens=False) for t in texts]
    ids, _, stats = pack_documents(docs, tok.eos_token_id, 64, "pad", corruption=corruption)
    eos, sep = tok.eos_token_id, tok.convert_tokens_to_ids("<sep>")
    masks = {tok.convert_tokens_to_ids(f"<mask_{k}>") for k in range(1, 4)}
    stream = ids.flatten().tolist()[:stats.tokens]
    files, current = [], []
    for i, t in enumerate(stream):       # an EOS directly followed by <sep> is inside a corrupted file
        current.append(t)
        if t == eos and not (i + 1 < len(stream) and stream[i + 1] == sep):
            files.append(current[:-1])
            current = []
    assert len(files) == len(docs) and stats.transformed > 10
    for original, file in zip(docs, files):
        assert corruption.restore(file) == original
        if sep in file:
            cut = file.index(sep)
            head, tail = [t for t in file[:cut] if t in masks], [t for t in file[cut:] if t in masks]
            assert head == tail


def test_loss_after_sep_masks_the_document_part(sentinel_tokenizer):
    tok = sentinel_tokenizer
    corruption = make(tok, rate=1.0, loss="after_sep", max_spans=1)
    doc = tok.encode("def g(y):\n    return y - 2\n", add_special_tokens=False)
    ids, labels, _ = pack_documents([doc], tok.eos_token_id, 128, "pad", corruption=corruption)
    sep_at = ids[0].tolist().index(tok.convert_tokens_to_ids("<sep>"))
    assert (labels[0, :sep_at + 1] == IGNORE).all() and (labels[0, sep_at + 1:sep_at + 3] != IGNORE).all()


def test_construction_fails_loudly_without_sentinels(plain_tokenizer, sentinel_tokenizer):
    with pytest.raises(MpltError, match="no single-id token"):
        make(plain_tokenizer)
    with pytest.raises(MpltError, match="<mask_9>"):
        make(sentinel_tokenizer, max_spans=9)
    with pytest.raises(MpltError, match="fim rate"):
        make(sentinel_tokenizer, rate=1.5)
