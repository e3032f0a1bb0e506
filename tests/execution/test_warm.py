"""Warm workers give the statuses of cold runs (docs/warm.md): the differential test on translated
HumanEval problems (oracle and wrong bodies), and programs written to break a warm worker, each
followed in the same pool by a probe whose verdict must be unaffected. The hostile corpus
(tests/hostile) runs through `execute_all`, warm by default."""
from __future__ import annotations

import json

import pytest

from mplt.benchmarks.humaneval import load_problems
from mplt.errors import MpltError
from mplt.execution import pool
from mplt.execution.limits import Limits, program_limits
from mplt.execution.warm import WarmPool, WarmWorker
from mplt.execution import isolation
from mplt.langs import get_language
from mplt.langs.status import OK
from mplt.translation.oracle import oracle_and_failing_programs

from .counting import count_cold_runs

WARM_LANGS = ["lua", "rkt", "ml", "r", pytest.param("jl", marks=pytest.mark.julia)]
# The fast subset's representatives: Julia (seconds to start each cold run) and Racket run in the
# slow tests only, as do the breakers that run into a limit (a loop, a recursion, a memory hog:
# the limit is paid twice, warm and cold). `make test` runs every language and every breaker.
QUICK_LANGS = ["lua", "ml", "r"]
QUICK_BREAKERS = ("redefine", "exit_0")
# The differential's fast languages: R's 12 programs take seconds more, and run in the slow test.
QUICK_DIFFERENTIAL = ["lua", "ml"]
FAST_PROBLEMS = 6
# Every translated problem (320 programs a language) would take an estimated 8 min on 2 cores from
# bench/execution.py's cold rates (Julia about 1 program/s): the slow test takes the first 40.
SLOW_PROBLEMS = 40
BREAK_LIMITS = {"lua": Limits(timeout_s=4.0), "ml": Limits(timeout_s=4.0), "rkt": Limits(timeout_s=5.0), "r": Limits(timeout_s=4.0), "jl": Limits(timeout_s=10.0)}

