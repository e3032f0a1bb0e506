"""Assertion extraction (`ast`), prompts and type inference, on LLM-like text written by hand."""
from __future__ import annotations

from collections import Counter

import pytest

from mplt.pipeline.assertions import (build_testgen_prompt, parse_assertions, pool_assertions,
                                      rename_to_candidate)
from mplt.pipeline.types import Unresolvable, infer_types


def test_prompt_is_method_2_1():
    prompt = build_testgen_prompt('def f(x):\n    """d"""\n    return x\n', "f")
    assert prompt == ('def f(x):\n    """d"""\n    return x\n\n'
                      "# Unit tests for f\n"
                      "# These unit tests are strictly in the `assert f(...) == ...` format.\n"
                      "# Additionally, these unit tests are not allowed to use keyword arguments.\n"
                      "assert f(")


def test_parse_keeps_only_valid_assertions():
    text = ("assert f(1) == 2\n"
            "assert f(1, 2) == 3, 'with a message'\n"
            "assert f(x=1) == 2\n"              # keyword argument
            "assert f() == 0\n"                 # no argument
            "assert f(1) != 2\n"                # not ==
            "assert g(1) == 2\n"                # another function
            "assert obj.f(1) == 2\n"            # call through an attribute
            "assert f(\n    [1, 2]\n) == [2, 3]\n"  # multi-line, kept verbatim
            "print('done')\n"
            "assert f(3) == (4\n")              # cut mid-statement
    rejected = Counter()
    kept = parse_assertions(text, "f", rejected)
    assert kept == ["assert f(1) == 2", "assert f(1, 2) == 3, 'with a message'",
                    "assert f(\n    [1, 2]\n) == [2, 3]"]
    assert rejected == Counter(keyword_arguments=1, no_arguments=1, not_equality=1, other_call=2,
                               unparsable=1)


def test_pool_dedups_across_samples_and_restores_the_prefix():
    samples = ["1) == 2\nassert f(2) == 3\n", "1) == 2\nassert f(5) == 6", "garbage ((("]
    assert pool_assertions("f", samples) == ["assert f(1) == 2", "assert f(2) == 3", "assert f(5) == 6"]


def test_rename_to_candidate_is_syntactic():
    assert rename_to_candidate("assert f('f', f) == 'f(1)', 'msg'", "f") == \
        "assert candidate('f', candidate) == 'f(1)'"


SRC = 'def f(a, b=None):\n    """d"""\n    return a\n'


@pytest.mark.parametrize("tests, params, returns", [
    (["assert f(1, 0) == 1", "assert f(2.5, 1) == 2.5"], {"a": "float", "b": "Optional[int]"}, "float"),
    (["assert f([1], 'x') == [1]", "assert f([], None) == []"], {"a": "List[int]", "b": "Optional[str]"}, "List[int]"),
    (["assert f((1, 'a'), True) == {'k': (1, 'a')}"], {"a": "Tuple[int, str]", "b": "Optional[bool]"},
     "Dict[str, Tuple[int, str]]"),
    (["assert f(None, 1) == None", "assert f(3, 2) == 3"], {"a": "Optional[int]", "b": "Optional[int]"}, "Optional[int]"),
])
def test_infer_types(tests, params, returns):
    inferred = infer_types(SRC, "f", tests).to_record()
    assert inferred["params"] == params
    assert inferred["return"] == returns


@pytest.mark.parametrize("tests, reason", [
    (["assert f({1}) == {1}"], "set"),
    (["assert f(1) == 1", "assert f('a') == 'a'"], "conflicting"),
    (["assert f([], 1) == []"], "only empty containers"),
    (["assert f(1) == 1"], "parameter b: only None"),
    (["assert f(float('inf')) == 1"], "not a literal"),
])
def test_unresolvable_types(tests, reason):
    with pytest.raises(Unresolvable, match=reason):
        infer_types(SRC, "f", tests)
