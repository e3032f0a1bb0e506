"""The generic translator (MultiPL-E `generic_translator.translate_prompt_and_tests`,
docs/conventions.md, sections 0 and 2): parse the Python prompt and tests, render them with the target
language's methods (mplt/langs/<lang>.py), and return a TranslatedProblem or a Skip."""
from __future__ import annotations

from dataclasses import dataclass

from mplt.langs import get_language
from mplt.langs.base import TargetLanguage
from mplt.langs.render import RenderedCase, target_value
from mplt.langs.types import PyType, Untranslatable, complete, infer_type, refine, unify_all
from mplt.translation import guard
from mplt.translation.docstring import canonical_block, normalise, transform_doctests
from mplt.translation.problem import PythonProblem, Skip, TranslatedProblem
from mplt.translation.pyparse import Signature, TestCase, parse_prompt, parse_test


@dataclass(frozen=True)
class Prepared:
    signature: Signature
    param_types: tuple[PyType | None, ...]
    return_type: PyType | None
    cases: tuple[RenderedCase, ...]
    dropped: tuple[tuple[str, str], ...]


def translator(language: str) -> TargetLanguage:
    lang = get_language(language)
    if not isinstance(lang, TargetLanguage):
        raise Untranslatable("language has no translator", lang.name)
    return lang


def _types(sig: Signature, tests: list[TestCase]) -> tuple[tuple[PyType | None, ...], PyType | None]:
    """Declared annotations, with unknown parts (bare `list`) filled in from the test values.
    A complete declared type wins over the observed one (`refine` keeps it): HumanEval_130
    declares `List[int]` and its tests write `2.0`."""
    params = []
    for i, (_, declared) in enumerate(sig.params):
        observed = unify_all([infer_type(t.args[i]) for t in tests])
        params.append(None if declared is None else complete(refine(declared, observed)))
    observed = unify_all([infer_type(t.expected) for t in tests])
    ret = None if sig.returns is None else complete(refine(sig.returns, observed))
    return tuple(params), ret


@dataclass(frozen=True)
class _Converted:
    """One test's values as the target sees them (render.target_value)."""
    case: TestCase
    args: tuple
    expected: object


def _converted(case: TestCase, param_types, return_type, coerce: bool) -> _Converted:
    args = tuple(target_value(a, t, coerce=coerce) for a, t in zip(case.args, param_types))
    return _Converted(case, args, target_value(case.expected, return_type, coerce=coerce, result=True))


def prepare(problem: PythonProblem, language: str, *, drop_failing_tests: bool = True,
            check_reference: bool = True, reference: guard.Reference | None = None) -> Prepared:
    """Parse and render the tests; raises Untranslatable when the whole problem must be skipped.

    With `check_reference` and a canonical solution, each test is also checked against the
    Python reference on the converted values (mplt/translation/guard.py) before the conflict
    check, so of two tests that become the same call the one the reference supports is kept."""
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
    rendered: list[RenderedCase] = []
    for case in parsed:
        c = _converted(case, param_types, return_type, lang.coerces_numbers)
        try:
            args = tuple(lang.render_value(a, t) for a, t in zip(c.args, param_types))
            call = lang.render_call("candidate", list(args))
            expected = lang.render_value(c.expected, return_type)
        except Untranslatable as e:
            drop(case.source, e)
            continue
        rendered.append(RenderedCase(case.source, args, call, expected, case.tolerance, c.expected, c.args))
    if check_reference and problem.canonical_solution.strip() and rendered:
        verdicts = guard.check_cases(reference or guard.default_reference(), problem.prompt,
                                     problem.canonical_solution, sig.name,
                                     [(c.arg_values, c.value, c.tolerance) for c in rendered])
        for c, ok in zip(rendered, verdicts):
            if not ok:
                drop(c.source, Untranslatable(guard.REASON))
        rendered = [c for c, ok in zip(rendered, verdicts) if ok]
    cases: list[RenderedCase] = []
    seen: dict[str, str] = {}
    for c in rendered:
        # The same call for the target: R cannot tell `3` from `3.0` (its numbers are doubles).
        key = lang.call_key(c.call, c.arg_values)
        if key in seen and seen[key] != c.expected:
            drop(c.source, Untranslatable("conflicting tests"))
            continue
        seen[key] = c.expected
        cases.append(c)
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
        coerce = lang.coerces_numbers
        rendered = [lang.render_value(target_value(a, t, coerce=coerce), t)
                    for a, t in zip(args, prepared.param_types)]
        name = lang.identifier(sig.name)
        result = target_value(expected, prepared.return_type, coerce=coerce, result=True)
        return lang.render_call(name, rendered), lang.render_value(result, prepared.return_type)

    desc = normalise(transform_doctests(sig.docstring, lang.name, sig.name, render_doctest))
    if add_canonical and problem.canonical_solution.strip():
        desc = canonical_block(problem.canonical_solution) + "\n\n" + desc
    params = [(name, t) for (name, _), t in zip(sig.params, prepared.param_types)]
    return lang.render_prompt(sig.name, params, prepared.return_type, desc)


