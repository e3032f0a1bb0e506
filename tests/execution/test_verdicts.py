"""Verdicts on real programs in each language's MultiPL-E harness style (docs/conventions.md,
section 3): a passing test file, a failing assertion, a syntax error, a runtime exception and an
infinite loop. The programs run once, two at a time, through `execute_all` (a module fixture);
each test checks one verdict."""
from __future__ import annotations

import pytest

from mplt.execution.limits import Limits
from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR, TIMEOUT
from mplt.execution.pool import execute_all
from mplt.execution.sandbox import run_program
from mplt.langs import get_language

from tests.languages import ALL, language_params

from .programs import BODIES, LOOPS, RAISES, SYNTAX_ERRORS, program

LANGS = language_params(ALL)
# Generous: the 2-core CI machine is shared with other jobs; Julia 1.5.3 compiles for seconds.
GENEROUS = Limits(timeout_s=90)
LOOP_TIMEOUT_S = {"jl": 8.0, "rkt": 5.0, "ex": 5.0}


def test_every_registered_language_has_programs():
    """A new language module fails here until its programs are added to tests/execution/programs.py."""
    for table in (BODIES, LOOPS, RAISES, SYNTAX_ERRORS):
        assert set(table) == set(ALL)


@pytest.fixture(scope="module")
def verdicts() -> dict:
    """(lang, kind) -> result record, for every language whose toolchain is installed."""
    langs = [lang for lang in ALL if get_language(lang).find_executable()]
    kinds = {"pass": lambda lang: program(lang), "fail": lambda lang: program(lang, expected=4),
             "syntax": lambda lang: SYNTAX_ERRORS[lang], "raise": lambda lang: program(lang, RAISES[lang])}
    jobs = [{"id": f"{lang}/{kind}", "language": lang, "kind": kind, "program": make(lang)}
            for lang in langs for kind, make in kinds.items()]
    records = execute_all(jobs, workers=2, limits=GENEROUS, progress=False)
    for timeout in sorted({LOOP_TIMEOUT_S.get(lang, 3.0) for lang in langs}):
        loops = [{"id": f"{lang}/loop", "language": lang, "kind": "loop", "program": program(lang, LOOPS[lang])}
                 for lang in langs if LOOP_TIMEOUT_S.get(lang, 3.0) == timeout]
        records += execute_all(loops, workers=2, limits=Limits(timeout_s=timeout), progress=False)
    return {(r["language"], r["kind"]): r for r in records}


@pytest.mark.parametrize("lang", LANGS)
def test_passing_program_is_ok(verdicts, lang):
    result = verdicts[lang, "pass"]
    assert result["status"] == OK, result
    assert result["exit_code"] == 0
    assert result["sandbox"] and result["language"] == lang


@pytest.mark.parametrize("lang", LANGS)
def test_failing_assertion_is_failure(verdicts, lang):
    result = verdicts[lang, "fail"]
    assert result["status"] == FAILURE, result


def test_failing_rackunit_check_exits_zero_but_fails(verdicts):
    """rackunit prints FAILURE on stderr and `racket file.rkt` still exits 0 (docs/runtime.md, section 5.3)."""
    result = verdicts["rkt", "fail"]
    assert result["exit_code"] == 0
    assert result["status"] == FAILURE
    assert "FAILURE" in result["stderr"]


@pytest.mark.julia
def test_julia_failed_test_is_failure_not_crash(verdicts):
    """With bookworm's libunwind a failing @test segfaults (docs/runtime.md, section 6.2); ours prints
    `Test Failed` and exits 1."""
    result = verdicts["jl", "fail"]
    assert result["exit_code"] == 1
    assert "Test Failed" in result["stdout"] + result["stderr"]
    assert result["status"] == FAILURE


@pytest.mark.parametrize("lang", LANGS)
def test_syntax_error_is_syntax_error(verdicts, lang):
    result = verdicts[lang, "syntax"]
    assert result["status"] == SYNTAX_ERROR, result


@pytest.mark.parametrize("lang", LANGS)
def test_runtime_exception_is_exception(verdicts, lang):
    result = verdicts[lang, "raise"]
    assert result["status"] == EXCEPTION, result


@pytest.mark.parametrize("lang", LANGS)
def test_infinite_loop_is_timeout(verdicts, lang):
    timeout = LOOP_TIMEOUT_S.get(lang, 3.0)
    result = verdicts[lang, "loop"]
    assert result["status"] == TIMEOUT, result
    assert timeout <= result["duration_s"] < timeout + 5


@pytest.mark.julia
def test_julia_starts_at_its_memory_floor():
    """Julia 1.5.3 needs >= 512 MiB of address space (docs/runtime.md, section 7.2); a lower request is
    raised to the language's floor instead of failing to start."""
    result = run_program("jl", program("jl"), Limits(timeout_s=90, memory_mb=64))
    assert result.status == OK, result


def test_ocaml_type_error_is_syntax_error():
    result = run_program("ml", program("ml", 'a ^ "x"'), GENEROUS)
    assert result.status == SYNTAX_ERROR, result


def test_racket_runtime_error_inside_check_is_exception():
    result = run_program("rkt", program("rkt", "(car '())"), GENEROUS)
    assert result.exit_code == 0 and result.status == EXCEPTION, result
