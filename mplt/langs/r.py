"""R 4.2 via Rscript (Debian package r-base-core).

A failed `stopifnot` prints `... is not TRUE` and exits 1; a parse error prints
`Error: unexpected ...` (docs/conventions.md, section 3.4)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TargetLanguage
from mplt.langs.render import element_types, escape_string, number_text, python_quote, resolve
from mplt.langs.types import Untranslatable


class R(TargetLanguage):
    name = "r"
    display_name = "R"
    paper_rank = 4
    extension = ".r"
    comment_prefix = "#"
    stop_tokens = ("\n#", "\n```")
    executables = ("Rscript",)
    apt_packages = ("r-base-core",)
    # Debian's r-base-core links /usr/lib/R/etc (Renviron, ldpaths, Rprofile.site, read by every
    # Rscript start) into /etc/R.
    sandbox_paths = ("/etc/R",)
    memory_floor_mb = 256
    out_of_memory_markers = ("cannot allocate vector",)
    multipl_t_split = "r"
    warm_script = "r.r"   # forks per program (docs/warm.md)

    def warm_command(self, executable, script):
        # Rscript runs R's start-up script with bash, which would reset the split group that keeps
        # the worker out of its programs' reach (docs/warm.md): bash -p keeps it.
        r_script = shutil.which("R", path=str(Path(executable).parent)) or shutil.which("R")
        return [shutil.which("bash") or "/bin/bash", "-p", r_script, "--vanilla", "--no-echo",
                f"--file={script}", "--args"]

    def completion_statement(self, program, marker):
        return program + f'cat("\\n{marker}\\n")\n'

    def run_command(self, executable, path):
        # --vanilla: no site or user profiles, no saved workspace.
        return [executable, "--vanilla", str(path)]

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        if "is not TRUE" in stderr or "are not all TRUE" in stderr:
            return FAILURE
        if "Error: unexpected" in stderr or "Error: attempt to use zero-length" in stderr:
            return SYNTAX_ERROR
        return EXCEPTION

    # Translation (docs/conventions.md, section 3.4); the shared driver is mplt/translation/driver.py.
    typed_signature = False
    # No int -> float coercion, as MultiPL-E: R numbers are doubles either way.
    coerces_numbers = False
    terms = ("R", "r", "vector", "list", "list", "named list", "NULL", "TRUE", "FALSE")
    harness_marker = "\ntest_humaneval"
    failing_body = "  return(NULL)\n}\n"
    comment_patterns = (re.compile(r"#[^\n]*"),)

    def render_value(self, value, ty=None):
        t = resolve(value, ty)
        if t.kind == "none":
            return "NULL"
        if t.kind == "bool":
            return "TRUE" if value else "FALSE"
        if t.kind in ("int", "float"):
            return number_text(value, t, coerce=False)
        if t.kind == "str":
            return _r_string(value)
        if t.kind == "dict":
            # Names are strings in R; MultiPL-E writes keys with repr (`list('a' = 1)`).
            return "list(" + ", ".join(f"{_r_string(str(k))} = "
                                       f"{self.render_value(v, t.args[1])}" for k, v in value.items()) + ")"
        elements = [self.render_value(v, et) for v, et in zip(value, element_types(value, t))]
        # Atomic vectors for homogeneous scalars, lists otherwise (MultiPL-E PR #54).
        return ("c(" if _is_atomic(value) else "list(") + ", ".join(elements) + ")"

    def render_call(self, func, args):
        return f"{func}({', '.join(args)})"

    def call_key(self, call, arg_values):
        """Tests with the same key are the same call in R: `3` and `3.0` are one double, and
        lists and tuples render alike (HumanEval_92 has both `(3, 4, 7)` and `(3.0, 4, 7)`)."""
        return repr(_as_doubles(arg_values))

    def render_prompt(self, name, params, returns, desc):
        comment = re.sub(r"\n\s*", "\n# ", desc.strip())
        return f"# {comment}\n{name} <- function({', '.join(p for p, _ in params)}) {{"

    def render_tests(self, entry_point, cases):
        lines = []
        for c in cases:
            if isinstance(c.value, (list, tuple, dict)) and not c.value:
                # An empty result: NULL, character(0), numeric(0) and list() are all accepted, since
                # all.equal tells them apart (the MultiPL-E empty-vector trap, docs/deviations.md).
                lines.append(f"    stopifnot(isTRUE(all.equal(length({c.call}), 0)))")
            else:
                lines.append(f"    stopifnot(isTRUE(all.equal({c.call}, {c.expected})))")
        return "\n".join(["test_humaneval <- function() {", f"    candidate <- {entry_point}", *lines,
                          "}", "test_humaneval()"])

    def render_oracle(self, params, cases):
        lines = ["", f"  args <- list({', '.join(params)})"]
        for c in cases:
            lines.append(f"  if (identical(args, list({', '.join(c.args)}))) return({c.expected})")
        return "\n".join([*lines, "  stop('no test matches the arguments')", "}"])


def _r_string(value):
    # Unicode escapes only: R rejects a string that mixes them with \x escapes, and has no NUL.
    if "\0" in value:
        raise Untranslatable("NUL character in an R string")
    return escape_string(value, python_quote(value), unicode_escape="\\U{%x}", control_escape="\\u{%x}")


def _as_doubles(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _as_doubles(v) for k, v in value.items()}
    return [_as_doubles(v) for v in value]


def _is_atomic(values):
    """A homogeneous run of non-None scalars (numbers count as one class)."""
    classes = set()
    for v in values:
        if v is None or isinstance(v, (list, tuple, dict)):
            return False
        classes.add("bool" if isinstance(v, bool) else "num" if isinstance(v, (int, float)) else "str")
    return len(classes) <= 1


LANGUAGE = R()
