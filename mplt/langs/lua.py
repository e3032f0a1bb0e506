"""Lua 5.4 with luaunit (Debian packages lua5.4, lua-unit).

luaunit prints its report on stdout and exits with the number of failed tests
(multiple-conventions.md 3.1)."""
from __future__ import annotations

import re

from mplt.execution.result import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import Language

_SUMMARY = re.compile(r"Ran \d+ tests .*?(\d+) successes?(?:, (\d+) failures?)?(?:, (\d+) errors?)?")
# A load (parse) error is reported as `lua5.4: file:line: message` with no stack traceback.
_LOAD_ERROR = re.compile(r"^\S+: \S+:\d+: ", re.M)


class Lua(Language):
    name = "lua"
    display_name = "Lua"
    extension = ".lua"
    comment_prefix = "--"
    stop_tokens = ("\nlocal", "\nfunction", "\n--", "\n\n")
    executables = ("lua5.4", "lua")
    version_args = ("-v",)
    apt_packages = ("lua5.4", "lua-unit")
    memory_floor_mb = 64
    out_of_memory_markers = ("not enough memory",)

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


LANGUAGE = Lua()
