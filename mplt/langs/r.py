"""R 4.2 via Rscript (Debian package r-base-core).

A failed `stopifnot` prints `... is not TRUE` and exits 1; a parse error prints
`Error: unexpected ...` (multiple-conventions.md 3.4)."""
from __future__ import annotations

from mplt.execution.result import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import Language


class R(Language):
    name = "r"
    display_name = "R"
    extension = ".r"
    comment_prefix = "#"
    stop_tokens = ("\n#", "\n```")
    executables = ("Rscript",)
    apt_packages = ("r-base-core",)
    memory_floor_mb = 256
    out_of_memory_markers = ("cannot allocate vector",)

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


LANGUAGE = R()
