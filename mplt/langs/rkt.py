"""Racket 8 with rackunit (Debian package racket).

A failing rackunit check prints a FAILURE block on stderr and the process still exits 0
(runtime-facts.md 5.3; method.md 3.4): the status therefore comes from stderr, and any stderr
output fails a program, as in MultiPL-E's eval_racket."""
from __future__ import annotations

from mplt.execution.result import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import Language

# Errors raised while reading or expanding the module: the program never ran.
_COMPILE_MARKERS = ("read-syntax", "read:", "unbound identifier", "bad syntax", "expand:")


class Racket(Language):
    name = "rkt"
    display_name = "Racket"
    aliases = ("racket",)
    extension = ".rkt"
    comment_prefix = ";;"
    stop_tokens = ("\n(define ", "\n#|", "\n;", "\n(")
    executables = ("racket",)
    apt_packages = ("racket",)
    memory_floor_mb = 384   # 128 MiB starts a hello world; rackunit plus racket needs more headroom
    out_of_memory_markers = ("out of memory",)

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0 and not stderr.strip():
            return OK
        if "\nFAILURE\n" in "\n" + stderr:
            return FAILURE
        if "\nERROR\n" in "\n" + stderr:
            return EXCEPTION
        if any(marker in stderr for marker in _COMPILE_MARKERS):
            return SYNTAX_ERROR
        return EXCEPTION


LANGUAGE = Racket()
