"""Lua 5.4 with luaunit (Debian packages lua5.4, lua-unit).

luaunit prints its report on stdout and exits with the number of failed tests
(docs/conventions.md, section 3.1)."""
from __future__ import annotations

import re

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TargetLanguage
from mplt.langs.render import element_types, escape_string, number_text, python_quote, resolve

_SUMMARY = re.compile(r"Ran \d+ tests .*?(\d+) successes?(?:, (\d+) failures?)?(?:, (\d+) errors?)?")
# A load (parse) error is reported as `lua5.4: file:line: message` with no stack traceback.
_LOAD_ERROR = re.compile(r"^\S+: \S+:\d+: ", re.M)
# MultiPL-E's Lua harness ends by exiting with luaunit's failure count (docs/conventions.md, 3.1).
_FINAL_EXIT = re.compile(r"\nos\.exit\((.+)\)\s*$")


class Lua(TargetLanguage):
    name = "lua"
    display_name = "Lua"
    paper_rank = 1
    extension = ".lua"
    comment_prefix = "--"
    stop_tokens = ("\nlocal", "\nfunction", "\n--", "\n\n")
    executables = ("lua5.4", "lua")
    version_args = ("-v",)
    apt_packages = ("lua5.4", "lua-unit")
    # No sandbox_paths: lua5.4 opens only the loader's cache in /etc (strace, Debian bookworm), which
    # the base view of mplt/execution/view.py binds.
    memory_floor_mb = 64
    out_of_memory_markers = ("not enough memory",)
    library_probe = ("luaunit", "-e", 'require("luaunit")')
    multipl_t_split = "lua"
    # Warm: the sandbox's spawner starts lua5.4 per program (docs/warm.md); Lua has no fork.

    def completion_statement(self, program, marker):
        line = f'io.stdout:write("\\n{marker}\\n")\n'
        final = _FINAL_EXIT.search("\n" + program)
        if final is None:
            return program + line
        # The line goes between the tests and the exit that ends them.
        head = ("\n" + program)[:final.start()].lstrip("\n")
        return f"{head}\nlocal mplt_status = {final.group(1)}\n{line}os.exit(mplt_status)\n"

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        summary = _SUMMARY.search(stdout)
        if summary:
            return FAILURE if int(summary.group(2) or 0) > 0 else EXCEPTION
        if "assertion failed!" in stderr:
            return FAILURE
        if _LOAD_ERROR.search(stderr) and "stack traceback" not in stderr:
            return SYNTAX_ERROR
        return EXCEPTION

    # Translation (docs/conventions.md, section 3.1); the shared driver is mplt/translation/driver.py.
    typed_signature = False
    # No int -> float coercion: the target keeps `2` and `2.0` apart at run time, as Python does
    # (docs/deviations.md, item 8; HumanEval_92).
    coerces_numbers = False
    terms = ("Lua", "lua", "table", "table", "table", "table", "nil", "true", "false")
    harness_marker = "\nlu ="
    failing_body = "    return nil\nend\n"
    comment_patterns = (re.compile(r"--\[\[[\s\S]*?\]\]"), re.compile(r"--[^\n]*"))

    def render_value(self, value, ty=None):
        t = resolve(value, ty)
        if t.kind == "none":
            return "None"  # an undefined global, i.e. nil, as in MultiPL-E
        if t.kind == "bool":
            return "true" if value else "false"
        if t.kind in ("int", "float"):
            return number_text(value, t, coerce=False)
        if t.kind == "str":
            return escape_string(value, python_quote(value))
        if t.kind == "dict":
            return "{" + ", ".join(f"[{self.render_value(k, t.args[0])}] = {self.render_value(v, t.args[1])}"
                                   for k, v in value.items()) + "}"
        return "{" + ", ".join(self.render_value(v, et) for v, et in zip(value, element_types(value, t))) + "}"

    def render_call(self, func, args):
        return f"{func}({', '.join(args)})"

    def render_prompt(self, name, params, returns, desc):
        return "-- " + desc.replace("\n", "\n-- ") + f"\nlocal function {name}({', '.join(p for p, _ in params)})\n"

    def render_tests(self, entry_point, cases):
        lines = [f"    lu.assertAlmostEquals({c.call}, {c.expected}, {c.tolerance!r})" if c.tolerance
                 else f"    lu.assertEquals({c.call}, {c.expected})" for c in cases]
        return "\n".join(["lu = require('luaunit')", "", "function test_humaneval()",
                          f"local candidate = {entry_point}", *lines, "end", "",
                          "os.exit(lu.LuaUnit.run())"])

    def render_oracle(self, params, cases):
        # Plain constructors, not table.pack: a parameter may be named `table`. nil arguments leave
        # holes that deq (over pairs) treats alike on both sides; deq tells `3` from `3.0` with
        # math.type.
        lines = [_DEEP_EQUAL, f"    local args = {{{', '.join(params)}}}"]
        for c in cases:
            lines.append(f"    if deq(args, {{{', '.join(c.args)}}}) then return {c.expected} end")
        return "\n".join([*lines, "    error('no test matches the arguments')", "end"])


_DEEP_EQUAL = """    local function deq(a, b)
        if type(a) ~= type(b) then return false end
        if type(a) == 'number' then return math.type(a) == math.type(b) and a == b end
        if type(a) ~= 'table' then return a == b end
        for k, v in pairs(a) do if not deq(v, b[k]) then return false end end
        for k, _ in pairs(b) do if a[k] == nil then return false end end
        return true
    end"""


LANGUAGE = Lua()
