"""Golden prompts and tests for hand-written problems with tricky literals (negative numbers,
1e-05 and -0.5, quotes/backslashes/newlines/`$` in strings, empty lists of several types, None
under Optional, dicts, tuples, nested lists). Reviewed by hand against docs/conventions.md, section 3
and docs/deviations.md; a change here is a change of the prompt or test format."""
import pytest

from .golden_problems import COUNT, DESCRIBE, ESCAPES, SPLIT

from mplt.translation import Skip, translate_problem

GOLDEN = {
    ('describe', 'lua'): (
        "--  Describe a table of numbers with a table and a table.\n-- Return nil when the table is empty, otherwise a string.\n-- >>> describe({1.5, -0.5}, 'a', {['k'] = 1}, {1, 'x'}, {{1}, {}})\n-- 'a:1'\nlocal function describe(xs, label, table, pair, nested)\n",
        'lu = require(\'luaunit\')\n\nfunction test_humaneval()\nlocal candidate = describe\n    lu.assertEquals(candidate({1e-05, -0.5, 2}, \'say "hi"\\n\', {[\'a\'] = -1, [\'b\'] = 2}, {-3, \'$x\\\\y\'}, {{-1, 2}, {}}), "it\'s")\n    lu.assertEquals(candidate({}, \'\', {}, {0, \'\'}, {}), None)\nend\n\nos.exit(lu.LuaUnit.run())'),
    ('describe', 'rkt'): (
        '#lang racket\n\n;; Describe a list of numbers with a hash and a list.\n;; Return #f when the list is empty, otherwise a string.\n;; >>> (describe (list 1.5 -0.5) "a" #hash(("k" .  1)) (list 1 "x") (list (list 1) (list )))\n;; "a:1"\n(define (describe xs label table pair nested)\n',
        '(require rackunit)\n\n(define (test-humaneval) \n\n  (let (( candidate describe))\n    (check-within (candidate (list 1e-05 -0.5 2) "say \\"hi\\"\\n" #hash(("a" .  -1) ("b" .  2)) (list -3 "$x\\\\y") (list (list -1 2) (list ))) "it\'s" 0.001)\n    (check-within (candidate (list ) "" #hash() (list 0 "") (list )) #f 0.001)\n))\n\n(test-humaneval)'),
    ('describe', 'ml'): (
        '(**Describe a list of numbers with an association list and a tuple.\nReturn None when the list is empty, otherwise a string.\n>>> describe [1.5; (-0.5)] "a" [("k", 1)] (1, "x") [[1]; []]\n(Some "a:1")\n*)\nlet describe (xs : float list) (label : string) (table : (string * int) list) (pair :  int * string) (nested : int list list) : string option =',
        '\nlet assertions =\n let candidate = describe in\n  (assert ((candidate [1e-05; (-0.5); 2.0] "say \\"hi\\"\\n" [("a", (-1)); ("b", 2)] ((-3), "$x\\\\y") [[(-1); 2]; []]) = (Some "it\'s")));\n  (assert ((candidate [] "" [] (0, "") []) = None));\n  ()'),
    ('describe', 'r'): (
        "# Describe a list of numbers with a named list and a list.\n# Return NULL when the list is empty, otherwise a string.\n# >>> describe(c(1.5, -0.5), 'a', list('k' = 1), list(1, 'x'), list(c(1), c()))\n# 'a:1'\ndescribe <- function(xs, label, table, pair, nested) {",
        'test_humaneval <- function() {\n    candidate <- describe\n    stopifnot(isTRUE(all.equal(candidate(c(1e-05, -0.5, 2), \'say "hi"\\n\', list(\'a\' = -1, \'b\' = 2), list(-3, \'$x\\\\y\'), list(c(-1, 2), c())), "it\'s")))\n    stopifnot(isTRUE(all.equal(candidate(c(), \'\', list(), list(0, \'\'), c()), NULL)))\n}\ntest_humaneval()'),
    ('describe', 'jl'): (
        '""" Describe a vector of numbers with a dictionary and a tuple.\nReturn nothing when the vector is empty, otherwise a string.\n>>> describe([1.5, -0.5], "a", Dict("k" => 1), (1, "x"), [[1], Vector{Int64}([])])\n"a:1\\""""\nfunction describe(xs::Vector{Float64}, label::String, table::Dict{String, Int64}, pair::Tuple{Int64, String}, nested::Vector{Vector{Int64}})::Union{String, Nothing} \n',
        'using Test\n\n@testset begin\n\ncandidate = describe;\n\t@test(candidate([1e-05, -0.5, 2.0], "say \\"hi\\"\\n", Dict("a" => -1, "b" => 2), (-3, "\\$x\\\\y"), [[-1, 2], Vector{Int64}([])]) == "it\'s")\n\t@test(candidate(Vector{Float64}([]), "", Dict{String, Int64}(), (0, ""), Vector{Vector{Int64}}([])) == nothing)\nend\n'),
    ('split', 'lua'): (
        "-- Keep the words whose flag is true; a table of strings.\n-- >>> split({'a', 'b'}, {true, false}, -1)\n-- {'a'}\nlocal function split(words, flags, n)\n",
        "lu = require('luaunit')\n\nfunction test_humaneval()\nlocal candidate = split\n    lu.assertEquals(candidate({'a', 'b'}, {true, false}, -1), {'a'})\n    lu.assertEquals(candidate({}, {}, 0), {})\n    lu.assertEquals(candidate({'x'}, {false}, 3), {'x', 'y'})\nend\n\nos.exit(lu.LuaUnit.run())"),
    ('split', 'rkt'): (
        '#lang racket\n\n;; Keep the words whose flag is #t; a list of strings.\n;; >>> (split (list "a" "b") (list #t #f) -1)\n;; (list "a")\n(define (split words flags n)\n',
        '(require rackunit)\n\n(define (test-humaneval) \n\n  (let (( candidate split))\n    (check-within (candidate (list "a" "b") (list #t #f) -1) (list "a") 0.001)\n    (check-within (candidate (list ) (list ) 0) (list ) 0.001)\n    (check-within (candidate (list "x") (list #f) 3) (list "x" "y") 0.001)\n))\n\n(test-humaneval)'),
    ('split', 'ml'): (
        '(**Keep the words whose flag is true; a list of strings.\n>>> split ["a"; "b"] [true; false] (-1)\n["a"]\n*)\nlet split (words : string list) (flags : bool list) (n : int) : string list =',
        '\nlet assertions =\n let candidate = split in\n  (assert ((candidate ["a"; "b"] [true; false] (-1)) = ["a"]));\n  (assert ((candidate [] [] 0) = []));\n  (assert ((candidate ["x"] [false] 3) = ["x"; "y"]));\n  ()'),
    ('split', 'r'): (
        "# Keep the words whose flag is TRUE; a list of strings.\n# >>> split(c('a', 'b'), c(TRUE, FALSE), -1)\n# c('a')\nsplit <- function(words, flags, n) {",
        "test_humaneval <- function() {\n    candidate <- split\n    stopifnot(isTRUE(all.equal(candidate(c('a', 'b'), c(TRUE, FALSE), -1), c('a'))))\n    stopifnot(isTRUE(all.equal(length(candidate(c(), c(), 0)), 0)))\n    stopifnot(isTRUE(all.equal(candidate(c('x'), c(FALSE), 3), c('x', 'y'))))\n}\ntest_humaneval()"),
    ('split', 'jl'): (
        '"""Keep the words whose flag is true; a vector of strings.\n>>> split(["a", "b"], [true, false], -1)\n["a"]"""\nfunction split(words::Vector{String}, flags::Vector{Bool}, n::Int64)::Vector{String} \n',
        'using Test\n\n@testset begin\n\ncandidate = split;\n\t@test(candidate(["a", "b"], [true, false], -1) == ["a"])\n\t@test(candidate(Vector{String}([]), Vector{Bool}([]), 0) == Vector{String}([]))\n\t@test(candidate(["x"], [false], 3) == ["x", "y"])\nend\n'),
    ('count', 'lua'): (
        '-- Count the letters of s into a table.\nlocal function count(s)\n',
        "lu = require('luaunit')\n\nfunction test_humaneval()\nlocal candidate = count\n    lu.assertEquals(candidate('ab'), {['a'] = 1, ['b'] = 1})\n    lu.assertEquals(candidate(''), {})\n    lu.assertAlmostEquals(candidate('a'), 0.5, 1e-06)\nend\n\nos.exit(lu.LuaUnit.run())"),
    ('count', 'rkt'): (
        '#lang racket\n\n;; Count the letters of s into a hash.\n(define (count s)\n',
        '(require rackunit)\n\n(define (test-humaneval) \n\n  (let (( candidate count))\n    (check-within (candidate "ab") #hash(("a" .  1) ("b" .  1)) 0.001)\n    (check-within (candidate "") #hash() 0.001)\n    (check-within (candidate "a") 0.5 0.001)\n))\n\n(test-humaneval)'),
    ('count', 'ml'): ("skip", 'untyped parameter'),
    ('count', 'r'): (
        '# Count the letters of s into a named list.\ncount <- function(s) {',
        "test_humaneval <- function() {\n    candidate <- count\n    stopifnot(isTRUE(all.equal(candidate('ab'), list('a' = 1, 'b' = 1))))\n    stopifnot(isTRUE(all.equal(length(candidate('')), 0)))\n    stopifnot(isTRUE(all.equal(candidate('a'), 0.5)))\n}\ntest_humaneval()"),
    ('count', 'jl'): ("skip", 'untyped parameter'),
}
PROBLEMS = {"describe": DESCRIBE, "split": SPLIT, "count": COUNT}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_golden_prompt_and_tests(key):
    name, language = key
    # Rendering only: the made-up canonical solutions do not answer these tests (the reference
    # check has its own tests in test_translation_guard.py).
    out = translate_problem(PROBLEMS[name], language, check_reference=False)
    if GOLDEN[key][0] == "skip":
        assert isinstance(out, Skip) and out.reason == GOLDEN[key][1]
        return
    prompt, tests = GOLDEN[key]
    assert out.prompt == prompt
    assert out.tests == tests


# Julia's run (several seconds of start-up and compilation) is in `make test`; the fast subset runs a
# Julia translation through the translate stage's fixture (tests/pipeline/test_translate_dataset.py).
@pytest.mark.parametrize("language", ["lua", "rkt", "ml", "r",
                                      pytest.param("jl", marks=[pytest.mark.julia, pytest.mark.slow])])
def test_golden_oracles_pass_and_wrong_answers_fail(language):
    """The golden literals survive a round trip through the real toolchain, and the harness
    rejects a wrong answer (for Racket: exit 0 but a FAILURE on stderr)."""
    import dataclasses

    from mplt.execution.sandbox import run_program
    from mplt.translation import build_program
    from mplt.translation.oracle import build_oracle

    for problem in (DESCRIBE, SPLIT, ESCAPES):
        translated, oracle = build_oracle(problem, language, check_reference=False)
        assert run_program(language, build_program(translated, oracle)).status == "OK"
    wrong = dataclasses.replace(SPLIT, tests=("assert split(['a', 'b'], [True, False], -1) == ['b']",))
    translated, _ = build_oracle(wrong, language)
    _, oracle = build_oracle(SPLIT, language)
    assert run_program(language, build_program(translated, oracle)).status != "OK"
