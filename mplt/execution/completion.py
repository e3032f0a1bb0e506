"""Early exit is not a pass (docs/sandbox.md, "What a verdict rests on").

A program that ends with status 0 before its test block has run to completion (`exit(0)` in the
completion, `quit()`, `os.exit(0)`, `System.halt(0)`) passes in MultiPL-E's evaluator, which only
reads the exit status (docs/deviations.md). mplt appends a statement that prints a completion line
after the program's last statement (each language's `completion_statement`), with a nonce drawn for
this execution, so a completion cannot carry the line in its text: an ordinary status 0 counts as
OK only when that line is among the last TAIL_BYTES of the program's stdout (a runtime may still
print a summary after it: ExUnit); otherwise the verdict is Failure with the reason EARLY_EXIT.
The line is removed from the stdout kept in the result.

What this does not stop, and cannot from outside the program's process: a program that reads its
own source at run time to find the nonce and prints the line itself (docs/sandbox.md, "What a
verdict rests on").
"""
from __future__ import annotations

import secrets

from mplt.langs.base import Language

PREFIX = "mplt-completed-"
EARLY_EXIT = "exited with status 0 before its last statement ran (early exit)"
# The collectors keep the last TAIL_BYTES of stdout apart from the head that
# `Limits.output_keep_bytes` keeps, so a long output cannot hide the completion line.
TAIL_BYTES = 4096


def new_marker() -> str:
    return PREFIX + secrets.token_hex(12)


def marked_program(lang: Language, program: str, marker: str) -> str:
    """`program` with the statement that prints `marker` on a line of its own once the program's
    last statement has run."""
    return lang.completion_statement(program.rstrip("\n") + "\n", marker)


def split_completion(stdout_tail: bytes, stdout: str, marker: str) -> tuple[str, bool]:
    """(stdout without the completion line, whether the line is in the tail of the output)."""
    line = f"\n{marker}\n"
    if line.encode() not in stdout_tail:
        return stdout, False
    at = stdout.rfind(line)
    return (stdout[:at] + stdout[at + len(line):] if at >= 0 else stdout), True
