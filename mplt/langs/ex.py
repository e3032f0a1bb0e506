"""Elixir 1.14 on Erlang/OTP 25 (Debian package elixir), a sixth target beyond the paper's five,
written after MultiPL-E's Elixir translator (`humaneval_to_elixir.py`) and evaluator
(`eval_elixir.py`); docs/languages.md explains how a language is added.

Conventions, as MultiPL-E's:
* prompt: the docstring as `#` comments, then `defmodule HumanEval do`, a one-line
  `def candidate(args), do: name(args)` that the tests call, and the open `def name(args) do`;
  the completion writes the body and closes the function and the module (`  end\\nend`).
* tests: ExUnit (`ExUnit.start()`, one `test` in `HumanEvalTest`), one `assert candidate == value`
  per test; run as `elixir file.exs`. A failing assertion prints `Assertion with == failed` and
  exits 2; a parse or compile error (`SyntaxError`, `TokenMissingError`, `CompileError`) exits 1
  before any test runs.
* equality: `==`, as MultiPL-E and Python's own `assert` do: `1 == 1.0` is true in Elixir as in
  Python, and ints and floats are written as Python writes them (no int -> float coercion), so
  `2` and `2.0` stay apart for code that tells them apart (`is_integer`). The oracle looks
  arguments up with the strict `===`, which also tells `3` from `3.0`.
* values: lists `[...]`, tuples `{...}`, dicts `%{k => v}`, `nil`, `true`/`false`, double-quoted
  strings with backslash escapes (and `#` escaped, which would otherwise interpolate).

Unlike MultiPL-E, prompts and tests are rendered from our own parsed values (fully escaped strings,
floats valid for Elixir's reader: `1e-05` becomes `1.0e-05`). nuprl/MultiPL-T has no Elixir split:
fine-tuning reads the dataset stage's output (docs/languages.md, section 4).

Execution: the BEAM starts scheduler threads per core and reserves address space up front; the run
command pins it to one scheduler of each kind, so its thread count fits the sandbox's pids limit on
any machine, and `memory_floor_mb` sits above the smallest RLIMIT_AS that starts it.
"""
from __future__ import annotations

import re

from mplt.langs.base import TargetLanguage
from mplt.langs.render import element_types, escape_string, resolve
from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.types import Untranslatable

# Emulator flags: one normal, one dirty-CPU and one dirty-IO scheduler, one async thread (9 threads
# in all, against 20 by default on 2 cores and more with every core); a 64 MiB literal super
# carrier instead of the 1 GiB the BEAM reserves by default, which RLIMIT_AS would refuse; no busy
# waiting of idle schedulers (+sbwt none), whose spinning would count as the program's CPU time.
_ERL_FLAGS = "+S 1:1 +SDcpu 1:1 +SDio 1 +A 1 +sbwt none +MIscs 64"
# ERL_CRASH_DUMP_SECONDS=0: no erl_crash.dump file when the emulator dies (of the memory limit, say).
# The BEAM's port helpers (erl_child_setup, inet_gethost) exit just after the emulator; the
# sandbox's leftover check gives every program's processes that grace (docs/sandbox.md).
_NO_CRASH_DUMP = 'ERL_CRASH_DUMP_SECONDS=0; export ERL_CRASH_DUMP_SECONDS; exec "$@"'
_COMPILE_ERRORS = ("(SyntaxError)", "(TokenMissingError)", "(CompileError)", "(MismatchedDelimiterError)")
# Elixir reserved words (they cannot name a variable).
_RESERVED = frozenset("true false nil when and or not in fn do end catch rescue after else".split())


