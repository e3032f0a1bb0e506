"""The language contract owns the sandbox's file view (docs/languages.md, docs/sandbox.md): the
base view names no language, each language's `sandbox_paths` are bound for its own programs
only, and a toolchain whose configuration lives outside its tree (a JVM: Debian links the JDK's
conf/ into /etc/java-17-openjdk) runs under bubblewrap once its language declares that path.
The JVM languages here are registered in the test only."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mplt import langs
from mplt.execution import isolation, view
from mplt.execution.limits import Limits
from mplt.execution.sandbox import run_program
from mplt.langs.base import Language, LanguageContractError, check_language
from mplt.langs.status import EXCEPTION, OK

VIEW_SOURCE = Path(view.__file__).read_text()
# The message a JDK prints when its conf/security/java.security is not readable.
JVM_ERROR = "Error loading java.security file"


def needs_bubblewrap():
    if isolation.detect_mode() != "bubblewrap":
        pytest.skip("needs bubblewrap")


class _Jvm(Language):
    """A JVM-like language: exit 0 is OK, anything else an exception."""
    name = "jvmtest"
    display_name = "JVM (test)"
    extension = ".java"
    comment_prefix = "//"
    stop_tokens = ("\n}",)
    executables = ("java",)
    memory_floor_mb = 64

    def classify(self, exit_code, stdout, stderr):
        return OK if exit_code == 0 else EXCEPTION

    def completion_statement(self, program, marker):
        return program + f"printf '\\n%s\\n' {marker}\n"   # the fake launcher runs shell programs


def _register(monkeypatch, lang: Language) -> Language:
    """Register `lang` for this test only (monkeypatch restores the registry)."""
    checked = check_language(lang)
    monkeypatch.setitem(langs.languages(), checked.name, checked)
    return checked


def test_the_base_view_names_no_language():
    for lang in langs.languages().values():
        for word in {lang.name, lang.display_name, *lang.aliases}:
            assert f'"{word}"' not in VIEW_SOURCE and f'"{word.lower()}"' not in VIEW_SOURCE, word
        for path in lang.sandbox_paths:
            assert Path(path).name not in view.ETC_ENTRIES, path


def test_declared_paths_are_bound_for_their_language_only():
    declared = {k: view.declared_paths(v.sandbox_paths) for k, v in langs.languages().items()}
    if not any(declared.values()):
        pytest.skip("no declared sandbox path exists on this machine")
    for name, lang in langs.languages().items():
        args = isolation.bwrap_args("/tmp/scratch", paths=lang.sandbox_paths)
        for other, paths in declared.items():
            for path in paths:
                assert (path in args) == (other == name), (name, path)


def test_missing_declared_paths_are_not_bound(tmp_path):
    assert view.declared_paths((str(tmp_path / "absent"), "/usr/share", str(tmp_path))) == (str(tmp_path),)


def test_declared_paths_under_a_covered_directory_are_moved_back_in_netns(monkeypatch, tmp_path):
    home = tmp_path / "home"
    (home / "user" / "jdk-conf").mkdir(parents=True)
    monkeypatch.setattr(view, "COVERED", (str(home),))
    _, args = view.netns_script(str(tmp_path / "scratch"), (), (str(home / "user" / "jdk-conf"),))
    assert args[1:] == [str(home), str(home / "user" / "jdk-conf"), "--"]


def test_sandbox_paths_must_be_absolute():
    bad = type("RelativeJvm", (_Jvm,), {"sandbox_paths": ("etc/java",)})
    with pytest.raises(LanguageContractError, match="sandbox_paths must be absolute"):
        check_language(bad)


def _package_files(lang: Language) -> list[Path]:
    """The files of the language's installed Debian packages (none without dpkg)."""
    dpkg = shutil.which("dpkg")
    if dpkg is None or not lang.apt_packages:
        return []
    listed = subprocess.run([dpkg, "-L", *lang.apt_packages], capture_output=True, text=True)
    return [Path(line) for line in listed.stdout.splitlines() if line.startswith("/")]


def _tree_files(lang: Language) -> list[Path]:
    """The files of the resolved installation tree of the toolchain (the JDK's, behind
    /etc/alternatives), unless that is the whole of /usr."""
    executable = lang.find_executable()
    if executable is None:
        return []
    real = Path(os.path.realpath(executable))
    tree = real.parent.parent if real.parent.name == "bin" else real.parent
    if view._inside(tree, (*view.SYSTEM_TREES, "/")) and len(tree.parts) <= 2:
        return []
    return [Path(root) / entry for root, dirs, files in os.walk(tree) for entry in (*dirs, *files)]


