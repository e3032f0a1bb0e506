"""The generic translator (MultiPL-E `generic_translator.translate_prompt_and_tests`,
multiple-conventions.md 0 and 2): parse the Python prompt and tests, render them with the target
language's methods (mplt/langs/<lang>.py), and return a TranslatedProblem or a Skip."""
from __future__ import annotations

from dataclasses import dataclass

from mplt.translation.docstring import canonical_block, normalise, transform_doctests
from mplt.translation.problem import PythonProblem, Skip, TranslatedProblem
from mplt.translation.pyparse import Signature, TestCase, parse_prompt, parse_test
from mplt.translation.types import PyType, Untranslatable, complete, infer_type, refine, unify_all


@dataclass(frozen=True)
class RenderedCase:
    """One translated assertion: the rendered arguments, call and expected value."""
    source: str
    args: tuple[str, ...]
    call: str
    expected: str
    tolerance: float | None
    value: object          # the expected Python value (R renders empty results specially)


@dataclass(frozen=True)
class Prepared:
    signature: Signature
    param_types: tuple[PyType | None, ...]
    return_type: PyType | None
    cases: tuple[RenderedCase, ...]
    dropped: tuple[tuple[str, str], ...]


def translator(language: str):
    # Imported here: the language modules import mplt.translation.render (no import cycle).
    from mplt.langs import get_language
    lang = get_language(language)
    if not hasattr(lang, "render_prompt"):
        raise Untranslatable("language has no translator", lang.name)
    return lang


def _types(sig: Signature, tests: list[TestCase]) -> tuple[tuple[PyType | None, ...], PyType | None]:
    """Declared annotations, with unknown parts (bare `list`) filled in from the test values."""
    params = []
    for i, (_, declared) in enumerate(sig.params):
        observed = unify_all([infer_type(t.args[i]) for t in tests])
        params.append(None if declared is None else complete(refine(declared, observed)))
    observed = unify_all([infer_type(t.expected) for t in tests])
    ret = None if sig.returns is None else complete(refine(sig.returns, observed))
    return tuple(params), ret


def prepare(problem: PythonProblem, language: str, *, drop_failing_tests: bool = True) -> Prepared:
    """Parse and render the tests; raises Untranslatable when the whole problem must be skipped."""
    lang = translator(language)
    sig = parse_prompt(problem.prompt)
    if lang.typed_signature:
        if any(t is None for _, t in sig.params):
            raise Untranslatable("untyped parameter")
        if sig.returns is None:
            raise Untranslatable("untyped return")
    dropped: list[tuple[str, str]] = []

    def drop(source: str, err: Untranslatable) -> None:
        if not drop_failing_tests:
            raise err
        dropped.append((source, err.reason))

    parsed: list[TestCase] = []
    for source in problem.tests:
        try:
            case = parse_test(source, sig.name)
            if case is not None and len(case.args) != len(sig.params):
                raise Untranslatable("argument count mismatch")
        except Untranslatable as e:
            drop(source, e)
            continue
        if case is not None:
            parsed.append(case)
    param_types, return_type = _types(sig, parsed)
    if lang.typed_signature:  # an unsupported type skips the problem before any test is tried
        for t in (*param_types, return_type):
            lang.render_type(t)
    cases: list[RenderedCase] = []
    seen: dict[str, str] = {}
    for case, source in zip(parsed, [c.source for c in parsed]):
        try:
            args = tuple(lang.render_value(a, t) for a, t in zip(case.args, param_types))
            call = lang.render_call("candidate", list(args))
            expected = lang.render_value(case.expected, return_type)
            if call in seen and seen[call] != expected:
                raise Untranslatable("conflicting tests")
        except Untranslatable as e:
            drop(source, e)
            continue
        seen[call] = expected
        cases.append(RenderedCase(source, args, call, expected, case.tolerance, case.expected))
    if not cases:
        raise Untranslatable("no translatable test")
    return Prepared(sig, param_types, return_type, tuple(cases), tuple(dropped))


def render_prompt(problem: PythonProblem, language: str, prepared: Prepared, *,
                  add_canonical: bool = False) -> str:
    lang = translator(language)
    sig = prepared.signature

    def render_doctest(args: tuple, expected: object) -> tuple[str, str]:
        if len(args) != len(sig.params):
            raise Untranslatable("argument count mismatch")
        rendered = [lang.render_value(a, t) for a, t in zip(args, prepared.param_types)]
        name = lang.identifier(sig.name) if hasattr(lang, "identifier") else sig.name
        return lang.render_call(name, rendered), lang.render_value(expected, prepared.return_type)

    desc = normalise(transform_doctests(sig.docstring, lang.name, sig.name, render_doctest))
    if add_canonical and problem.canonical_solution.strip():
        desc = canonical_block(problem.canonical_solution) + "\n\n" + desc
    params = [(name, t) for (name, _), t in zip(sig.params, prepared.param_types)]
    return lang.render_prompt(sig.name, params, prepared.return_type, desc)


def translate_problem(problem: PythonProblem, language: str, *, add_canonical: bool = False,
                      drop_failing_tests: bool = True) -> TranslatedProblem | Skip:
    """Translate one problem; every failure becomes a Skip with a stable reason key."""
    from mplt.langs import get_language
    lang_name = get_language(language).name
    try:
        prepared = prepare(problem, language, drop_failing_tests=drop_failing_tests)
        prompt = render_prompt(problem, language, prepared, add_canonical=add_canonical)
        lang = translator(language)
        tests = lang.render_tests(prepared.signature.name, list(prepared.cases))
    except Untranslatable as e:
        return Skip(problem.name, lang_name, e.reason, e.detail)
    except RecursionError:
        return Skip(problem.name, lang_name, "value too deeply nested")
    return TranslatedProblem(name=problem.name, language=lang_name, prompt=prompt, tests=tests,
                             stop_tokens=tuple(lang.stop_tokens), entry_point=problem.entry_point,
                             skipped_tests=prepared.dropped)
