"""Verdict integrity (docs/warm.md; docs/sandbox.md, "What a verdict rests on"): programs written
to change another program's verdict or to forge their own, one file per attack and language in
tests/hostile/verdicts/<lang>/ (shared-module mutation, hooks and finalizers, port handlers,
reaching the worker through the kernel, forged answer lines, odd exit values, /tmp and scratch
persistence, early exit, a completion line read from the program's own source).

Every attack's warm verdict must be its cold verdict, and in the same warm worker a failing and a
passing probe that follow it must keep theirs (the passing probe also checks that nothing the
attacks leave behind is visible: files in /tmp or the scratch directory, environment variables,
the working directory). Through `execute_all` with two workers, every attack is followed by
failing programs, none of which may pass. For the languages whose workers fork, the child must
share no open file and no writable memory with its worker."""
from __future__ import annotations

import ctypes
import os
import platform
import threading
import time
from pathlib import Path

import pytest

from mplt.execution import isolation, procs
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.execution.sandbox import run_program
from mplt.execution.warm import WarmPool, WarmWorker
from mplt.langs import get_language, languages
from mplt.langs.status import FAILURE, OK
from tests.languages import language_params

VERDICTS_DIR = Path(__file__).resolve().parent / "verdicts"
LIMITS = {"jl": Limits(timeout_s=15.0), "rkt": Limits(timeout_s=8.0), "ex": Limits(timeout_s=8.0)}
# Passing and failing probes per language, in the shape of their test harnesses. The passing probe
# also fails when an attack left something behind that it can see.
PASSING = {
    "lua": ("lu = require('luaunit')\nfunction test_probe()\n  lu.assertEquals(('ab'):upper(), 'AB')\n"
            "  lu.assertEquals(string.upper('ab'), 'AB')\n  lu.assertEquals(1 + 1, 2)\n"
            "  lu.assertNil(io.open('/tmp/mplt-leak'))\n  lu.assertNil(io.open('../mplt-leak'))\n"
            "  lu.assertNil(os.getenv('MPLT_LEAK'))\nend\nos.exit(lu.LuaUnit.run())\n"),
    "rkt": ('#lang racket\n(require rackunit)\n(check-equal? (+ 1 1) 2)\n(check-false (getenv "MPLT_LEAK"))\n'
            '(check-false (file-exists? "/tmp/mplt-leak"))\n(check-false (file-exists? "../mplt-leak"))\n'
            "(check-false (print-graph))\n"),
    "ml": ('let assertions =\n  assert (1 + 1 = 2);\n  assert (not (Sys.file_exists "/tmp/mplt-leak"));\n'
           '  assert (not (Sys.file_exists "../mplt-leak"));\n  assert (Sys.getenv_opt "MPLT_LEAK" = None);\n  ()\n'),
    "r": ('test_humaneval <- function() {\n  stopifnot(isTRUE(all.equal(1 + 1, 2)))\n'
          '  stopifnot(!file.exists("/tmp/mplt-leak"), !file.exists("../mplt-leak"))\n'
          '  stopifnot(Sys.getenv("MPLT_LEAK") == "", !exists("leaked"), getOption("digits") == 7, getwd() != "/")\n'
          '  stopifnot(identical(tryCatch({stopifnot(FALSE); "passed"}, error = function(e) "stopped"), "stopped"))\n'
          "}\ntest_humaneval()\n"),
    "jl": ('using Test\n@testset begin\n@test 1 + 1 == 2\n@test !isfile("/tmp/mplt-leak")\n'
           '@test !isfile("../mplt-leak")\n@test !haskey(ENV, "MPLT_LEAK")\n@test pwd() != "/"\n'
           "@test !isequal(1, 2)\nend\n"),
    "py": ('import os\n\n\ndef check():\n    assert 1 + 1 == 2\n    assert not os.path.exists("/tmp/mplt-leak")\n'
           '    assert not os.path.exists("../mplt-leak")\n    assert "MPLT_LEAK" not in os.environ\n\n\ncheck()\n'),
    "ex": ('ExUnit.start()\ndefmodule HumanEvalTest do\n  use ExUnit.Case, async: true\n  test "probe" do\n'
           '    assert 1 + 1 == 2\n    assert not File.exists?("/tmp/mplt-leak")\n'
           '    assert not File.exists?("../mplt-leak")\n  end\nend\n'),
}
# The failing probe: the passing one with its first test made wrong.
WRONG = {"lua": ("1 + 1, 2", "1 + 1, 3"), "rkt": ("(+ 1 1) 2", "(+ 1 1) 3"), "ml": ("1 + 1 = 2", "1 + 1 = 3"),
         "r": ("1 + 1, 2", "1 + 1, 3"), "jl": ("1 + 1 == 2", "1 + 1 == 3"), "py": ("1 + 1 == 2", "1 + 1 == 3"),
         "ex": ("1 + 1 == 2", "1 + 1 == 3")}
FORKING = [lang for lang in ("rkt", "ml", "r", "jl") if get_language(lang).warm_script]
# The fast subset's languages (a fraction of a second an attack); Racket, R, Julia and Elixir take
# 1-8 s an attack on 2 cores and run in `make test` (slow). OCaml is the forking representative.
QUICK = ("lua", "ml", "py")


def failing(lang: str, index: int = 0) -> str:
    old, new = WRONG[lang]
    comment = get_language(lang).comment_prefix
    closing = " *)" if comment == "(*" else ""
    return PASSING[lang].replace(old, new, 1) + f"{comment} failing probe {index}{closing}\n"


def attacks(lang: str) -> list[Path]:
    return sorted((VERDICTS_DIR / lang).glob(f"*{get_language(lang).extension}"))


