"""Julia with the Test standard library: an official release (Docker image) or 1.5.3 from
Debian bullseye in `.tools/julia` (scripts/install-julia.sh; runtime-facts.md 6).

A failing `@test` inside a top-level `@testset` prints `Test Failed` and exits 1; an error inside
a test prints `Error During Test`."""
from __future__ import annotations

import shutil

from mplt.execution.result import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import TOOLS_DIR, Language


class Julia(Language):
    name = "jl"
    display_name = "Julia"
    aliases = ("julia",)
    extension = ".jl"
    comment_prefix = "#"
    stop_tokens = ("\nfunction", "\nmacro", "\n\n")
    executables = ("julia",)
    apt_packages = ()
    memory_floor_mb = 1024  # 512 MiB starts a hello world; compiling tests needs more
    out_of_memory_markers = ("OutOfMemoryError",)

    def find_executable(self):
        found = super().find_executable()
        if found:
            return found
        local = TOOLS_DIR / "julia" / "julia"
        return str(local) if local.exists() else shutil.which("julia")

    def run_command(self, executable, path):
        # No startup file, no history, one thread: the program's behaviour stays the same
        # whatever the user's ~/.julia holds.
        return [executable, "--startup-file=no", "--history-file=no", str(path)]

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


LANGUAGE = Julia()
