"""OCaml 4.13 toplevel in script mode (Debian package ocaml-nox).

A failed `assert` raises Assert_failure and exits 2; syntax and type errors also exit 2, with
`Error:` on stderr (runtime-facts.md 5.3)."""
from __future__ import annotations

from mplt.execution.result import EXCEPTION, FAILURE, OK, SYNTAX_ERROR
from mplt.langs.base import Language


class OCaml(Language):
    name = "ml"
    display_name = "OCaml"
    aliases = ("ocaml",)
    extension = ".ml"
    comment_prefix = "(*"
    stop_tokens = ("\n\n", "\n(*", "\ntype", "\nlet")
    executables = ("ocaml",)
    version_args = ("-version",)
    apt_packages = ("ocaml-nox",)
    memory_floor_mb = 64
    out_of_memory_markers = ("Out_of_memory",)

    def classify(self, exit_code, stdout, stderr):
        if exit_code == 0:
            return OK
        if "Assert_failure" in stderr:
            return FAILURE
        if "\nError:" in "\n" + stderr:
            return SYNTAX_ERROR
        return EXCEPTION


LANGUAGE = OCaml()
