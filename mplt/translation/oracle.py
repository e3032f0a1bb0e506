"""Oracle completions: a target-language body that answers each test by looking up its arguments.

Running a translated problem's tests on its oracle needs no model and checks literal rendering
and the harness's equality semantics end to end (docs/conventions.md, section
3): every test must pass. The lookup compares the actual arguments with each test's rendered
argument literals using the language's own structural equality (Lua: a deep-equal helper over
tables that also tells `3` from `3.0` with `math.type`, Racket: `equal?`, OCaml: `=` on a tuple, R: `identical` on a list, Julia: `isequal`
on a tuple) and returns the rendered expected value.
"""
from __future__ import annotations

from mplt.translation.driver import Prepared, translate_prepared, translator
from mplt.translation.problem import PythonProblem, Skip, TranslatedProblem, build_program

_LUA_DEEP_EQUAL = """    local function deq(a, b)
        if type(a) ~= type(b) then return false end
        if type(a) == 'number' then return math.type(a) == math.type(b) and a == b end
        if type(a) ~= 'table' then return a == b end
        for k, v in pairs(a) do if not deq(v, b[k]) then return false end end
        for k, _ in pairs(b) do if a[k] == nil then return false end end
        return true
    end"""


def _lua(params: list[str], prepared: Prepared) -> str:
    # Plain constructors, not table.pack: a parameter may be named `table`. nil arguments leave
    # holes that deq (over pairs) treats alike on both sides.
    lines = [_LUA_DEEP_EQUAL, f"    local args = {{{', '.join(params)}}}"]
    for c in prepared.cases:
        lines.append(f"    if deq(args, {{{', '.join(c.args)}}}) then return {c.expected} end")
    return "\n".join([*lines, "    error('no test matches the arguments')", "end"])


def _rkt(params: list[str], prepared: Prepared) -> str:
    lines = ["  (cond"]
    for c in prepared.cases:
        lines.append(f"    [(equal? (list {' '.join(params)}) (list {' '.join(c.args)})) {c.expected}]")
    return "\n".join([*lines, '    [else (error "no test matches the arguments")]))'])


def _ml(params: list[str], prepared: Prepared) -> str:
    actual = "(" + ", ".join(params) + ")" if params else "()"
    lines = [""]
    for c in prepared.cases:
        expected_args = "(" + ", ".join(c.args) + ")" if c.args else "()"
        lines.append(f"  if {actual} = {expected_args} then {c.expected} else")
    return "\n".join([*lines, '  failwith "no test matches the arguments"'])


def _r(params: list[str], prepared: Prepared) -> str:
    lines = ["", f"  args <- list({', '.join(params)})"]
    for c in prepared.cases:
        lines.append(f"  if (identical(args, list({', '.join(c.args)}))) return({c.expected})")
    return "\n".join([*lines, "  stop('no test matches the arguments')", "}"])


def _jl(params: list[str], prepared: Prepared) -> str:
    def tup(items):
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    lines = []
    for c in prepared.cases:
        lines.append(f"    if isequal({tup(params)}, {tup(list(c.args))}) return {c.expected} end")
    return "\n".join([*lines, '    error("no test matches the arguments")', "end"])


_BUILDERS = {"lua": _lua, "rkt": _rkt, "ml": _ml, "r": _r, "jl": _jl}


def build_oracle(problem: PythonProblem, language: str, *, drop_failing_tests: bool = True,
                 check_reference: bool = True) -> tuple[TranslatedProblem, str] | Skip:
    """(translated problem, oracle completion) or the Skip that translate_problem would return."""
    built = translate_prepared(problem, language, drop_failing_tests=drop_failing_tests,
                               check_reference=check_reference)
    if isinstance(built, Skip):
        return built
    translated, prepared = built
    lang = translator(language)
    params = [name for name, _ in prepared.signature.params]
    if hasattr(lang, "identifier"):
        params = [lang.identifier(p) for p in params]
    return translated, _BUILDERS[lang.name](params, prepared)


def oracle_program(problem: PythonProblem, language: str) -> tuple[str, str] | Skip:
    """(problem name, full program: prompt + oracle + tests) ready for the sandbox."""
    built = build_oracle(problem, language)
    if isinstance(built, Skip):
        return built
    translated, completion = built
    return translated.name, build_program(translated, completion)