PROBE = {
    "ml": 'let () = print_string "alive\\n"\nlet assertions = assert (1 + 1 = 2); assert (String.length "ab" = 2); ()\n',
    "lua": ("lu = require('luaunit')\nprint('alive')\nfunction test_probe()\n  lu.assertEquals(1 + 1, 2)\n"
            "  lu.assertNil(leaked)\n  lu.assertNil(string.shout)\n  lu.assertEquals(('ab'):upper(), 'AB')\n"
            "  lu.assertEquals(math.pi > 3, true)\n  lu.assertNotEquals(lu.LuaUnit.verbosity, 99)\n"
            "end\nos.exit(lu.LuaUnit.run())\n"),
    "rkt": ('#lang racket\n(require rackunit)\n(display "alive")\n(check-equal? (+ 1 1) 2)\n'
            '(check-false (getenv "MPLT_LEAK"))\n(check-equal? (string->number (number->string 1/3)) 1/3)\n'),
    "r": ('cat("alive\\n")\nstopifnot(!exists("leaked"))\nstopifnot(getOption("digits") == 7)\n'
          'stopifnot(getwd() != "/")\nstopifnot(Sys.getenv("MPLT_LEAK") == "")\nstopifnot(1 + 1 == 2)\n'),
    "jl": ('using Test\nprintln("alive")\n@testset begin\n@test 1 + 1 == 2\n@test 2 * 3 == 6\n'
           '@test pwd() != "/"\nleaked = 2.0\n@test leaked == 2.0\nend\n'),
}
BREAKERS = {
    "ml": {
        "redefine": "let leaked = 1\nlet (+) a b = 0\n",
        "exit_0": 'let () = print_string "bye"; exit 0\n',
        "exit_3": "let () = exit 3\n",
        "stderr_only": 'let () = prerr_string "only stderr\\n"\n',
        "infinite_loop": "let () = while true do () done\n",
        "deep_recursion": "let rec f n = 1 + f (n + 1)\nlet () = ignore (f 1)\n",
        "memory_hog": "let a = Array.make 1_000_000_000 0\n",
        "unix": "let () = Unix.sleep 0\n",
        "toploop": "let () = Toploop.initialize_toplevel_env ()\n",
        "compiler_libs": "let x = Location.none\n",
        "syntax_error": "let x = = 1\n",
    },
    "lua": {
        "redefine": "leaked = 1\nfunction string.shout(s) return s end\nstring.upper = nil\nmath.pi = 0\n",
        "metatable": "getmetatable('').__index = {}\n",
        "luaunit_state": "lu = require('luaunit')\nlu.LuaUnit.verbosity = 99\n",
        "exit_0": "print('bye')\nos.exit(0)\n",
        "exit_3": "os.exit(3)\n",
        "exit_swallowed": "pcall(os.exit, 3)\nprint('after')\n",
        "stderr_only": "io.stderr:write('only stderr\\n')\n",
        "error_object": "error({})\n",
        "syntax_error": "x = = 1\n",
        "infinite_loop": "while true do end\n",
        "deep_recursion": "local function f(n) return 1 + f(n + 1) end\nf(1)\n",
        "memory_hog": "local t = {}\nfor i = 1, 1e9 do t[i] = i end\n",
        "output": "io.output('/dev/null')\n",
    },
    "rkt": {
        "redefine": "#lang racket\n(define leaked 1)\n(define (+ a b) 0)\n(provide leaked +)\n",
        "output_port": "#lang racket\n(current-output-port (open-output-nowhere))\n(current-error-port (open-output-nowhere))\n",
        "exit_0": '#lang racket\n(display "bye")\n(exit 0)\n',
        "exit_3": '#lang racket\n(exit 3)\n',
        "stderr_only": '#lang racket\n(eprintf "only stderr\\n")\n',
        "infinite_loop": "#lang racket\n(let loop () (loop))\n",
        "deep_recursion": "#lang racket\n(define (f n) (+ 1 (f n)))\n(f 1)\n",
        "memory_hog": "#lang racket\n(define v (make-vector 2000000000 0))\n",
        "thread_left": "#lang racket\n(void (thread (lambda () (let loop () (loop)))))\n",
        "putenv": '#lang racket\n(void (putenv "MPLT_LEAK" "1"))\n',
        "print_params": "#lang racket\n(print-graph #t)\n(read-decimal-as-inexact #f)\n",
    },
    "r": {
        "redefine": "leaked <- 1\n`+` <- function(a, b) 0\n",
        "options": "options(digits = 2, warn = 2)\n",
        "global_env": "assign('leaked', 5, envir = globalenv())\nT <- FALSE\n",
        "setwd": 'setwd("/")\n',
        "exit_0": "cat('bye')\nquit(status = 0)\n",
        "exit_3": "quit(status = 3)\n",
        "stderr_only": 'message("only stderr")\n',
        "infinite_loop": "repeat {}\n",
        "deep_recursion": "f <- function(n) f(n + 1)\nf(1)\n",
        "memory_hog": "x <- numeric(1e10)\n",
        "setenv": 'Sys.setenv(MPLT_LEAK = "1")\n',
        "late_syntax_error": 'cat("ran\\n")\nx <- )\n',
    },
    "jl": {
        "redefine": "const leaked = 1\nfunction f() 1 end\n",
        "piracy_plus": "Base.:+(a::Int, b::Int) = 42\n",
        "piracy_import": "import Base: *\n*(a::Int, b::Int) = 0\n",
        "piracy_typeof": "(::typeof(+))(a::Int, b::Int) = 42\n",
        "env": 'ENV["MPLT_LEAK"] = "1"\n',
        "cd": 'cd("/")\n',
        "redirect": "redirect_stdout(devnull)\n",
        "exit_0": 'print("bye")\nexit(0)\n',
        "exit_3": "exit(3)\n",
        "stderr_only": 'println(stderr, "only stderr")\n',
        "infinite_loop": "while true end\n",
        "deep_recursion": "f(n) = f(n + 1) + 1\nf(1)\n",
        "memory_hog": "x = zeros(10^10)\n",
    },
}


@pytest.fixture(scope="module")
def problems(humaneval_path):
    return load_problems(humaneval_path)


def humaneval_jobs(problems, language: str, limit: int | None) -> list[dict]:
    return [{"id": f"{name}/{kind}", "language": language, "program": program}
            for name, kind, program in oracle_and_failing_programs(problems, language, limit)]


@pytest.fixture
def cold_runs(monkeypatch):
    """Counts the cold runs the pool makes."""
    return count_cold_runs(monkeypatch)


def differential(problems, language, limit, cold_runs):
    jobs = humaneval_jobs(problems, language, limit)
    limits = program_limits(None)
    warm = pool.execute_all(jobs, workers=2, limits=limits, progress=False, execution="warm")
    warm_cold_runs = len(cold_runs)
    cold = pool.execute_all(jobs, workers=2, limits=limits, progress=False, execution="cold")
    differ = [(w["id"], w["status"], c["status"]) for w, c in zip(warm, cold) if w["status"] != c["status"]]
    assert differ == []
    assert {r["status"] for r in cold if r["id"].endswith("/oracle")} == {OK}
    assert {r["status"] for r in cold if r["id"].endswith("/wrong")} - {OK}, "wrong bodies must fail"
    # The warm pass ran most programs warm (the cold pass ran every one cold).
    assert warm_cold_runs < len(jobs) / 2, warm_cold_runs
    assert len(cold_runs) - warm_cold_runs == len(jobs)


@pytest.mark.parametrize("language", QUICK_DIFFERENTIAL)
def test_warm_matches_cold_on_humaneval_subset(problems, language, cold_runs):
    differential(problems, language, FAST_PROBLEMS, cold_runs)


@pytest.mark.slow
@pytest.mark.parametrize("language", WARM_LANGS)
def test_warm_matches_cold_on_more_translated_humaneval(problems, language, cold_runs):
    differential(problems, language, SLOW_PROBLEMS, cold_runs)


