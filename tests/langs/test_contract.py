"""The language contract (docs/languages.md): the registry checks every module whole, the language
package imports nothing above it, and everything that lists languages reads the registry."""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mplt.langs import TARGETS, build_registry, get_language, languages
from mplt.langs.base import Language, LanguageContractError, TargetLanguage
from mplt.langs.lua import Lua

ROOT = Path(__file__).resolve().parents[2]
LANGS_DIR = ROOT / "mplt" / "langs"
ABOVE = ("mplt.execution", "mplt.translation", "mplt.pipeline", "mplt.run", "mplt.training",
         "mplt.benchmarks", "mplt.evaluation", "mplt.doctor", "mplt.commands")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(LANGS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_language_package_imports_nothing_above_it(path):
    """mplt.execution and mplt.translation import languages, never the other way round."""
    bad = sorted(m for m in imported_modules(path) if m.startswith(ABOVE))
    assert bad == [], f"{path.name} imports {bad}"


def test_the_check_sees_planted_upward_imports(tmp_path):
    planted = tmp_path / "bad.py"
    planted.write_text("from mplt.execution.result import OK\nimport mplt.translation.driver\n")
    assert imported_modules(planted) == {"mplt.execution.result", "mplt.translation.driver"}


def test_targets_are_the_papers_five_in_order():
    """The declared TARGETS are the registry's ranked languages, by rank 1-5."""
    ranked = sorted((lang.paper_rank, key) for key, lang in languages().items() if lang.paper_rank)
    assert [rank for rank, _ in ranked] == [1, 2, 3, 4, 5]
    assert TARGETS == tuple(key for _, key in ranked)
    assert list(languages())[:6] == ["py", *TARGETS]
    assert not get_language("py").is_target and all(languages()[k].is_target for k in TARGETS)


def test_targets_that_disagree_with_the_ranks_fail_on_first_use(monkeypatch):
    import mplt.langs
    monkeypatch.setattr(mplt.langs, "TARGETS", TARGETS[:-1])
    languages.cache_clear()
    try:
        with pytest.raises(LanguageContractError, match="ranked by paper_rank are .* but TARGETS is"):
            languages()
    finally:
        monkeypatch.undo()
        languages.cache_clear()
    assert tuple(languages())[1:len(TARGETS) + 1] == TARGETS


def test_importing_the_package_imports_no_language():
    """The registry is built on first use, not on import (docs/style.md, rule 3)."""
    probe = ("import sys, mplt.langs\n"
             "print(' '.join(m for m in sys.modules if m.startswith('mplt.langs.')))\n"
             "mplt.langs.languages()\n"
             "print(' '.join(m for m in sys.modules if m.startswith('mplt.langs.')))\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    on_import, after_use = (set(line.split()) for line in out.stdout.splitlines())
    modules = {f"mplt.langs.{type(lang).__module__.rpartition('.')[2]}" for lang in languages().values()}
    assert modules <= after_use
    assert not modules & on_import, sorted(modules & on_import)


class Incomplete(TargetLanguage):
    """A language that forgot its oracle and its test harness."""
    name = "zz"
    display_name = "Zz"
    extension = ".zz"
    comment_prefix = "#"
    stop_tokens = ("\n\n",)
    executables = ("zz",)

    def classify(self, exit_code, stdout, stderr):
        return "OK"

    def render_value(self, value, ty=None):
        return repr(value)

    def render_call(self, func, args):
        return func

    def render_prompt(self, name, params, returns, desc):
        return ""

    def completion_statement(self, program, marker):
        return program


def test_an_incomplete_language_is_refused_at_registration():
    with pytest.raises(LanguageContractError, match="does not implement render_oracle, render_tests"):
        build_registry([Lua(), Incomplete])


def test_missing_attributes_are_named():
    class NoTerms(Incomplete):
        typed_signature = True
        coerces_numbers = False

        def render_tests(self, entry_point, cases):
            return ""

        def render_oracle(self, params, cases):
            return ""

    with pytest.raises(LanguageContractError) as e:
        build_registry([NoTerms])
    message = str(e.value)
    assert message.startswith("language zz: ") and "\n" not in message
    for missing in ("typed_signature needs render_type", "terms must give 9 words", "harness_marker is empty",
                    "comment_patterns"):
        assert missing in message


def test_duplicate_keys_and_ranks_are_refused():
    with pytest.raises(LanguageContractError, match="registered twice"):
        build_registry([Lua(), Lua()])

    class Lua2(Lua):
        name = "lua2"
    with pytest.raises(LanguageContractError, match="paper_rank"):
        build_registry([Lua(), Lua2()])


def test_source_language_needs_no_translation_methods():
    class Source(Language):
        name, display_name, extension, comment_prefix = "src", "Src", ".src", "#"
        stop_tokens = ("\n",)
        executables = ("src",)

        def classify(self, exit_code, stdout, stderr):
            return "OK"

        def completion_statement(self, program, marker):
            return program + f"print {marker}\n"
    assert list(build_registry([Source])) == ["src"]


def test_setup_installs_the_registrys_packages():
    """scripts/setup.sh (and so the Dockerfile, which runs it after copying mplt/langs/) installs the
    Debian packages the registry lists, with the system Python before .venv exists."""
    python = shutil.which("python3", path="/usr/bin") or sys.executable   # the system Python where there is one
    out = subprocess.run([python, "-m", "mplt.langs", "--apt-packages"], cwd=ROOT,
                         capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT)}).stdout.split()
    expected = [p for lang in languages().values() for p in lang.apt_packages]
    assert out == list(dict.fromkeys(expected)) and {"lua5.4", "racket", "ocaml-nox", "r-base-core"} <= set(out)
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "-m mplt.langs --apt-packages --missing" in setup
    for package in out:
        assert not re.search(rf"need_apt\+=\(.*\b{re.escape(package)}\b", setup), f"{package} listed by hand"
    dockerfile = (ROOT / "Dockerfile").read_text()
    # the registry is in the layer that runs setup.sh (tests/docker checks the rest of what it imports)
    assert dockerfile.index("COPY mplt/langs/ mplt/langs/") < dockerfile.index("bash scripts/setup.sh")
