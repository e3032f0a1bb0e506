"""The reference check (mplt/translation/guard.py): a translated test is kept only when the Python
canonical solution, run on the arguments as converted for the target, returns the emitted value."""
import pytest

from mplt.translation import PythonProblem, Skip, TranslatedProblem, translate_problem
from mplt.translation.guard import Outcome, Reference, agrees, parse_outcomes, same_value

# Built like HumanEval_92 `any_int`: `float` parameters, and an answer that depends on whether
# the arguments are ints, so coercing `2` to `2.0` changes the Python result.
BOTH_INTS = PythonProblem(
    name="guard_1_both_ints", entry_point="both_ints",
    prompt="def both_ints(x: float, y: float) -> bool:\n    \"\"\"Whether x and y are both integers.\"\"\"\n",
    tests=("assert candidate(2, 3) == True", "assert candidate(2.5, 3) == False",
           "assert candidate(2.0, 3) == False"),
    canonical_solution="    return isinstance(x, int) and isinstance(y, int)\n")


@pytest.mark.parametrize("language", ["lua", "rkt"])
def test_untyped_targets_keep_ints_and_every_test(language):
    out = translate_problem(BOTH_INTS, language)
    assert isinstance(out, TranslatedProblem)
    assert out.skipped_tests == ()
    assert ("candidate(2, 3), true" if language == "lua" else "(candidate 2 3) #t") in out.tests


@pytest.mark.parametrize("language", ["ml", "jl"])
def test_coercing_targets_drop_the_test_python_contradicts(language):
    out = translate_problem(BOTH_INTS, language)
    assert out.skipped_tests == (("assert candidate(2, 3) == True", "reference disagrees"),)
    # `(2.0, 3) == False` is the same call as the dropped one after coercion, and is kept.
    assert out.tests.count({"ml": "(assert ((candidate", "jl": "@test(candidate"}[language]) == 2
    strict = translate_problem(BOTH_INTS, language, drop_failing_tests=False)
    assert isinstance(strict, Skip) and strict.reason == "reference disagrees"


def test_without_the_check_the_contradicted_test_stays():
    out = translate_problem(BOTH_INTS, "ml", check_reference=False)
    assert "(candidate 2.0 3.0) = true" in out.tests
    assert [why for _, why in out.skipped_tests] == ["conflicting tests"]


def test_r_treats_3_and_3_0_as_one_call():
    out = translate_problem(BOTH_INTS, "r")
    assert out.skipped_tests == (("assert candidate(2.0, 3) == False", "conflicting tests"),)


@pytest.mark.parametrize("language", ["lua", "rkt", "r"])
def test_oracle_of_the_int_float_problem_passes(language):
    from mplt.execution.sandbox import run_program
    from mplt.translation import build_program
    from mplt.translation.oracle import build_oracle

    translated, oracle = build_oracle(BOTH_INTS, language)
    assert run_program(language, build_program(translated, oracle)).status == "OK"


def test_integral_float_results_of_an_int_declared_result_are_ints():
    problem = PythonProblem(
        "guard_2_halves", "halves",
        "from typing import List\n\ndef halves(n: int) -> List[int]:\n    \"\"\"n, n/2 (an int here).\"\"\"\n",
        ("assert candidate(4) == [4, 2.0]", "assert candidate(2) == [2, 1.5]"),
        "    return [n, n / 2]\n")
    for language in ("lua", "ml", "jl"):
        out = translate_problem(problem, language)
        assert "2.0" not in out.tests and ("4, 2" in out.tests or "4; 2" in out.tests)
        # 1.5 is no int: that test cannot be written for an int list
        assert out.skipped_tests == (("assert candidate(2) == [2, 1.5]", "value does not match type"),)


