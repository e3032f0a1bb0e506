"""Real programs in the MultiPL-E harness style of each language (docs/conventions.md, section 3):
a function `add`, then the language's test suite calling it as `candidate`.

`program(lang, body, expected)` builds one: `body` is the function body for that language
(`BODIES[lang]` holds the correct one, `LOOPS`/`RAISES` hostile ones), `expected` the value the
test asserts. SYNTAX_ERRORS holds programs that do not parse."""
from __future__ import annotations

BODIES = {"py": "return a + b", "lua": "return a + b", "rkt": "(+ a b)", "ml": "a + b",
          "r": "a + b", "jl": "a + b", "ex": "a + b"}
LOOPS = {"py": "while True:\n        pass", "lua": "while true do end", "rkt": "(let loop () (loop))",
         "ml": "let rec loop () = loop () in loop ()", "r": "repeat {}",
         "jl": "while true end", "ex": "Stream.repeatedly(fn -> a end) |> Stream.run()"}
RAISES = {"py": "return [][a]", "lua": "return a + nil", "rkt": "(car '())",
          "ml": "failwith \"boom\"", "r": "stop(\"boom\")", "jl": "error(\"boom\")",
          "ex": "raise \"boom\""}

SYNTAX_ERRORS = {
    "py": "def add(a, b)\n    return a + b\n",
    "lua": "local function add(a, b)\n  return a +\nend\n",
    "rkt": "#lang racket\n\n(define (add a b)\n  (+ a b)\n",
    "ml": "let add (a : int) (b : int) : int =\n  a +\n",
    "r": "add <- function(a, b) {\n  a +\n}\n",
    "jl": "function add(a::Int64, b::Int64\n    a + b\nend\n",
    "ex": "defmodule HumanEval do\n  def add(a, b) do\n    a +\n  end\n",
}


def program(lang: str, body: str | None = None, expected: int = 3) -> str:
    body = BODIES[lang] if body is None else body
    return _TEMPLATES[lang].format(body=body, expected=expected)


_TEMPLATES = {
    "py": """def add(a: int, b: int) -> int:
    {body}

def check(candidate):
    assert candidate(1, 2) == {expected}

def test_check():
    check(add)

test_check()
""",
    "lua": """local function add(a, b)
    {body}
end

lu = require('luaunit')

function test_humaneval()
local candidate = add
    lu.assertEquals(candidate(1, 2), {expected})
end

os.exit(lu.LuaUnit.run())
""",
    "rkt": """#lang racket

;; Add two numbers
(define (add a b)
  {body})

(require rackunit)

(define (test-humaneval) 

  (let (( candidate add))
    (check-within (candidate 1 2) {expected} 0.001)
))

(test-humaneval)
""",
    "ml": """(**Add two numbers*)
let add (a : int) (b : int) : int =
  {body}

let assertions =
 let candidate = add in
  (assert ((candidate 1 2) = {expected}));
  ()
""",
    "r": """# Add two numbers
add <- function(a, b) {{
  {body}
}}
test_humaneval <- function() {{
    candidate <- add
    stopifnot(isTRUE(all.equal(candidate(1, 2), {expected})))
}}
test_humaneval()
""",
    "jl": '''""" Add two numbers """
function add(a::Int64, b::Int64)::Int64 
    {body}
end

using Test

@testset begin

candidate = add;
\t@test(candidate(1, 2) == {expected})
end
''',
    "ex": """# Add two numbers
defmodule HumanEval do
  def candidate(a, b), do: add(a, b)
  def add(a, b) do
    {body}
  end
end
ExUnit.start()
defmodule HumanEvalTest do
  use ExUnit.Case, async: true
  test "add" do
    assert HumanEval.candidate(1, 2) == {expected}
  end
end
""",
}
