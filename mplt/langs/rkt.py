"""Racket 8 with rackunit (Debian package racket).

A failing rackunit check prints a FAILURE block on stderr and the process still exits 0
(docs/runtime.md, section 5.3; docs/method.md, section 3.4): the status therefore comes from stderr, and any stderr
output fails a program, as in MultiPL-E's eval_racket."""
from __future__ import annotations

import re

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TargetLanguage
from mplt.langs.render import element_types, escape_string, number_text, resolve

# Errors raised while reading or expanding the module: the program never ran.
_COMPILE_MARKERS = ("read-syntax", "read:", "unbound identifier", "bad syntax", "expand:")


class Racket(TargetLanguage):
    name = "rkt"
    display_name = "Racket"
    paper_rank = 2
    aliases = ("racket",)
    extension = ".rkt"
    comment_prefix = ";;"
    stop_tokens = ("\n(define ", "\n#|", "\n;", "\n(")
    executables = ("racket",)
    apt_packages = ("racket",)
    # Debian's racket finds its collections through /etc/racket/config.rktd, read at every start
    # (strace, Debian bookworm).
    sandbox_paths = ("/etc/racket",)
    memory_floor_mb = 384   # 128 MiB starts a hello world; rackunit plus racket needs more headroom
    out_of_memory_markers = ("out of memory",)
    multipl_t_split = "racket"
    warm_script = "rkt.rkt"   # forks per program (docs/warm.md)

    def completion_statement(self, program, marker):
        # void: a module-level expression's value would be printed after the line.
        return program + f'(void (write-string "\\n{marker}\\n" (current-output-port)))\n'

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

    # Translation (docs/conventions.md, section 3.2); the shared driver is mplt/translation/driver.py.
    typed_signature = False
    # No int -> float coercion: the target keeps `2` and `2.0` apart at run time, as Python does
    # (docs/deviations.md, item 8; HumanEval_92).
    coerces_numbers = False
    terms = ("Racket", "rkt", "list", "list", "list", "hash", "#f", "#t", "#f")
    harness_marker = "(require rackunit)"
    failing_body = "  #f)\n"
    comment_patterns = (re.compile(r"#\|[\s\S]*?\|#"), re.compile(r";[^\n]*"))

    def render_value(self, value, ty=None):
        t = resolve(value, ty)
        if t.kind == "none" or t.kind == "bool":
            return "#t" if value else "#f"  # None -> #f, as in MultiPL-E
        if t.kind in ("int", "float"):
            return number_text(value, t, coerce=False)
        if t.kind == "str":
            # Escaped, unlike MultiPL-E (docs/deviations.md).
            return escape_string(value, '"', unicode_escape="\\U%08x")
        if t.kind == "dict":
            pairs = [(self.render_value(k, t.args[0]), self.render_value(v, t.args[1])) for k, v in value.items()]
            if all(_is_atom(x) for pair in value.items() for x in pair):
                return "#hash(" + " ".join(f"({k} .  {v})" for k, v in pairs) + ")"
            # A #hash literal quotes its contents: compound values need the constructor.
            return "(make-immutable-hash (list " + " ".join(f"(cons {k} {v})" for k, v in pairs) + "))"
        return "(list " + " ".join(self.render_value(v, et) for v, et in zip(value, element_types(value, t))) + ")"

    def render_call(self, func, args):
        return f"({func} {' '.join(args)})" if args else f"({func})"

    def render_prompt(self, name, params, returns, desc):
        comment = re.sub(r"\n\s*", "\n;; ", desc.strip())
        return f"#lang racket\n\n;; {comment}\n(define ({name} {' '.join(p for p, _ in params)})\n"

    def render_tests(self, entry_point, cases):
        lines = [f"    (check-within {c.call} {c.expected} 0.001)" for c in cases]
        return "\n".join(["(require rackunit)", "", "(define (test-humaneval) ", "",
                          f"  (let (( candidate {entry_point}))", *lines, "))", "", "(test-humaneval)"])

    def render_oracle(self, params, cases):
        lines = ["  (cond"]
        for c in cases:
            lines.append(f"    [(equal? (list {' '.join(params)}) (list {' '.join(c.args)})) {c.expected}]")
        return "\n".join([*lines, '    [else (error "no test matches the arguments")]))'])


def _is_atom(value):
    return value is None or isinstance(value, (bool, int, float, str))


LANGUAGE = Racket()
