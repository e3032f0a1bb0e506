"""Translate Python problems into MultiPL-E problems for the registered target languages
(`mplt.langs`: the paper's Lua, Racket, OCaml, R and Julia, and any other target module).

API (stable; the data pipeline and the evaluation code use it):

    from mplt.translation import PythonProblem, TranslatedProblem, Skip, translate_problem, build_program

    problem = PythonProblem(
        name="mini_1_count_above", entry_point="count_above",
        prompt=PROMPT,   # "from typing import List\\n\\ndef count_above(xs: List[float], t: float) -> int:\\n    <docstring>\\n"
        tests=("assert candidate([1.0, 2.0], 1.5) == 1", ...),
        canonical_solution="    return ...\\n")
    out = translate_problem(problem, "lua")   # TranslatedProblem | Skip
    record = out.to_record()                   # MultiPL-E fields + entry_point, skipped_tests
    program = build_program(record, completion)  # prompt + completion + "\\n" + tests

* `prompt`: imports (ignored) and exactly ONE `def` with positional parameters and a docstring
  (imports may precede it inside the function), no body. A second function (helper) -> Skip("helper function in prompt"). OCaml and Julia need every
  parameter and the return annotated (Skip "untyped parameter" / "untyped return"); Lua, Racket
  and R take the types from the test values when annotations are missing. Bare `list`/`dict`/`tuple`
  annotations are completed from the test values. `mplt.translation.annotate.annotate_prompt` adds
  annotations inferred from the tests to an untyped prompt.
* `tests`: one statement per item. Translatable: `assert candidate(args) == <literal>` where the
  call may name `candidate` or the entry point; literals are constants, negative numbers, lists,
  tuples, dicts, None, and constant arithmetic. Also `assert f(x)`, `assert not f(x)`,
  `assert f(x) is True`, `assert tuple(f(x)) == tuple([...])` and `assert abs(f(x) - v) < eps`.
  `assert True` and bare `print` are ignored. Anything else is dropped with a reason
  (`drop_failing_tests=True`, MultiPL-T's `--skip-failing-tests`) or skips the whole problem
  (`drop_failing_tests=False`, newer MultiPL-E). Two tests with the same call and different
  expected values: the later one is dropped ("conflicting tests"). No test left -> Skip("no
  translatable test").
* `check_reference=True` (default): where the problem has a `canonical_solution`, it is run in
  the sandbox on each test's arguments as converted for the target (ints coerced to floats for
  OCaml and Julia, integral floats of an int-declared result written as ints) and a test whose
  result differs is dropped ("reference disagrees"; mplt/translation/guard.py). The MultiPL-T
  pipeline passes False.
* `add_canonical=True`: the Python body goes, as `# line` comments under the header
  `## Canonical Python Solution ##`, before the docstring (docs/method.md, section 3.2); off for benchmarks.
* Prompts are MultiPL-E's "reworded" variant with doctests "transform" (docs/conventions.md, sections 1.2-1.3);
  deliberate differences from MultiPL-E are listed in docs/deviations.md.
* `mplt.translation.oracle.build_oracle(problem, language)` returns a completion that answers
  every test by looking up its arguments (a translation self-check that needs no model).

Language-specific rendering lives in the language modules (`mplt/langs/<key>.py`, the contract
`TargetLanguage` of mplt/langs/base.py: render_value, render_type, render_call, render_prompt,
render_tests, render_oracle); shared parts are here.
"""
from mplt.translation.driver import translate_problem
from mplt.translation.problem import PythonProblem, Skip, TranslatedProblem, build_program
from mplt.langs.types import Untranslatable

__all__ = ["PythonProblem", "Skip", "TranslatedProblem", "Untranslatable", "build_program",
           "translate_problem"]