def test_tolerance_errors_and_unrunnable_references():
    prompt = "def third(x: float) -> float:\n    \"\"\"x / 3.\"\"\"\n"
    ok = PythonProblem("guard_3_third", "third", prompt,
                       ("assert abs(candidate(1.0) - 0.3333) < 1e-3", "assert abs(candidate(1.0) - 0.5) < 1e-3",
                        "assert candidate(0.0) == 0.0"),
                       "    return x / 3 if x else 1 / x\n")
    out = translate_problem(ok, "lua")
    assert out.skipped_tests == (("assert abs(candidate(1.0) - 0.5) < 1e-3", "reference disagrees"),
                                 ("assert candidate(0.0) == 0.0", "reference disagrees"))
    broken = PythonProblem("guard_4_broken", "third", prompt, ("assert candidate(1.0) == 1.0",),
                           "    return (\n")
    skip = translate_problem(broken, "lua")
    assert isinstance(skip, Skip) and skip.reason == "reference did not run"


def test_reference_output_without_newline_and_mutated_arguments():
    problem = PythonProblem(
        "guard_5_pop", "pop_last",
        "from typing import List\n\ndef pop_last(xs: List[int]) -> int:\n    \"\"\"Pop the last element.\"\"\"\n",
        ("assert candidate([1, 2]) == 2", "assert candidate([1, 2]) == 2"),
        "    print('noise', end='')\n    return xs.pop()\n")
    out = translate_problem(problem, "rkt")
    assert out.skipped_tests == ()


class Counting(Reference):
    """Answers every call with True and counts the sandbox runs it would have made."""

    def __init__(self):
        super().__init__()
        self.runs = 0

    def _run(self, requests):
        self.runs += 1
        return [[Outcome("ok", repr(True)) for _ in r[3]] for r in requests], ""


def test_outcomes_are_run_once_per_call():
    reference = Counting()
    assert [o.value() for o in reference.outcomes("p", "b", "f", [(1,), (2,)])] == [True, True]
    reference.outcomes("p", "b", "f", [(2,), (1,)])
    assert reference.runs == 1
    reference.outcomes("p", "b", "f", [(1.0,)])   # 1.0 is another call than 1
    assert reference.runs == 2


def test_prefetch_batches_problems_and_isolates_a_broken_one():
    """prefetch runs for real (one sandboxed program for both problems); Counting fakes only the
    one-problem runs that translate_problem would need after it."""
    from mplt.translation.driver import prefetch_references

    broken = PythonProblem("guard_6_broken", "both_ints", BOTH_INTS.prompt, BOTH_INTS.tests, "    return (\n")
    reference = Counting()
    prefetch_references([BOTH_INTS, broken], ["lua", "ml"], reference)
    out = {lang: translate_problem(BOTH_INTS, lang, reference=reference) for lang in ("lua", "ml")}
    assert reference.runs == 0   # every outcome came from the one batched program
    assert out["lua"].skipped_tests == () and len(out["ml"].skipped_tests) == 1
    # The broken definition left nothing cached: checking it takes a run of its own (faked here).
    translate_problem(broken, "lua", reference=reference)
    assert reference.runs == 1


def test_equality_rules():
    assert same_value(2.0, 2) and same_value((1, [2]), [1, (2.0,)])
    assert not same_value(True, 1) and not same_value(0, False) and not same_value(None, False)
    assert same_value({"a": 1}, {"a": 1.0}) and not same_value({"a": 1}, {"b": 1})
    assert not same_value("1", 1)
    assert agrees(Outcome("ok", "0.3334"), 0.3333, 1e-3)
    assert not agrees(Outcome("error", "ZeroDivisionError"), None, None)
    assert not agrees(Outcome("ok", "<object at 0x1>"), None, None)


def test_parse_outcomes_ignores_the_solutions_own_output():
    stdout = ("hello\n@@mplt-reference@@ [0, 1, \"ok\", \"3\"]\nnoise\n"
              "@@mplt-reference@@ [0, 0, \"error\", \"KeyError\"]\n@@mplt-reference@@ [1, -1, \"error\", \"NameError\"]\n")
    assert parse_outcomes(stdout, [3, 2]) == [[Outcome("error", "KeyError"), Outcome("ok", "3"), None], None]
