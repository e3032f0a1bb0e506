"""Tokenizers for the infill tests, built offline in well under a second.

`codegen2_tokenizer` reproduces the *ids* of the released CodeGen2 vocabulary (docs/codegen2.md,
section A.4): GPT-2 byte order (so id 2 is `#`), EOS 50256, 38 whitespace-run tokens 50257-50294, `<dummy_0..3>`,
`<sep>` 50299, `<eom>` 50300 and `<mask_899>` ... `<mask_1>` = 50301 ... 51199. It has no merges, so
text tokenizes to bytes plus the whitespace-run tokens.
"""
from __future__ import annotations

import pytest


def _bytes_to_unicode() -> list[str]:
    """GPT-2's byte -> printable character table, in GPT-2 vocabulary order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


@pytest.fixture(scope="session")
def codegen2_tokenizer():
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(_bytes_to_unicode())}
    vocab.update({f"<unused_{i}>": i for i in range(256, 50256)})
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True)])
    runs = [" " * n for n in range(31, 1, -1)] + ["\t" * n for n in range(9, 1, -1)]
    tok.add_tokens([AddedToken(r, normalized=False) for r in runs])
    tok.add_tokens([f"<dummy_{i}>" for i in range(4)] + ["<sep>", "<eom>"]
                   + [f"<mask_{k}>" for k in range(899, 0, -1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


SENTINELS = ("<sep>", "<eom>", *(f"<mask_{k}>" for k in range(1, 9)), "<fim_prefix>", "<fim_suffix>",
             "<fim_middle>")


@pytest.fixture(scope="session")
def sentinel_tokenizer():
    """A trained byte-level BPE (real merges) with the sentinels of both formats added."""
    from mplt.models.tiny import TinyConfig, shipped_texts, train_tokenizer
    return train_tokenizer(shipped_texts(), TinyConfig(vocab_size=1024, extra_special_tokens=SENTINELS))


@pytest.fixture(scope="session")
def plain_tokenizer():
    from mplt.models.tiny import TinyConfig, shipped_texts, train_tokenizer
    return train_tokenizer(shipped_texts(), TinyConfig(vocab_size=512))
