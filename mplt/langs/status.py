"""Program statuses, with MultiPL-E's names (docs/conventions.md, section 5). A small closed set;
only OK counts as a pass. They live below the language modules, which classify outcomes with
them, so that `mplt.execution` imports languages and never the other way round.

  OK           ran to completion and every test passed
  Failure      a test assertion failed (luaunit, rackunit, OCaml assert, stopifnot, @test, assert)
  Exception    a runtime error that is not a failed assertion
  SyntaxError  the program did not parse, compile or type-check
  Timeout      the wall-clock limit was reached; the whole process group was killed
  Killed       a resource limit ended it (CPU time, memory, file size, output size, a signal)
"""
from __future__ import annotations

OK = "OK"
FAILURE = "Failure"
EXCEPTION = "Exception"
SYNTAX_ERROR = "SyntaxError"
TIMEOUT = "Timeout"
KILLED = "Killed"
STATUSES = (OK, FAILURE, EXCEPTION, SYNTAX_ERROR, TIMEOUT, KILLED)