def links_into_etc(lang: Language) -> set[str]:
    """Where the toolchain's installed files link into /etc (R: /usr/lib/R/etc -> /etc/R)."""
    return {os.readlink(path) for path in (*_package_files(lang), *_tree_files(lang))
            if path.is_symlink() and os.readlink(path).startswith("/etc/")}


def uncovered(lang: Language) -> set[str]:
    covered = [f"/etc/{e}" for e in view.ETC_ENTRIES] + list(lang.sandbox_paths)
    return {t for t in links_into_etc(lang) if not any(t == c or t.startswith(c + "/") for c in covered)}


def test_every_link_from_an_installed_toolchain_into_etc_is_declared():
    """Derived from the toolchains installed here: what their files link to in /etc is in the
    base view or among the language's sandbox_paths."""
    for lang in langs.languages().values():
        assert uncovered(lang) == set(), lang.name


def _fake_jdk(tmp_path: Path) -> tuple[Path, Path]:
    """A toolchain laid out as Debian lays out the JDK: the tree's conf/ is a link to a directory
    outside it, which the launcher reads before it runs anything."""
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    config = tmp_path / "etc-java"
    (config / "security").mkdir(parents=True)
    (config / "security" / "java.security").write_text("securerandom.source=file:/dev/urandom\n")
    (home / "conf").symlink_to(config)
    launcher = home / "bin" / "java"
    launcher.write_text('#!/bin/sh\nhere=$(dirname "$0")\n'
                        'read -r line < "$here/../conf/security/java.security" 2>/dev/null || '
                        f'{{ echo "{JVM_ERROR}" >&2; exit 1; }}\nexec /bin/sh "$1"\n')
    for path in (tmp_path, home, home / "bin", config, config / "security"):
        path.chmod(0o755)
    launcher.chmod(0o755)
    (config / "security" / "java.security").chmod(0o644)
    return launcher, config


def test_a_jvm_like_toolchain_needs_its_declared_config_under_bubblewrap(monkeypatch, tmp_path):
    needs_bubblewrap()
    launcher, config = _fake_jdk(tmp_path)

    class Undeclared(_Jvm):
        def find_executable(self):
            return str(launcher)

    class Declared(Undeclared):
        name = "jvmdeclared"
        sandbox_paths = (str(config),)

    program = "echo hello\n"
    without = run_program(_register(monkeypatch, Undeclared()), program, Limits(timeout_s=20))
    assert without.status == EXCEPTION and JVM_ERROR in without.stderr, without
    declared = run_program(_register(monkeypatch, Declared()), program, Limits(timeout_s=20))
    assert declared.status == OK and declared.stdout.strip() == "hello", declared


def _debian_jdk_config() -> str | None:
    java = shutil.which("java")
    if java is None:
        return None
    security = Path(os.path.realpath(java)).parent.parent / "conf" / "security" / "java.security"
    target = os.path.realpath(security)
    return str(Path(target).parents[1]) if security.is_symlink() and target.startswith("/etc/") else None


_HELLO = ('public class Main { public static void main(String[] a) { System.out.println("hello"); '
          '/*end*/ } }\n')


class _Java(_Jvm):
    """Java's single-file source launcher, small enough for the sandbox's default limits."""
    memory_floor_mb = 4096
    timeout_s = 60.0

    def completion_statement(self, program, marker):
        return program.replace("/*end*/", f'System.out.println("\\n{marker}");')

    def run_command(self, executable, path):
        return [executable, "-Xmx128m", "-Xss1m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1", "-Xshare:off", str(path)]


def test_the_jdk_runs_under_bubblewrap_once_its_language_declares_its_config(monkeypatch):
    needs_bubblewrap()
    config = _debian_jdk_config()
    if config is None:
        pytest.skip("no Debian JDK (conf/ linked into /etc) on this machine")

    class Declared(_Java):
        name = "jvmdeclared"
        # The JDK's configuration, and the trust store its lib/security/cacerts links to.
        sandbox_paths = (config, "/etc/ssl/certs/java")

    assert uncovered(_Java()) and uncovered(Declared()) == set()   # the derivation finds the gap
    limits = Limits(timeout_s=60, max_processes=256)
    without = run_program(_register(monkeypatch, _Java()), _HELLO, limits)
    assert without.status != OK and JVM_ERROR in without.stderr, without
    declared = run_program(_register(monkeypatch, Declared()), _HELLO, limits)
    assert declared.status == OK and "hello" in declared.stdout, declared