@pytest.mark.slow
@pytest.mark.parametrize("language", WARM_LANGS)
def test_breakers_do_not_change_the_next_verdict(language):
    """Each breaker, then the probe, through one single-threaded warm pool (so the probe gets the
    breaker's worker whenever that worker is kept): the breaker's status is its cold status and the
    probe passes every time. The attacks written to change verdicts are in tests/hostile/verdicts."""
    check_breakers(language, tuple(BREAKERS[language]))


@pytest.mark.parametrize("language", QUICK_LANGS)
def test_quick_breakers_do_not_change_the_next_verdict(language):
    """The fast subset's share of the test above: a redefinition and an early exit."""
    check_breakers(language, QUICK_BREAKERS)


def check_breakers(language: str, names: tuple[str, ...]) -> None:
    limits = BREAK_LIMITS[language]
    probe = PROBE[language]
    mismatched, probe_failed = [], []
    with WarmPool(limits) as warm:
        for name in names:
            breaker = BREAKERS[language][name]
            got = warm.run(language, breaker)
            after = warm.run(language, probe)
            cold = pool.run_program(language, breaker, limits)
            if got.status != cold.status:
                mismatched.append((name, got.status, cold.status, got.stderr[-200:]))
            if after.status != OK or "alive" not in after.stdout:
                probe_failed.append((name, after.status, after.stdout[-200:], after.stderr[-300:]))
    assert mismatched == []
    assert probe_failed == []


@pytest.mark.parametrize("language", ["lua", "rkt", "ml", "r",
                                      pytest.param("jl", marks=[pytest.mark.julia, pytest.mark.slow])])
def test_one_worker_runs_many_programs(language, tmp_path, monkeypatch):
    """Ordinary programs reuse the worker (one process), each in its own process and directory, and
    closing leaves no scratch directory behind."""
    monkeypatch.setenv("MPLT_SCRATCH", str(tmp_path))
    lang = get_language(language)
    worker = WarmWorker(lang, BREAK_LIMITS[language], isolation.detect_mode())
    try:
        pid = worker.proc.pid
        for _ in range(3):
            assert worker.run(PROBE[language]).status == OK
        assert worker.alive and worker.proc.pid == pid and worker.runs == 3
    finally:
        worker.close()
    assert list(tmp_path.iterdir()) == []


def test_unknown_execution_mode_is_one_line():
    with pytest.raises(MpltError, match="unknown execution mode 'tepid'"):
        pool.execute_all([{"id": 1, "language": "lua", "program": "print(1)"}], progress=False, execution="tepid")


def test_exec_warm_and_cold_give_the_same_result(tmp_path, capsys):
    from mplt import cli
    program = tmp_path / "wrong.rkt"
    program.write_text(BREAKERS["rkt"]["stderr_only"])
    records = []
    for flags in ([], ["--cold"]):
        assert cli.main(["exec", "--lang", "rkt", str(program), "--json", *flags]) == 1
        records.append(json.loads(capsys.readouterr().out))
    assert [r["status"] for r in records] == ["Exception", "Exception"]
    assert records[0]["stderr"] == records[1]["stderr"] == "only stderr\n"


def test_profile_execution_key_is_checked(tmp_path, capsys):
    from mplt import cli
    profile = tmp_path / "p.toml"
    profile.write_text('[run]\nexecution = "tepid"\n')
    code = cli.main(["run", "--profile", str(profile), "--run-dir", str(tmp_path / "run"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "p.toml [run] execution='tepid': unknown execution mode; known: warm, cold" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "run").exists()


def test_execution_setting_is_restored():
    with pool.execution_setting("cold"):
        assert pool.execution_mode() == "cold"
    assert pool.execution_mode() == "warm"


def test_a_language_whose_warm_runs_keep_failing_goes_cold(monkeypatch):
    """Warm runs disturbed while their cold runs are ordinary (a runtime whose fork breaks) send the
    language cold after STRIKES of them; a disturbance caused by the program itself does not count."""
    from mplt.execution import warm as warm_module

    def broken(self, program):
        self.close()
        raise warm_module.Disturbed("the worker ended")
    monkeypatch.setattr(warm_module.WarmWorker, "run", broken)
    started = []
    real_init = warm_module.WarmWorker.__init__

    def counting_init(self, *args, **kwargs):
        started.append(1)
        real_init(self, *args, **kwargs)
    monkeypatch.setattr(warm_module.WarmWorker, "__init__", counting_init)
    cold_runs = []

    def cold(language, program):
        cold_runs.append(program)
        return pool.run_program(language, program, Limits(timeout_s=5.0))
    with WarmPool(Limits(timeout_s=5.0), cold=cold) as warm:
        for i in range(warm_module.STRIKES + 2):
            assert warm.run("lua", f"print({i})\n").status == OK
        assert "lua" in warm._failed
    assert len(started) == warm_module.STRIKES
    assert len(cold_runs) == warm_module.STRIKES + 2
