"""Behaviour of the translator's parts: test parsing, prompt rules, skips, rewording, types."""
import pytest

from mplt.translation import PythonProblem, Skip, TranslatedProblem, build_program, translate_problem
from mplt.translation.annotate import annotate_prompt
from mplt.translation.docstring import CANONICAL_HEADER, normalise, reword
from mplt.translation.pyparse import parse_prompt, parse_test
from mplt.langs.types import (FLOAT, INT, NONE, STR, List, Optional, PyType, Untranslatable,
                                    annotation_text, unify)

from .golden_problems import SPLIT

TYPED = '''from typing import List


def f(xs: List[int], k: int) -> int:
    """Return the k-th element of a list."""
'''


def make(tests, prompt=TYPED, canonical=""):
    return PythonProblem("t_1_f", "f", prompt, tuple(tests), canonical)


@pytest.mark.parametrize("source,args,expected,tol", [
    ("assert candidate([1, -2], 3) == -2", ([1, -2], 3), -2, None),
    ("assert f([], 0) == 0, 'message ignored'", ([], 0), 0, None),
    ("assert candidate([1], 1)", ([1], 1), True, None),
    ("assert not candidate([1], 1)", ([1], 1), False, None),
    ("assert candidate([1], 1) is None", ([1], 1), None, None),
    ("assert tuple(candidate([1], 1)) == tuple([1, 2])", ([1], 1), [1, 2], None),
    ("assert abs(candidate([1], 1) - 2.0 / 3.0) < 1e-6", ([1], 1), 2.0 / 3.0, 1e-6),
    ("assert candidate({'a': (1, None)}, 1) == 'x' + 'y'", ({"a": (1, None)}, 1), "xy", None),
])
def test_parse_test_forms(source, args, expected, tol):
    case = parse_test(source, "f")
    assert case.args == args and case.expected == expected and case.tolerance == tol


@pytest.mark.parametrize("source,reason", [
    ("for i in range(3):\n    assert candidate([i], i) == i", "loop in tests"),
    ("import math", "import in tests"),
    ("x = 1", "assignment in tests"),
    ("assert candidate([1], 1) == sorted([1])", "unsupported expression"),
    ("assert candidate([1], k=1) == 1", "keyword arguments"),
    ("assert other([1], 1) == 1", "left side is not a call of the function"),
    ("assert candidate({1, 2}, 1) == 1", "set literal"),
])
def test_parse_test_rejects_with_reason(source, reason):
    with pytest.raises(Untranslatable) as e:
        parse_test(source, "f")
    assert e.value.reason == reason


def test_ignored_statements():
    assert parse_test("assert True", "f") is None
    assert parse_test("print", "f") is None


def test_prompt_rules():
    assert parse_prompt(TYPED).params[0][1] == List(INT)
    with pytest.raises(Untranslatable, match="helper function"):
        parse_prompt("def g(x):\n    return x\n\n\ndef f(x):\n    '''doc'''\n")
    with pytest.raises(Untranslatable, match="non-positional"):
        parse_prompt("def f(x, *rest):\n    '''doc'''\n")


def test_drop_versus_strict():
    problem = make(["assert candidate([1], 0) == 1", "for i in range(2): assert True"])
    lenient = translate_problem(problem, "lua")
    assert isinstance(lenient, TranslatedProblem)
    assert lenient.skipped_tests == (("for i in range(2): assert True", "loop in tests"),)
    strict = translate_problem(problem, "lua", drop_failing_tests=False)
    assert isinstance(strict, Skip) and strict.reason == "loop in tests"


def test_conflicting_and_missing_tests():
    out = translate_problem(make(["assert f([1], 0) == 1", "assert f([1], 0) == 2", "assert f([1], 0) == 1"]), "ml")
    assert out.tests.count("(assert") == 2
    assert out.skipped_tests == (("assert f([1], 0) == 2", "conflicting tests"),)
    skip = translate_problem(make(["x = 1"]), "r")
    assert isinstance(skip, Skip) and skip.reason == "no translatable test"


def test_typed_languages_need_annotations():
    untyped = make(["assert f([1], 0) == 1"], prompt="def f(xs, k):\n    '''doc'''\n")
    assert translate_problem(untyped, "jl").reason == "untyped parameter"
    assert translate_problem(untyped, "ml").reason == "untyped parameter"
    assert isinstance(translate_problem(untyped, "rkt"), TranslatedProblem)
    union = make(["assert f([1], 0) == 1"], prompt="from typing import Union\n\ndef f(xs: list, k: int) -> Union[int, str]:\n    '''doc'''\n")
    assert translate_problem(union, "ml").reason == "union type"
    assert "::Union{Int64, String}" in translate_problem(union, "jl").prompt