def translate_prepared(problem: PythonProblem, language: str, *, add_canonical: bool = False,
                       drop_failing_tests: bool = True, check_reference: bool = True,
                       reference: guard.Reference | None = None) -> tuple[TranslatedProblem, Prepared] | Skip:
    """translate_problem, also returning the prepared tests (the oracle builds on them)."""
    lang_name = get_language(language).name
    try:
        prepared = prepare(problem, language, drop_failing_tests=drop_failing_tests,
                           check_reference=check_reference, reference=reference)
        prompt = render_prompt(problem, language, prepared, add_canonical=add_canonical)
        lang = translator(language)
        tests = lang.render_tests(prepared.signature.name, list(prepared.cases))
    except Untranslatable as e:
        return Skip(problem.name, lang_name, e.reason, e.detail)
    except RecursionError:
        return Skip(problem.name, lang_name, "value too deeply nested")
    return TranslatedProblem(name=problem.name, language=lang_name, prompt=prompt, tests=tests,
                             stop_tokens=tuple(lang.stop_tokens), entry_point=problem.entry_point,
                             skipped_tests=prepared.dropped), prepared


def translate_problem(problem: PythonProblem, language: str, *, add_canonical: bool = False,
                      drop_failing_tests: bool = True, check_reference: bool = True,
                      reference: guard.Reference | None = None) -> TranslatedProblem | Skip:
    """Translate one problem; every failure becomes a Skip with a stable reason key.

    `check_reference`: run the canonical solution (when the problem has one) on each test's
    converted arguments and drop the tests it disagrees with (mplt/translation/guard.py);
    `reference` caches those runs (default: one per process)."""
    out = translate_prepared(problem, language, add_canonical=add_canonical,
                             drop_failing_tests=drop_failing_tests, check_reference=check_reference,
                             reference=reference)
    return out if isinstance(out, Skip) else out[0]


class _Recorder(guard.Reference):
    """Collects the calls the reference check would make, answering none of them."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[guard.Request] = []

    def outcomes(self, prompt, body, entry_point, calls):
        self.requests.append((prompt, body, entry_point, list(calls)))
        return [guard.Outcome("error", "not run")] * len(calls)


def prefetch_references(problems: list[PythonProblem], languages: list[str],
                        reference: guard.Reference | None = None) -> None:
    """Run the reference check of many problems ahead, in batches (guard.Reference.prefetch), so
    that translating them one by one afterwards finds the outcomes cached. Speed only."""
    recorder = _Recorder()
    for problem in problems:
        for language in languages:
            try:
                prepare(problem, language, reference=recorder)
            except (Untranslatable, RecursionError):
                continue
    (reference or guard.default_reference()).prefetch(recorder.requests)
