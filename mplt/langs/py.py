"""Python: the source language. Programs run with the interpreter running mplt (it has
`coverage`, which the test-generation stage needs)."""
from __future__ import annotations

import re

from mplt.langs.status import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import Language, python_executable

_LAST_ERROR = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt)\b)", re.M)


class Python(Language):
    name = "py"
    display_name = "Python"
    aliases = ("python", "python3")
    extension = ".py"
    comment_prefix = "#"
    stop_tokens = ("\ndef ", "\n#", "\nif ", "\nclass ", "\nprint(", "\nassert ")
    apt_packages = ()
    # No sandbox_paths: the interpreter reads /etc/localtime and the loader's cache (strace), both in
    # the base view, and the venv and the interpreter behind it are toolchain trees
    # (mplt/execution/view.py, `toolchain_trees`).
    memory_floor_mb = 256   # coverage + the interpreter; `import torch` would need 1 GiB
    timeout_s = 15.0
    out_of_memory_markers = ("MemoryError",)

    def find_executable(self) -> str | None:
        return python_executable()

    def run_command(self, executable, path):
        # -B: no .pyc next to the program; -u: unbuffered so a killed program keeps its output.
        return [executable, "-B", "-u", str(path)]

    def completion_statement(self, program, marker):
        return program + f'print("\\n{marker}", flush=True)\n'

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        errors = _LAST_ERROR.findall(stderr)
        last = errors[-1] if errors else ""
        if last.endswith(("SyntaxError", "IndentationError", "TabError")):
            return SYNTAX_ERROR
        if last.endswith("AssertionError"):
            return FAILURE
        return EXCEPTION


LANGUAGE = Python()
