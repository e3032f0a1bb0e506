"""The language contract (docs/languages.md): what every language module provides, checked whole
when the module is registered (`check_language`), so that a missing piece fails at import and
never as a `KeyError` in the middle of a run.

`Language` is what every language has, the source language Python included: identity, toolchain
(executables, version probe, Debian packages or install step), execution (run command, verdict
classification, limits, out-of-memory markers), stop tokens and Hub names. `TargetLanguage` adds
what a target of the translation needs: value, call, prompt and test rendering, signature typing,
docstring terminology, the oracle body and the dataset cleaning patterns.

A language is a subclass in its own module (`mplt/langs/<key>.py`), instantiated once as
`LANGUAGE`; the registry (`mplt/langs/__init__.py`) finds the modules of this package and checks
each one. Required methods are abstract; optional ones have a default here.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from mplt.errors import MpltError
from mplt.langs.render import RenderedCase
from mplt.langs.types import PyType, Untranslatable
from mplt.settings import current

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Project-local toolchains installed by scripts/setup.sh (Julia from Debian bullseye).
TOOLS_DIR = PROJECT_ROOT / ".tools"
# The warm worker programs (docs/warm.md), one per language that has one.
WARM_DIR = Path(__file__).resolve().parent / "warm"
# The Python row of MultiPL-E's terms.csv (docs/conventions.md, section 1.2): a target's `terms`
# gives its word for each, in this order (fields are replaced in turn).
TERM_FIELDS = ("Python", "py", "array", "list", "tuple", "dictionary", "None", "True", "False")


class LanguageContractError(MpltError):
    """A language module that does not implement the whole contract."""


class Language(ABC):
    # Identity
    name: str = ""                     # registry key, the MultiPL-E short name, e.g. "lua"
    display_name: str = ""             # for prompts, tables and figures, e.g. "Lua"
    aliases: tuple[str, ...] = ()      # long names accepted on the command line
    extension: str = ""                # with the dot
    comment_prefix: str = ""           # line comment marker
    is_target: bool = False            # a target of the translation (TargetLanguage) or the source
    paper_rank: int = 0                # 1-5: position among the paper's targets (TARGETS); 0: not one
    # Toolchain
    executables: tuple[str, ...] = ()  # candidate commands, first found wins
    version_args: tuple[str, ...] = ("--version",)
    apt_packages: tuple[str, ...] = ()  # Debian packages; scripts/setup.sh installs their union
    library_probe: tuple[str, ...] = ()  # (library, *args): the executable run with args must exit 0
    required: bool = True              # doctor fails when a required toolchain is missing
    # A run drops the language (a warning in its banner) instead of refusing to start when the
    # toolchain is missing: Julia, which Debian 12 does not package (README, Troubleshooting).
    droppable: bool = False
    # Sandbox view (docs/sandbox.md, "bubblewrap"): absolute paths the toolchain reads at run time
    # that are neither in the system trees nor in its own installation tree, typically the /etc
    # directory its tree links to (Debian links /usr/lib/R/etc into /etc/R and the JDK's
    # conf/ into /etc/java-17-openjdk). bubblewrap binds each one read-only where it exists;
    # mplt/execution/view.py names no language and binds only these beyond its base view.
    sandbox_paths: tuple[str, ...] = ()
    # Execution
    memory_floor_mb: int = 64          # smallest RLIMIT_AS that starts a hello world (docs/runtime.md, 7.2)
    timeout_s: float = 15.0            # default wall-clock limit per program
    out_of_memory_markers: tuple[str, ...] = ()  # output that means the memory limit was hit
    stop_tokens: tuple[str, ...] = ()  # MultiPL-E stop sequences for completions
    # The nuprl/MultiPL-T split (None: none exists). Benchmark configs are the benchmark's business:
    # mplt/benchmarks/multipl_e.py maps our keys to MultiPL-E's names (docs/benchmarks.md).
    multipl_t_split: str | None = None
    # Warm execution (docs/warm.md): every language runs in a long-lived sandbox whose trusted
    # spawner starts `run_command` per program; a language with a `warm_script` (in
    # mplt/langs/warm/) forks each program from a pre-loaded interpreter instead. A worker is
    # replaced after `warm_programs` programs.
    warm_script: str = ""
    warm_programs: int = 1000

    @abstractmethod
    def classify(self, exit_code: int, stdout: str, stderr: str) -> str:
        """Status (mplt.langs.status) of a program that ran to its end; timeouts and kills are
        decided before this is called."""

    def find_executable(self) -> str | None:
        # `[run] toolchains`, `--toolchain`, default $MPLT_<LANG> (docs/environment.md)
        override = current().toolchain(self.name)
        candidates = (override,) if override else self.executables
        for candidate in candidates:
            found = shutil.which(candidate) if candidate else None
            if found:
                return found
        return None

    def run_command(self, executable: str, path: Path) -> list[str]:
        return [executable, str(path)]

    def warm_command(self, executable: str, script: Path) -> list[str]:
        """The command that starts the warm worker `script` (read only when `warm_script` is set)."""
        return [executable, str(script)]

    @abstractmethod
    def completion_statement(self, program: str, marker: str) -> str:
        """`program` (ending with a newline) followed by code that prints a newline, `marker` and a
        newline on stdout once the program's last statement has run (mplt.execution.completion)."""

    def toolchain_version(self, executable: str) -> str:
        from mplt.tools import first_line
        return first_line([executable, *self.version_args])

    def toolchain_details(self, executable: str, version: str) -> dict:
        """Extra doctor fields for this toolchain (Julia says where its release came from)."""
        return {}

    def install_hint(self) -> str:
        if not self.apt_packages:
            return "run `make setup`"
        return "run `make setup` (or: sudo apt-get install -y " + " ".join(self.apt_packages) + ")"

    def __repr__(self) -> str:
        return f"<Language {self.name}>"


