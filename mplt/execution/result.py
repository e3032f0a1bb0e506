"""The outcome of running one program, with MultiPL-E-compatible field names
(`program, stdout, stderr, exit_code, status`; docs/conventions.md, section 5).

Statuses (a small closed set; only OK counts as a pass):
  OK           ran to completion and every test passed
  Failure      a test assertion failed (luaunit, rackunit, OCaml assert, stopifnot, @test, assert)
  Exception    a runtime error that is not a failed assertion
  SyntaxError  the program did not parse, compile or type-check
  Timeout      the wall-clock limit was reached; the whole process group was killed
  Killed       a resource limit ended it (CPU time, memory, file size, output size, a signal)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

OK = "OK"
FAILURE = "Failure"
EXCEPTION = "Exception"
SYNTAX_ERROR = "SyntaxError"
TIMEOUT = "Timeout"
KILLED = "Killed"
STATUSES = (OK, FAILURE, EXCEPTION, SYNTAX_ERROR, TIMEOUT, KILLED)


@dataclass(frozen=True)
class ExecResult:
    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    language: str = ""
    sandbox: str = ""
    reason: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.status == OK and self.exit_code == 0

    def to_record(self) -> dict:
        record = asdict(self)
        record["warnings"] = list(self.warnings)
        return record