def test_add_canonical_puts_python_body_before_docstring():
    problem = make(["assert f([1], 0) == 1"], canonical="    if not xs:\n        return 0\n\n    return xs[k]\n")
    prompt = translate_problem(problem, "lua", add_canonical=True).prompt
    assert prompt.startswith(f"-- {CANONICAL_HEADER}\n-- # if not xs:\n-- #     return 0\n-- # return xs[k]\n-- \n")
    assert prompt.index("Return the k-th element") > prompt.index("# return xs[k]")
    assert CANONICAL_HEADER not in translate_problem(problem, "lua").prompt


def test_record_round_trip_and_program():
    out = translate_problem(SPLIT, "rkt")
    record = out.to_record()
    for field in ("name", "language", "prompt", "tests", "stop_tokens", "doctests", "prompt_terminology",
                  "original", "entry_point", "skipped_tests"):
        assert field in record
    assert record["doctests"] == "transform" and record["prompt_terminology"] == "reworded"
    assert record["stop_tokens"] == ["\n(define ", "\n#|", "\n;", "\n("]
    assert TranslatedProblem.from_record(record) == out
    assert build_program(record, "  X)") == out.prompt + "  X)" + "\n" + out.tests
    assert build_program(out, "  X)") == build_program(record, "  X)")


def test_reword_whole_words_and_articles():
    assert reword("Return a list of Python values", "lua") == "Return a table of Lua values"
    assert reword("an array or a dictionary, else None", "r") == "a vector or a named list, else NULL"
    assert reword("a listing of happy things", "lua") == "a listing of happy things"
    assert reword("True or False", "rkt") == "#t or #f"
    assert reword("given a tuple", "ml") == "given a tuple"
    assert reword("given an array", "ml") == "given a list"


def test_doctests_are_not_reworded_and_normalise():
    doc = "\n    Given a list.\n    >>> f([1], 0)\n    1\n\n    "
    problem = make(["assert f([1], 0) == 1"], prompt=f'def f(xs: list, k: int) -> int:\n    """{doc}"""\n')
    assert translate_problem(problem, "lua").prompt == (
        "-- Given a table.\n-- >>> f({1}, 0)\n-- 1\nlocal function f(xs, k)\n")
    assert normalise("  a\n    b\n\n    c\n  d") == "  a\nb\nc\n  d"


def test_ocaml_and_julia_bug_fixes():
    problem = make(["assert candidate({'a': -1}, -2) == (-1.5, None)"],
                   prompt="from typing import Dict, Optional, Tuple\n\ndef f(d: Dict[str, int], k: float) "
                          "-> Tuple[float, Optional[int]]:\n    '''doc'''\n")
    ml = translate_problem(problem, "ml")
    assert "~" not in ml.tests and "Some(None)" not in ml.tests
    assert '(assert ((candidate [("a", (-1))] (-2.0)) = ((-1.5), None)));' in ml.tests
    assert "(d : (string * int) list)" in ml.prompt
    jl = translate_problem(problem, "jl")
    assert "Dict{String, Int64}, k::Float64)" in jl.prompt and "}>" not in jl.prompt
    assert '@test(candidate(Dict("a" => -1), -2.0) == (-1.5, nothing))' in jl.tests


def test_types_and_annotation():
    assert unify(INT, FLOAT) == FLOAT
    assert unify(STR, NONE) == Optional(STR)
    assert unify(PyType("tuple", (STR,)), PyType("tuple", (STR, STR))) == PyType("vartuple", (STR,))
    assert annotation_text(List(Optional(PyType("tuple", (INT, STR))))) == "List[Optional[Tuple[int, str]]]"
    prompt = annotate_prompt("def f(x, y: list):\n    '''doc'''\n", "f",
                             ["assert f(1, [2.5]) == None", "assert f(2, []) == 'a'"])
    assert prompt == ("from typing import List, Optional\n\n"
                      "def f(x: int, y: List[float]) -> Optional[str]:\n    '''doc'''\n")


def test_single_outlier_test_is_left_out_of_inference():
    tests = [f"assert f('{c}') == {i}" for i, c in enumerate("abcd")] + ["assert f([]) == 0"]
    prompt = annotate_prompt("def f(s):\n    '''doc'''\n", "f", tests)
    assert prompt == "def f(s: str) -> int:\n    '''doc'''\n"
    out = translate_problem(PythonProblem("t_2_f", "f", prompt, tuple(tests)), "ml")
    assert out.skipped_tests == (("assert f([]) == 0", "value does not match type"),)


def test_uncleaned_doctest_forms():
    # Docstring value: a call whose string literal holds a real newline, `call == value` on one
    # line, a call without output (None), and an unparsable example kept verbatim.
    prompt = r'''from typing import Optional


def f(s: str) -> Optional[str]:
    """Doc.
    >>> f("a\nb")
    'a\nb'
    >>> f('x') == 'y'
    >>> f('z')

    >>> f(('
    """
'''
    out = translate_problem(PythonProblem("t_3_f", "f", prompt, ("assert f('a') == None",)), "jl")
    assert out.prompt.startswith('"""Doc.\n>>> f("a\\\\nb")\n"a\\\\nb"\n>>> f("x")\n"y"\n>>> f("z")\nnothing\n'
                                 ">>> f(('\"\"\"\n")