class TargetLanguage(Language):
    """A language the translation writes (docs/conventions.md, section 3): the shared driver
    (mplt/translation/driver.py) calls these methods and probes for nothing."""
    is_target = True
    typed_signature: bool | None = None   # prompts carry parameter and return types (render_type)
    coerces_numbers: bool | None = None   # ints in float positions are written as floats
    terms: tuple[str, ...] = ()           # one word per TERM_FIELDS entry (terms.csv row)
    harness_marker: str = ""              # where the test harness starts in a program (dataset cleaning)
    # A completion that returns the language's nothing (nil, #f, NULL, ...): a wrong body that fails
    # every translated test, the oracle's counterpart in differential tests and benchmarks.
    failing_body: str = ""
    comment_patterns: tuple[re.Pattern, ...] = ()  # comment syntax, stripped before ROUGE dedup

    @abstractmethod
    def render_value(self, value: object, ty: PyType | None = None) -> str:
        """A literal for `value` in a position of declared type `ty`; raises Untranslatable."""

    @abstractmethod
    def render_call(self, func: str, args: list[str]) -> str:
        """A call of `func` on rendered arguments."""

    @abstractmethod
    def render_prompt(self, name: str, params: list[tuple[str, PyType | None]], returns: PyType | None,
                      desc: str) -> str:
        """The MultiPL-E prompt: the docstring as a comment and the signature, no body."""

    @abstractmethod
    def render_tests(self, entry_point: str, cases: Sequence[RenderedCase]) -> str:
        """The test harness that follows the completion."""

    @abstractmethod
    def render_oracle(self, params: list[str], cases: Sequence[RenderedCase]) -> str:
        """A completion that answers each test by looking up its arguments with the language's own
        structural equality (the translation self-check, mplt/translation/oracle.py)."""

    def render_type(self, t: PyType, top: bool = False) -> str:
        """The type of a signature position; required when `typed_signature`."""
        raise Untranslatable("language has no type syntax", str(t))

    def identifier(self, name: str) -> str:
        """A Python name as a valid identifier of the target."""
        return name

    def call_key(self, call: str, arg_values: tuple) -> str:
        """Tests with the same key are the same call for the target (R: `3` is `3.0`)."""
        return call


