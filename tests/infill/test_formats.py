"""Infill format registry (docs/codegen2.md, section B1)."""
import pytest

from mplt.errors import MpltError
from mplt.infill import INFILL_FORMATS, get_infill_format

CG2 = get_infill_format("codegen2")
PSM = get_infill_format("starcoder-psm")


def test_registry_names_and_unknown():
    assert {"codegen2", "starcoder-psm", "none"} <= set(INFILL_FORMATS)
    with pytest.raises(MpltError, match="unknown infill format"):
        get_infill_format("fim-spm")


def test_codegen2_golden_prompt_string():
    assert CG2.build_prompt("def add(a, b):\n", "\n    return c\n") == (
        "def add(a, b):\n<mask_1>\n    return c\n<|endoftext|><sep><mask_1>")


def test_codegen2_sentinel_ids_match_the_released_vocabulary(codegen2_tokenizer):
    tok = codegen2_tokenizer
    for token, token_id in {"<|endoftext|>": 50256, "<sep>": 50299, "<eom>": 50300, "<mask_1>": 51199,
                            "<mask_2>": 51198, "<mask_899>": 50301}.items():
        assert tok.encode(token, add_special_tokens=False) == [token_id]
    assert tok.convert_ids_to_tokens(2) == "#"      # the config's eos_token_id 2 is `#` (A.3)


def test_codegen2_stop_ids_never_contain_2(codegen2_tokenizer):
    assert set(CG2.stop_ids(codegen2_tokenizer)) == {50256, 50300}
    assert 2 not in CG2.stop_ids(codegen2_tokenizer)


def test_codegen2_prompt_ids_and_extraction_round_trip(codegen2_tokenizer):
    tok = codegen2_tokenizer
    prompt = CG2.build_prompt_ids(tok, "def add(a, b):\n", "\n")
    assert prompt[-3:] == [50256, 50299, 51199] and 51199 in prompt[:-3]
    assert tok.decode(prompt) == CG2.build_prompt("def add(a, b):\n", "\n")
    middle = "    \t\treturn  a +\tb"                     # space- and tab-run tokens
    middle_ids = tok.encode(middle, add_special_tokens=False)
    assert any(50257 <= i <= 50294 for i in middle_ids)
    junk = tok.encode("\n# junk after the span", add_special_tokens=False)
    assert CG2.extract_middle(tok, middle_ids + [50300] + junk) == middle
    assert CG2.extract_middle(tok, middle_ids + [50256] + junk) == middle
    assert CG2.extract_middle(tok, middle_ids) == middle


def test_extracted_middle_never_contains_sentinels(codegen2_tokenizer):
    tok = codegen2_tokenizer
    ids = tok.encode("x = 1", add_special_tokens=False) + [51199, 50299] + tok.encode(" y", add_special_tokens=False)
    text = CG2.extract_middle(tok, ids + [50300])
    assert text == "x = 1 y"
    assert not any(s in text for s in ("<mask_", "<sep>", "<eom>"))


def test_starcoder_psm_prompt_and_extraction(sentinel_tokenizer):
    tok = sentinel_tokenizer
    assert PSM.build_prompt("a", "b") == "<fim_prefix>a<fim_suffix>b<fim_middle>"
    ids = PSM.build_prompt_ids(tok, "def f(x):\n", "\n")
    assert tok.decode(ids, skip_special_tokens=False) == PSM.build_prompt("def f(x):\n", "\n")
    middle_ids = tok.encode("    return x", add_special_tokens=False)
    assert PSM.stop_ids(tok) == (tok.eos_token_id,)
    assert PSM.extract_middle(tok, middle_ids + [tok.eos_token_id, 5, 6]) == "    return x"


def test_missing_sentinels_and_none_format_raise(plain_tokenizer):
    with pytest.raises(MpltError, match="no single-id token"):
        CG2.stop_ids(plain_tokenizer)
    with pytest.raises(MpltError, match="no infill support"):
        get_infill_format("none").build_prompt("a", "b")
    with pytest.raises(MpltError, match="no infill support"):
        get_infill_format("none").stop_ids(plain_tokenizer)
