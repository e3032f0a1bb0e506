"""The host settings (mplt/settings.py, docs/environment.md): `stage NAME` honours `[run]`, each
setting's bad value is one line, the effective values are recorded, and every environment variable
mplt reads is documented."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from mplt import cli, settings
from mplt.errors import MpltError
from mplt.execution import isolation, leftovers, pool
from mplt.generation.backends import openai
from mplt.generation.backends.base import ModelOptions
from mplt.langs import get_language
from mplt.run import environment

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs/environment.md"


@pytest.fixture
def clean_environment(monkeypatch):
    for variable in settings.ENVIRONMENT_DEFAULTS:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("MPLT_LUA", raising=False)


def seen_by_stage(monkeypatch, tmp_path, run_table: str, *flags: str) -> settings.HostSettings:
    """Run `stage select` with a profile holding `run_table`; the settings the stage ran under."""
    import mplt.stages.registry
    seen = []

    def fake_run_stage(name, run_dir, table, **kwargs):
        seen.append((settings.current(), pool.execution_mode()))
        return {"stage": name}
    monkeypatch.setattr(mplt.stages.registry, "run_stage", fake_run_stage)
    profile = tmp_path / "p.toml"
    profile.write_text(f"[run]\n{run_table}\n[select]\n")
    code = cli.main(["stage", "select", "--run-dir", str(tmp_path / "run"), "--config", str(profile), *flags])
    assert code == 0 and len(seen) == 1
    host, mode = seen[0]
    assert host.execution == mode
    return host


def test_stage_honours_run_execution_like_run(monkeypatch, tmp_path, capsys, clean_environment):
    assert seen_by_stage(monkeypatch, tmp_path, 'execution = "cold"').execution == "cold"
    assert seen_by_stage(monkeypatch, tmp_path, 'execution = "warm"').execution == "warm"
    assert seen_by_stage(monkeypatch, tmp_path, 'execution = "warm"', "--cold").execution == "cold"
    host = seen_by_stage(monkeypatch, tmp_path, f'sandbox = "none"\nscratch = "{tmp_path}"\n'
                         'toolchains = {lua = "/opt/lua"}\nopenai_retries = 2', "--openai-retries", "3")
    assert (host.sandbox, host.scratch, host.toolchain("lua"), host.openai_retries) == ("none", str(tmp_path),
                                                                                        "/opt/lua", 3)
    assert settings.current() == settings.resolve()     # the stage's settings end with it


BAD_KEYS = [('execution = "tepid"', "execution='tepid': unknown execution mode; known: warm, cold"),
            ('sandbox = "bogus"', "sandbox='bogus': unknown sandbox mode; known: bubblewrap, netns, none"),
            ('scratch = "/no/such/dir"', "scratch='/no/such/dir': no such directory"),
            ('toolchains = {lua = 3}', "toolchains"),
            ('toolchains = {klingon = "/x"}', "klingon"),
            ("openai_concurrency = 0", "openai_concurrency=0: must be >= 1"),
            ("openai_timeout_s = -1.0", "openai_timeout_s=-1.0: must be > 0 and finite"),
            ("openai_retries = -1", "openai_retries=-1: must be >= 0")]


@pytest.mark.parametrize("line,message", BAD_KEYS, ids=[k.split(" ")[0] + str(i) for i, (k, _) in enumerate(BAD_KEYS)])
def test_a_bad_profile_key_is_one_line(tmp_path, capsys, line, message, clean_environment):
    profile = tmp_path / "p.toml"
    profile.write_text(f"[run]\n{line}\n[select]\n")
    code = cli.main(["stage", "select", "--run-dir", str(tmp_path / "run"), "--config", str(profile)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    code = cli.main(["run", "--profile", str(profile), "--run-dir", str(tmp_path / "run"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


BAD_VARIABLES = [("MPLT_SANDBOX", "bogus", "MPLT_SANDBOX='bogus': unknown sandbox mode"),
                 ("MPLT_SCRATCH", "/no/such/dir", "MPLT_SCRATCH=/no/such/dir: no such directory"),
                 ("MPLT_OPENAI_CONCURRENCY", "many", "MPLT_OPENAI_CONCURRENCY='many': must be an integer"),
                 ("MPLT_OPENAI_TIMEOUT_S", "0", "MPLT_OPENAI_TIMEOUT_S='0': must be > 0"),
                 ("MPLT_OPENAI_RETRIES", "-2", "MPLT_OPENAI_RETRIES='-2': must be >= 0")]


@pytest.mark.parametrize("variable,value,message", BAD_VARIABLES, ids=[v for v, _, _ in BAD_VARIABLES])
def test_a_bad_default_from_the_environment_is_one_line(monkeypatch, variable, value, message, clean_environment):
    monkeypatch.setenv(variable, value)
    with pytest.raises(MpltError) as caught:
        settings.current()
    assert message in str(caught.value) and "\n" not in str(caught.value)


BAD_FLAGS = [(["--sandbox", "bogus"], "--sandbox 'bogus': unknown sandbox mode"),
             (["--scratch", "/no/such/dir"], "--scratch '/no/such/dir': no such directory; create it or drop --scratch"),
             (["--toolchain", "lua"], "--toolchain 'lua': expected LANG=PATH"),
             (["--openai-concurrency", "0"], "--openai-concurrency 0: must be >= 1"),
             (["--openai-timeout-s", "0"], "--openai-timeout-s 0.0: must be > 0"),
             (["--openai-retries", "-1"], "--openai-retries -1: must be >= 0")]


@pytest.mark.parametrize("flags,message", BAD_FLAGS, ids=[f[0] for f, _ in BAD_FLAGS])
def test_a_bad_flag_is_one_line(tmp_path, capsys, flags, message, clean_environment):
    profile = tmp_path / "p.toml"
    profile.write_text("[select]\n")
    code = cli.main(["stage", "select", "--run-dir", str(tmp_path / "run"), "--config", str(profile), *flags])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_flags_win_over_the_profile_and_the_profile_over_the_environment(monkeypatch, tmp_path, clean_environment):
    monkeypatch.setenv("MPLT_OPENAI_TIMEOUT_S", "30")
    monkeypatch.setenv("MPLT_OPENAI_RETRIES", "1")
    host = settings.resolve({"openai_retries": 4, "openai_concurrency": 2}, "p.toml [run]",
                            flags={"openai_concurrency": 5})
    assert (host.openai_timeout_s, host.openai_retries, host.openai_concurrency) == (30.0, 4, 5)


def test_settings_reach_the_sandbox_scratch_toolchains_and_client(tmp_path, clean_environment):
    host = settings.resolve({"sandbox": "none", "scratch": str(tmp_path), "toolchains": {"lua": "true"},
                             "openai_concurrency": 3, "openai_timeout_s": 9.0, "openai_retries": 0})
    with settings.applied(host):
        assert isolation.detect_mode() == "none"
        assert leftovers.scratch_parent() == tmp_path
        assert get_language("lua").find_executable().endswith("/true")
        client = openai.open_backend(ModelOptions(model="m", base_url="http://127.0.0.1:1")).client
    assert (client.concurrency, client.timeout_s, client.retries) == (3, 9.0, 0)


def test_the_settings_and_their_variables_are_recorded(monkeypatch, tmp_path, clean_environment):
    for name in ("package_versions", "git_revision", "hardware", "toolchains", "sandbox_mode"):
        monkeypatch.setattr(environment, name, lambda *a: {})
    monkeypatch.setenv("MPLT_OPENAI_CONCURRENCY", "4")
    monkeypatch.setenv("MPLT_LUA", "/opt/lua")
    with settings.applied(settings.resolve({"openai_timeout_s": 42.0})):
        recorded = environment.capture_environment(tmp_path, [], [], {})
    assert {k: recorded["settings"][k] for k in ("openai_concurrency", "openai_timeout_s", "openai_retries")} == \
        {"openai_concurrency": 4, "openai_timeout_s": 42.0, "openai_retries": 6}
    assert recorded["settings"]["toolchains"] == {"lua": "/opt/lua"}
    assert recorded["env"]["MPLT_OPENAI_CONCURRENCY"] == "4" and recorded["env"]["MPLT_LUA"] == "/opt/lua"


def test_the_resolved_config_saves_the_settings(tmp_path, clean_environment):
    from mplt.run.profiles import load_profile, resolved_config
    profile = tmp_path / "p.toml"
    profile.write_text('[run]\nstages = ["report"]\nexecution = "cold"\nopenai_retries = 2\n')
    host = resolved_config(load_profile(str(profile), tmp_path / "run"))["host"]
    assert (host["execution"], host["openai_retries"], host["openai_concurrency"]) == ("cold", 2, 8)


# --- every environment variable mplt reads is documented ---------------------------------------------

READ = re.compile(r"os\.environ|os\.getenv|getenv\(")
CONSTANT = re.compile(r"\b(_?[A-Z][A-Z0-9_]{2,})\b")
LITERAL = re.compile(r"""["']([A-Z][A-Z0-9_]{2,})["']""")


def documented_variables() -> set[str]:
    """The backticked names in docs/environment.md's tables, `MPLT_<LANG>` included."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("|")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_<>]+)`", row)}


def variables_read(path: Path, line: str, following: str) -> set[str]:
    """The variables a line that reads the environment names: its string literals (and the next
    line's, for a tuple that continues), else the module's constants it names."""
    names = set(LITERAL.findall(line + following))
    if names:
        return names
    module = importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts))
    for constant in CONSTANT.findall(line):
        value = getattr(module, constant, None)
        if isinstance(value, (tuple, dict)):
            names |= set(value)
    if path == REPO / "mplt" / "settings.py":   # the defaults' one reader: the table and MPLT_<LANG>
        names |= {*settings.ENVIRONMENT_DEFAULTS, "MPLT_<LANG>"}
    return names


def test_every_environment_variable_mplt_reads_is_documented():
    documented, undocumented, unnamed = documented_variables(), [], []
    for path in sorted((REPO / "mplt").rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if not READ.search(line) or line.lstrip().startswith("#"):
                continue
            names = variables_read(path, line, lines[number + 1] if number + 1 < len(lines) else "")
            where = f"{path.relative_to(REPO)}:{number + 1}"
            if not names:
                unnamed.append(where)
            undocumented += [f"{where} {name}" for name in sorted(names - documented)]
    assert not unnamed, f"environment reads naming no variable: {unnamed}"
    assert not undocumented, f"not in docs/environment.md: {undocumented}"


def test_the_documented_defaults_are_the_settings_table():
    documented = documented_variables()
    assert set(settings.ENVIRONMENT_DEFAULTS) <= documented and "MPLT_<LANG>" in documented
    assert "MPLT_EXECUTION" not in documented     # the execution mode travels in the settings only
