"""OCaml 4.13 toplevel in script mode (Debian package ocaml-nox).

A failed `assert` raises Assert_failure and exits 2; syntax and type errors also exit 2, with
`Error:` on stderr (docs/runtime.md, section 5.3)."""
from __future__ import annotations

import re

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TargetLanguage
from mplt.langs.render import escape_string, resolve
from mplt.langs.types import Untranslatable


class OCaml(TargetLanguage):
    name = "ml"
    display_name = "OCaml"
    paper_rank = 3
    aliases = ("ocaml",)
    extension = ".ml"
    comment_prefix = "(*"
    stop_tokens = ("\n\n", "\n(*", "\ntype", "\nlet")
    executables = ("ocaml",)
    version_args = ("-version",)
    apt_packages = ("ocaml-nox",)
    # Older Debian OCaml packages link /usr/lib/ocaml/ld.conf, the stub-library path list the
    # toplevel reads, to /etc/ocaml/ld.conf; bookworm's keeps the file in /usr/lib/ocaml, and a
    # missing path is simply not bound.
    sandbox_paths = ("/etc/ocaml",)
    memory_floor_mb = 64
    warm_script = "ml.ml"   # forks per program (docs/warm.md)

    def warm_command(self, executable, script):
        return [executable, "-I", "+compiler-libs", "unix.cma", str(script)]

    # The toplevel reports an allocation beyond RLIMIT_AS as "Out of memory during evaluation."
    out_of_memory_markers = ("Out_of_memory", "Out of memory during evaluation")
    multipl_t_split = "ocaml"

    def completion_statement(self, program, marker):
        # `;;` ends a last top-level expression, which may not be followed by `let` without it.
        return program + f';;\nlet () = print_string "\\n{marker}\\n"\n'

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        if "Assert_failure" in stderr:
            return FAILURE
        if "\nError:" in "\n" + stderr:
            return SYNTAX_ERROR
        return EXCEPTION

    # Translation (docs/conventions.md, section 3.3); the shared driver is mplt/translation/driver.py.
    # Unlike MultiPL-E: negatives as `(-1)`, option values as `(Some x)`, floats rendered from the
    # value (never `[.0]`, `(~4).0` or `1e-05.0`), escaped strings (docs/deviations.md).
    typed_signature = True
    # Ints in float positions are written as floats: the type system needs it (docs/deviations.md, item 8).
    coerces_numbers = True
    terms = ("OCaml", "ml", "list", "list", "tuple", "association list", "None", "true", "false")
    harness_marker = "\nlet assertions"
    failing_body = "  failwith \"wrong\"\n\n"
    comment_patterns = (re.compile(r"\(\*[\s\S]*?\*\)"),)

    def render_type(self, t, top=False):
        simple = {"int": "int", "float": "float", "bool": "bool", "str": "string"}
        if t.kind in simple:
            return simple[t.kind]
        if t.kind == "list":
            return f"{self._wrapped_type(t.args[0])} list"
        if t.kind == "optional":
            return f"{self._wrapped_type(t.args[0])} option"
        if t.kind == "dict":
            # `(K * V) list`; MultiPL-E's `(K, V) list` does not type-check (docs/deviations.md).
            return f"({self._wrapped_type(t.args[0])} * {self._wrapped_type(t.args[1])}) list"
        if t.kind == "tuple" and t.args:
            # MultiPL-E writes a top-level tuple type with a leading space (`:  int * int`).
            return (" " if top else "") + " * ".join(self._wrapped_type(a) for a in t.args)
        reason = {"union": "union type", "any": "Any type", "vartuple": "variable-length tuple type"}
        raise Untranslatable(reason.get(t.kind, "unsupported type"), str(t))

    def identifier(self, name):
        """OCaml value names start lowercase and avoid keywords (`N` -> `n`, `val` -> `val_`)."""
        name = name[:1].lower() + name[1:]
        return name + "_" if name in _KEYWORDS else name

    def _wrapped_type(self, t):
        text = self.render_type(t)
        return f"({text})" if t.kind == "tuple" else text

    def render_value(self, value, ty=None):
        if ty is not None and ty.kind == "optional":
            return "None" if value is None else f"(Some {self.render_value(value, ty.args[0])})"
        t = resolve(value, ty)
        self.render_type(t)
        if t.kind == "none":
            raise Untranslatable("None outside Optional")
        if t.kind == "bool":
            return "true" if value else "false"
        if t.kind == "int":
            if not -2**62 <= value < 2**62:
                raise Untranslatable("integer out of range")
            return f"({value})" if value < 0 else str(value)
        if t.kind == "float":
            text = repr(float(value))
            return f"({text})" if text.startswith("-") else text
        if t.kind == "str":
            return escape_string(value, '"', control_escape="\\%03d")
        if t.kind == "tuple":
            return "(" + ", ".join(self.render_value(v, a) for v, a in zip(value, t.args)) + ")"
        if t.kind == "dict":
            return "[" + "; ".join(f"({self.render_value(k, t.args[0])}, {self.render_value(v, t.args[1])})"
                                   for k, v in value.items()) + "]"
        return "[" + "; ".join(self.render_value(v, t.args[0]) for v in value) + "]"

    def render_call(self, func, args):
        return f"{func} {' '.join(args)}" if args else f"{func} ()"

    def render_prompt(self, name, params, returns, desc):
        if any(marker in desc for marker in ("(*", "*)", "{|")):
            # OCaml lexes comments: these would end or corrupt the doc comment.
            raise Untranslatable("docstring breaks an OCaml comment")
        if _unbalanced_quotes(desc):
            # An unterminated string literal inside a comment is an OCaml error (docs/deviations.md).
            desc = desc.replace('"', "'")
        comment = re.sub(r"\n\s+", "\n * ", desc.strip())
        args = " ".join(f"({self.identifier(p)} : {self.render_type(t, top=True)})" for p, t in params) or "()"
        return f"(**{comment}\n*)\nlet {self.identifier(name)} {args} : {self.render_type(returns, top=True)} ="

    def render_tests(self, entry_point, cases):
        lines = [f"  (assert (abs_float (({c.call}) -. {c.expected}) < {c.tolerance!r}));" if c.tolerance
                 else f"  (assert (({c.call}) = {c.expected}));" for c in cases]
        return "\n".join(["", "let assertions =", f" let candidate = {self.identifier(entry_point)} in", *lines,
                          "  ()"])

    def render_oracle(self, params, cases):
        actual = "(" + ", ".join(params) + ")" if params else "()"
        lines = [""]
        for c in cases:
            expected_args = "(" + ", ".join(c.args) + ")" if c.args else "()"
            lines.append(f"  if {actual} = {expected_args} then {c.expected} else")
        return "\n".join([*lines, '  failwith "no test matches the arguments"'])


_KEYWORDS = frozenset(
    "and as assert begin class constraint do done downto else end exception external false for fun "
    "function functor if in include inherit initializer lazy let match method module mutable new "
    "nonrec object of open or private rec sig struct then to true try type val virtual when while "
    "with land lor lxor lsl lsr asr mod".split())


def _unbalanced_quotes(text):
    return (text.count('"') - text.count('\\"')) % 2 == 1


LANGUAGE = OCaml()