class Elixir(TargetLanguage):
    name = "ex"
    display_name = "Elixir"
    aliases = ("elixir",)
    extension = ".exs"
    comment_prefix = "#"
    stop_tokens = ("\ndefmodule", "\ndefp", "\ndef ", "\n#", "\n\n")
    executables = ("elixir",)
    version_args = ("--short-version",)   # `--version` prints the Erlang banner first
    apt_packages = ("elixir",)
    # No sandbox_paths: the BEAM's resolver looks for /etc/hosts, resolv.conf, host.conf and
    # protocols at boot (strace) and starts without them; the sandbox has no network to resolve.
    required = False   # not a default target: doctor reports it, and fails only for the paper's five
    # Under the sandbox (measured on 2 shared cores): 544 MiB segfaults at start; 576 MiB runs a hello
    # world and an ExUnit test.
    memory_floor_mb = 768
    timeout_s = 15.0
    # The BEAM's allocators report a refused allocation as `<kind>_alloc: Cannot allocate N bytes`.
    out_of_memory_markers = ("Cannot allocate",)
    multipl_t_split = None

    typed_signature = False
    coerces_numbers = False
    terms = ("Elixir", "elixir", "list", "list", "tuple", "map", "nil", "true", "false")
    harness_marker = "\nExUnit.start()"
    failing_body = "    nil\n  end\nend\n"
    comment_patterns = (re.compile(r"#[^\n]*"),)

    def toolchain_version(self, executable):
        return f"Elixir {super().toolchain_version(executable)}"

    def run_command(self, executable, path):
        return ["/bin/sh", "-c", _NO_CRASH_DUMP, "elixir", executable, "--erl", _ERL_FLAGS, str(path)]

    def completion_statement(self, program, marker):
        line = f'IO.write("\\n{marker}\\n")'
        if "ExUnit.start" in program:
            # ExUnit runs the tests when the script has ended: the line follows the suite.
            return program + f"ExUnit.after_suite(fn _ -> {line} end)\n"
        return program + line + "\n"

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        if "Assertion with == failed" in stdout:
            return FAILURE
        if any(marker in stderr for marker in _COMPILE_ERRORS):
            return SYNTAX_ERROR
        return EXCEPTION

    def identifier(self, name):
        """Elixir variables start lowercase and avoid reserved words (`N` -> `n`, `in` -> `in_`)."""
        name = name[:1].lower() + name[1:]
        return name + "_" if name in _RESERVED else name

    def render_value(self, value, ty=None):
        t = resolve(value, ty)
        if t.kind == "none":
            return "nil"
        if t.kind == "bool":
            return "true" if value else "false"
        if t.kind in ("int", "float"):
            # An int stays an int in a float position (no coercion, as for Lua and Racket).
            return _float_text(value) if isinstance(value, float) else str(value)
        if t.kind == "str":
            return escape_string(value, '"', unicode_escape="\\u{%x}", control_escape="\\u{%x}").replace("#", "\\#")
        if t.kind == "dict":
            return "%{" + ", ".join(f"{self.render_value(k, t.args[0])} => {self.render_value(v, t.args[1])}"
                                    for k, v in value.items()) + "}"
        items = ", ".join(self.render_value(v, et) for v, et in zip(value, element_types(value, t)))
        return "{" + items + "}" if t.kind in ("tuple", "vartuple") else "[" + items + "]"

    def render_call(self, func, args):
        return f"HumanEval.{func}({', '.join(args)})"

    def render_prompt(self, name, params, returns, desc):
        comment = "# " + re.sub(r"\n\s*", "\n# ", desc.strip())
        args = ", ".join(self.identifier(p) for p, _ in params)
        name = self.identifier(name)
        return "\n".join([comment, "defmodule HumanEval do", f"  def candidate({args}), do: {name}({args})",
                          f"  def {name}({args}) do", "    "])

    def render_tests(self, entry_point, cases):
        lines = [f"    assert abs({c.call} - {c.expected}) < {_float_text(c.tolerance)}" if c.tolerance
                 else f"    assert {c.call} == {c.expected}" for c in cases]
        return "\n".join(["ExUnit.start()", "defmodule HumanEvalTest do", "  use ExUnit.Case, async: true",
                          f'  test "{entry_point}" do', *lines, "  end", "end", ""])

    def render_oracle(self, params, cases):
        lines = ["cond do"]
        for c in cases:
            lines.append(f"      [{', '.join(params)}] === [{', '.join(c.args)}] -> {c.expected}")
        return "\n".join([*lines, '      true -> raise "no test matches the arguments"', "    end", "  end", "end"])


def _float_text(value):
    """Python's repr, made valid for Elixir: a digit on both sides of the point (`1e-05` ->
    `1.0e-05`); infinities and NaN have no literal."""
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise Untranslatable("non-finite float")
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + ("e" + exponent if exponent else "")


LANGUAGE = Elixir()
