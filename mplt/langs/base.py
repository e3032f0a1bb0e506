"""What every language module provides: file extension, comments, how to run a program file,
how to classify its outcome, memory floor and stop tokens (docs/conventions.md, section 3).

A language is a subclass of `Language` in its own module (`mplt/langs/<key>.py`), instantiated
once as `LANGUAGE`; the registry in `mplt/langs/__init__.py` collects them. Adding a language
means adding one module and one line in the registry.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from mplt.execution.result import EXCEPTION, OK

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Project-local toolchains installed by scripts/setup.sh (Julia from Debian bullseye).
TOOLS_DIR = PROJECT_ROOT / ".tools"


class Language:
    name: str = ""                     # registry key, e.g. "lua"
    display_name: str = ""             # for prompts and tables, e.g. "Lua"
    aliases: tuple[str, ...] = ()      # long names accepted on the command line
    extension: str = ""                # with the dot
    comment_prefix: str = ""           # line comment marker
    stop_tokens: tuple[str, ...] = ()  # MultiPL-E stop sequences for completions
    executables: tuple[str, ...] = ()  # candidate commands, first found wins
    version_args: tuple[str, ...] = ("--version",)
    apt_packages: tuple[str, ...] = ()
    memory_floor_mb: int = 64          # smallest RLIMIT_AS that starts a hello world (docs/runtime.md, 7.2)
    timeout_s: float = 15.0            # default wall-clock limit per program
    required: bool = True              # doctor fails when a required toolchain is missing
    out_of_memory_markers: tuple[str, ...] = ()  # output that means the memory limit was hit

    def find_executable(self) -> str | None:
        override = os.environ.get(f"MPLT_{self.name.upper()}")
        candidates = (override,) if override else self.executables
        for candidate in candidates:
            found = shutil.which(candidate) if candidate else None
            if found:
                return found
        return None

    def run_command(self, executable: str, path: Path) -> list[str]:
        return [executable, str(path)]

    def toolchain_version(self, executable: str) -> str:
        from mplt.tools import first_line
        return first_line([executable, *self.version_args])

    def install_hint(self) -> str:
        if not self.apt_packages:
            return "run `make setup`"
        return ("run `make setup` (or: sudo apt-get install -y " + " ".join(self.apt_packages) + ")")

    def classify(self, exit_code: int, stdout: str, stderr: str) -> str:
        """Status of a program that ran to its end (timeouts and kills are decided earlier)."""
        return OK if exit_code == 0 else EXCEPTION

    def __repr__(self) -> str:
        return f"<Language {self.name}>"


def python_executable() -> str:
    """The interpreter running mplt: it has `coverage` for the test-generation stage."""
    return sys.executable