def python_executable() -> str:
    """The interpreter running mplt: it has `coverage`, which the test-generation stage needs."""
    return sys.executable


def _overrides(lang: Language, method: str) -> bool:
    return getattr(type(lang), method) is not getattr(TargetLanguage, method)


def check_language(candidate: object, where: str = "") -> Language:
    """`candidate` (a Language subclass or instance) if it implements the whole contract, else a
    LanguageContractError naming what is missing."""
    label = where or getattr(candidate, "__name__", type(candidate).__name__)
    if isinstance(candidate, type):
        if not issubclass(candidate, Language):
            raise LanguageContractError(f"language {label}: {candidate.__name__} is not a Language subclass")
        missing = sorted(getattr(candidate, "__abstractmethods__", ()))
        if missing:
            raise LanguageContractError(f"language {label}: does not implement {', '.join(missing)}")
        candidate = candidate()
    if not isinstance(candidate, Language):
        raise LanguageContractError(f"language {label}: LANGUAGE is not a Language instance")
    problems = _problems(candidate)
    if problems:
        raise LanguageContractError(f"language {candidate.name or label}: {'; '.join(problems)}")
    return candidate


def _problems(lang: Language) -> list[str]:
    problems = [f"{attr} is empty" for attr in ("name", "display_name", "extension", "comment_prefix")
                if not getattr(lang, attr)]
    if lang.extension and not lang.extension.startswith("."):
        problems.append("extension must start with a dot")
    if not lang.stop_tokens or not all(isinstance(s, str) and s for s in lang.stop_tokens):
        problems.append("stop_tokens are missing")
    if not lang.executables and type(lang).find_executable is Language.find_executable:
        problems.append("no executables and no find_executable")
    if lang.memory_floor_mb <= 0 or lang.timeout_s <= 0:
        problems.append("memory_floor_mb and timeout_s must be positive")
    if lang.warm_script and not (WARM_DIR / lang.warm_script).is_file():
        problems.append(f"warm_script {lang.warm_script} is not in {WARM_DIR.name}/")
    bad_paths = [p for p in lang.sandbox_paths if not isinstance(p, str) or not p.startswith("/")
                 or os.path.normpath(p) != p or p == "/"]
    if bad_paths:
        problems.append(f"sandbox_paths must be absolute, normalized paths below / (not {bad_paths})")
    if lang.warm_programs < 1:
        problems.append("warm_programs must be positive")
    if lang.paper_rank and not lang.is_target:
        problems.append("only a target language can be one of the paper's targets")
    if not isinstance(lang, TargetLanguage):
        return problems + (["is_target is set but the class is no TargetLanguage"] if lang.is_target else [])
    if not isinstance(lang.typed_signature, bool) or not isinstance(lang.coerces_numbers, bool):
        problems.append("typed_signature and coerces_numbers must be declared (True or False)")
    if lang.typed_signature and not _overrides(lang, "render_type"):
        problems.append("typed_signature needs render_type")
    if len(lang.terms) != len(TERM_FIELDS) or not all(isinstance(t, str) and t for t in lang.terms):
        problems.append(f"terms must give {len(TERM_FIELDS)} words ({', '.join(TERM_FIELDS)})")
    if not lang.harness_marker:
        problems.append("harness_marker is empty")
    if not lang.failing_body:
        problems.append("failing_body is empty")
    if not lang.comment_patterns or not all(isinstance(p, re.Pattern) for p in lang.comment_patterns):
        problems.append("comment_patterns must be compiled regular expressions")
    return problems
