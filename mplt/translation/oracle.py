"""Oracle completions: a target-language body that answers each test by looking up its arguments.

Running a translated problem's tests on its oracle needs no model and checks literal rendering
and the harness's equality semantics end to end (docs/conventions.md, section
3): every test must pass. The body comes from the language's `render_oracle`: it compares the
actual arguments with each test's rendered argument literals using the language's own structural
equality and returns the rendered expected value.
"""
from __future__ import annotations

from mplt.langs import get_target
from mplt.translation.driver import translate_prepared, translator
from mplt.translation.problem import PythonProblem, Skip, TranslatedProblem, build_program


def build_oracle(problem: PythonProblem, language: str, *, drop_failing_tests: bool = True,
                 check_reference: bool = True) -> tuple[TranslatedProblem, str] | Skip:
    """(translated problem, oracle completion) or the Skip that translate_problem would return."""
    built = translate_prepared(problem, language, drop_failing_tests=drop_failing_tests,
                               check_reference=check_reference)
    if isinstance(built, Skip):
        return built
    translated, prepared = built
    lang = translator(language)
    params = [lang.identifier(name) for name, _ in prepared.signature.params]
    return translated, lang.render_oracle(params, prepared.cases)


def oracle_and_failing_programs(problems: list[PythonProblem], language: str,
                                limit: int | None = None) -> list[tuple[str, str, str]]:
    """(problem name, "oracle" | "wrong", program) for the first `limit` translatable problems: the
    oracle body, which passes every test, and the language's `failing_body`, which fails them."""
    failing = get_target(language).failing_body
    out: list[tuple[str, str, str]] = []
    for problem in problems:
        if limit is not None and len(out) >= 2 * limit:
            break
        built = build_oracle(problem, language)
        if isinstance(built, Skip):
            continue
        translated, oracle = built
        out += [(translated.name, "oracle", build_program(translated, oracle)),
                (translated.name, "wrong", build_program(translated, failing))]
    return out


def oracle_program(problem: PythonProblem, language: str) -> tuple[str, str] | Skip:
    """(problem name, full program: prompt + oracle + tests) ready for the sandbox."""
    built = build_oracle(problem, language)
    if isinstance(built, Skip):
        return built
    translated, completion = built
    return translated.name, build_program(translated, completion)
