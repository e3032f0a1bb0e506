"""Julia with the Test standard library: an official release (Docker image) or 1.5.3 from
Debian bullseye in `.tools/julia` (scripts/install-julia.sh: the official release when it can be
downloaded, else the bullseye packages; docs/julia.md).

A failing `@test` inside a top-level `@testset` prints `Test Failed` and exits 1; an error inside
a test prints `Error During Test`."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TOOLS_DIR, TargetLanguage
from mplt.langs.render import escape_string, number_text, resolve
from mplt.langs.types import PyType


# Runs the program file with include() after replacing two diagnostics-only functions; verdicts
# and exit codes are unchanged (an uncaught error still exits 1, Test still prints `Test Failed`).
_FAST_ERRORS = ("import Test; Test.scrub_backtrace(bt) = bt[1:0]; "
                "Base.show_backtrace(io::IO, t::Vector) = nothing; include(popfirst!(ARGS))")




class Julia(TargetLanguage):
    name = "jl"
    display_name = "Julia"
    paper_rank = 5
    aliases = ("julia",)
    extension = ".jl"
    comment_prefix = "#"
    stop_tokens = ("\nfunction", "\nmacro", "\n\n")
    executables = ("julia",)
    apt_packages = ()
    # Debian's julia package (the bullseye fallback of scripts/install-julia.sh, docs/julia.md)
    # installs its system configuration in /etc/julia (startup.jl).
    sandbox_paths = ("/etc/julia",)
    droppable = True   # Debian 12 has no Julia package: a run goes on without it
    memory_floor_mb = 1024  # 512 MiB starts a hello world; compiling tests needs more
    out_of_memory_markers = ("OutOfMemoryError",)
    multipl_t_split = "julia"
    warm_script = "jl.jl"   # forks per program (docs/warm.md)

    def warm_command(self, executable, script):
        return [executable, "--startup-file=no", "--history-file=no", "-O0", str(script)]

    def completion_statement(self, program, marker):
        return program + f'write(stdout, "\\n{marker}\\n")\n'

    def find_executable(self):
        found = super().find_executable()
        if found:
            return found
        local = TOOLS_DIR / "julia" / "julia"
        return str(local) if local.exists() else shutil.which("julia")

    def run_command(self, executable, path):
        # No startup file, no history: the program's behaviour stays the same whatever the
        # user's ~/.julia holds. Julia 1.5.3 spends 5-8 s of CPU symbolizing the stack trace
        # of a failed @test or an uncaught error, as long as the whole timeout; _FAST_ERRORS
        # prints failures without stack traces, and -O0 cuts the compile time of the failure
        # path (measured here, CPU time: uncaught error 2.2 -> 0.7 s, failing @testset 5.5 ->
        # 3.1 s; a compute-heavy passing test 2.3 -> 1.7 s).
        return [executable, "--startup-file=no", "--history-file=no", "-O0", "-e", _FAST_ERRORS, str(path)]

    def toolchain_details(self, executable, version):
        """Doctor's `flavour`: where this Julia came from (docs/julia.md)."""
        local = TOOLS_DIR / "julia"
        if Path(executable).resolve().is_relative_to(local.resolve()):
            if (local / "release").is_dir():
                return {"flavour": f"{version} (official release in {local})"}
            return {"flavour": f"{version} from Debian bullseye packages in {local} (standard library only)"}
        return {"flavour": f"{version} (release on PATH)"}

    def install_hint(self):
        return "run `make setup` (installs Julia 1.5.3 into .tools/julia from Debian bullseye)"

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        text = stdout + stderr
        if "Error During Test" in text:
            return EXCEPTION
        if "Test Failed" in text:
            return FAILURE
        if "syntax:" in stderr or "ParseError" in stderr:
            return SYNTAX_ERROR
        return EXCEPTION

    # Translation (docs/conventions.md, section 3.5); the shared driver is mplt/translation/driver.py.
    # Unlike MultiPL-E: `Dict{K, V}` without the stray `>`, ints in Float64 positions written as
    # floats, fully escaped strings, element types on literals whose type Julia would infer
    # differently from the declared one (docs/deviations.md).
    typed_signature = True
    # Ints in float positions are written as floats: the type system needs it (docs/deviations.md, item 8).
    coerces_numbers = True
    terms = ("Julia", "jl", "vector", "vector", "tuple", "dictionary", "nothing", "true", "false")
    harness_marker = "\nusing Test"
    failing_body = "    return nothing\nend\n"
    comment_patterns = (re.compile(r'"""[\s\S]*?"""'), re.compile(r"#=[\s\S]*?=#"), re.compile(r"#[^\n]*"))

    def render_type(self, t):
        simple = {"int": "Int64", "float": "Float64", "bool": "Bool", "str": "String", "any": "Any",
                  "none": "Nothing", "unknown": "Any"}
        if t.kind in simple:
            return simple[t.kind]
        if t.kind == "optional" and t.args[0].kind == "union":
            # One flat Union: `Union{Int64, String, Nothing}`, not `Union{Union{...}, Nothing}`
            # (docs/deviations.md, item 14).
            return "Union{" + ", ".join(self.render_type(a) for a in (*t.args[0].args, PyType("none"))) + "}"
        inner = ", ".join(self.render_type(a) for a in t.args)
        forms = {"list": "Vector{%s}", "tuple": "Tuple{%s}", "dict": "Dict{%s}",
                 "vartuple": "Tuple{Vararg{%s}}", "optional": "Union{%s, Nothing}", "union": "Union{%s}"}
        return forms[t.kind] % inner

    def render_value(self, value, ty=None):
        t = resolve(value, ty)
        if t.kind == "none":
            return "nothing"
        if t.kind == "bool":
            return "true" if value else "false"
        if t.kind in ("int", "float"):
            return number_text(value, t)
        if t.kind == "str":
            return escape_string(value, '"', dollar=True, unicode_escape="\\U%08x")
        if t.kind in ("tuple", "vartuple"):
            types = t.args if t.kind == "tuple" else [t.args[0]] * len(value)
            items = [self.render_value(v, a) for v, a in zip(value, types)]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if t.kind == "dict":
            key, val = t.args
            if not value:
                return f"Dict{{{self.render_type(key)}, {self.render_type(val)}}}()"
            pairs = ", ".join(f"{self.render_value(k, key)} => {self.render_value(v, val)}" for k, v in value.items())
            prefix = f"Dict{{{self.render_type(key)}, {self.render_type(val)}}}" if _abstract(t) else "Dict"
            return f"{prefix}({pairs})"
        elem = t.args[0]
        if not value:
            return f"Vector{{{self.render_type(elem)}}}([])"
        items = ", ".join(self.render_value(v, elem) for v in value)
        # Vectors are invariant: [1, 2] is no Vector{Any} or Vector{Union{Int64, Nothing}}.
        return (self.render_type(elem) if _abstract(elem) else "") + f"[{items}]"

    def render_call(self, func, args):
        return f"{func}({', '.join(args)})"

    def render_prompt(self, name, params, returns, desc):
        args = ", ".join(f"{p}::{self.render_type(t)}" for p, t in params)
        return f'"""{_docstring_text(desc)}"""\nfunction {name}({args})::{self.render_type(returns)} \n'

    def render_tests(self, entry_point, cases):
        lines = [f"\t@test(abs({c.call} - {c.expected}) < {c.tolerance!r})" if c.tolerance
                 else f"\t@test({c.call} == {c.expected})" for c in cases]
        return "\n".join(["using Test", "", "@testset begin", "", f"candidate = {entry_point};", *lines,
                          "end", ""])

    def render_oracle(self, params, cases):
        lines = [f"    if isequal({_tuple(params)}, {_tuple(list(c.args))}) return {c.expected} end" for c in cases]
        return "\n".join([*lines, '    error("no test matches the arguments")', "end"])


def _tuple(items):
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _abstract(t):
    """Whether a type has a non-concrete part, so a literal would not get it by inference."""
    return t.kind in ("any", "unknown", "union", "optional", "none") or any(_abstract(a) for a in t.args)


def _docstring_text(desc):
    """Escape what Julia would interpret inside \"\"\"...\"\"\": backslashes, `$`, closing quotes."""
    text = desc.replace("\\", "\\\\").replace("$", "\\$")
    text = re.sub(r'"(?="")', '\\\\"', text)
    return text[:-1] + '\\"' if text.endswith('"') else text


LANGUAGE = Julia()