CASES = [pytest.param(lang, path.stem, marks=param.marks, id=f"{lang}-{path.stem}")
         for param in language_params(("lua", "rkt", "ml", "r", "jl", "py", "ex"), quick=QUICK)
         for lang in param.values for path in attacks(lang)]


@pytest.fixture(autouse=True)
def needs_bubblewrap():
    if isolation.detect_mode() != "bubblewrap":
        pytest.skip("warm workers need the bubblewrap sandbox")


def test_the_corpus_covers_every_language():
    assert set(languages()) <= set(PASSING)
    for lang in PASSING:
        assert len(attacks(lang)) >= 4, lang


@pytest.mark.parametrize("lang,attack", CASES)
def test_attack_keeps_its_cold_verdict_and_the_next_ones_theirs(lang, attack):
    limits = LIMITS.get(lang, Limits(timeout_s=5.0))
    program = (VERDICTS_DIR / lang / f"{attack}{get_language(lang).extension}").read_text()
    cold_runs = []

    def cold(language, text):
        cold_runs.append(text)
        return run_program(language, text, limits)

    with WarmPool(limits, cold=cold) as warm:
        got = warm.run(lang, program)
        wrong = warm.run(lang, failing(lang))
        right = warm.run(lang, PASSING[lang])
    expected = run_program(lang, program, limits)
    assert got.status == expected.status, (got, expected)
    assert wrong.status == FAILURE, wrong
    assert right.status == OK, right
    # Only the attacker itself may have needed the cold run: the probes ran warm.
    assert all(text == program for text in cold_runs), len(cold_runs)


@pytest.mark.parametrize("lang", language_params(["lua", "rkt", "ml", "r", "jl", "py", "ex"], quick=QUICK))
def test_attacks_then_failing_programs_through_two_workers(lang):
    jobs = []
    for path in attacks(lang):
        jobs.append({"id": f"attack/{path.stem}", "language": lang, "program": path.read_text()})
        jobs += [{"id": f"{path.stem}/{i}", "language": lang, "program": failing(lang, len(jobs) + i)}
                 for i in range(3)]
    results = execute_all(jobs, workers=2, limits=LIMITS.get(lang, Limits(timeout_s=5.0)), progress=False,
                          execution="warm")
    passed = [r["id"] for r in results if not r["id"].startswith("attack/") and r["status"] != FAILURE]
    assert passed == []


@pytest.mark.parametrize("lang", language_params(["lua", "rkt", "ml", "r", "py", "ex"], quick=QUICK))
def test_early_exit_fails_in_both_modes(lang):
    program = (VERDICTS_DIR / lang / f"early_exit{get_language(lang).extension}").read_text()
    limits = LIMITS.get(lang, Limits(timeout_s=5.0))
    cold = run_program(lang, program, limits)
    with WarmPool(limits) as warm:
        got = warm.run(lang, program)
    assert (cold.status, got.status) == (FAILURE, FAILURE), (lang, cold, got)
    assert cold.exit_code == 0 and "early exit" in cold.reason and "early exit" in got.reason


def _kcmp_file(pid1: int, fd1: int, pid2: int, fd2: int) -> int:
    """kcmp(2) KCMP_FILE: 0 when the two descriptors are one open file description."""
    number = {"x86_64": 312, "aarch64": 272}[platform.machine()]
    return ctypes.CDLL(None, use_errno=True).syscall(number, pid1, pid2, 0, fd1, fd2)


SLEEPER = {"rkt": "#lang racket\n(sleep 3)\n", "ml": 'let () = ignore (Sys.command "sleep 3")\n',
           "r": "Sys.sleep(3)\n", "jl": "sleep(3)\n", "lua": 'os.execute("sleep 3")\n',
           "py": "import time\ntime.sleep(3)\n"}


@pytest.mark.skipif(os.geteuid() != 0 or platform.machine() not in ("x86_64", "aarch64"),
                    reason="kcmp on another user's processes needs root")
@pytest.mark.parametrize("lang", language_params([*FORKING, "lua", "py"], quick=("ml",)))
def test_program_shares_no_file_and_no_writable_memory_with_its_worker(lang):
    worker = WarmWorker(get_language(lang), LIMITS.get(lang, Limits(timeout_s=8.0)), "bubblewrap")
    try:
        maps = Path(f"/proc/{worker.pid}/maps").read_text().splitlines()
        assert [m for m in maps if m.split()[1].startswith(("rw", "-w")) and m.split()[1].endswith("s")] == []
        runner = threading.Thread(target=worker.run, args=(SLEEPER[lang],))
        runner.start()
        deadline = time.monotonic() + 20
        child = None
        while child is None and time.monotonic() < deadline:
            child = next(iter(procs.living(procs.children(worker.pid))), None)
            time.sleep(0.05)
        assert child is not None
        time.sleep(1.0)   # past the child's set-up
        shared = []
        for fd in os.listdir(f"/proc/{child}/fd"):
            link = os.readlink(f"/proc/{child}/fd/{fd}")
            for wfd in os.listdir(f"/proc/{worker.pid}/fd"):
                if _kcmp_file(child, int(fd), worker.pid, int(wfd)) == 0 and link != "/dev/null":
                    shared.append((fd, wfd, link))
        runner.join()
        assert shared == []
    finally:
        worker.close()


@pytest.mark.parametrize("lang", language_params(["lua", "rkt", "ml", "r", "jl"], quick=QUICK))
def test_workers_are_out_of_their_programs_reach(lang):
    worker = WarmWorker(get_language(lang), LIMITS.get(lang, Limits(timeout_s=8.0)), "bubblewrap")
    try:
        assert procs.protected(worker.pid)
    finally:
        worker.close()
