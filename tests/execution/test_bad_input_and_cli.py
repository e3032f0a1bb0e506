"""Bad input gives a clear result or a one-line error, never a traceback; the exec and doctor
commands."""
from __future__ import annotations

import json

import pytest

from mplt import cli
from mplt.execution.limits import Limits
from mplt.execution.pool import execute_all
from mplt.langs.status import OK, SYNTAX_ERROR
from mplt.execution.sandbox import ToolchainMissing, run_program
from mplt.langs import UnknownLanguage, languages


def test_unknown_language_lists_the_known_ones():
    with pytest.raises(UnknownLanguage, match=r"unknown language 'cobol'; known: py .*lua.*rkt.*jl"):
        run_program("cobol", "x")


def test_missing_toolchain_gives_the_install_hint(monkeypatch):
    monkeypatch.setenv("MPLT_LUA", "/nonexistent/lua5.4")
    with pytest.raises(ToolchainMissing, match="apt-get install -y lua5.4 lua-unit"):
        run_program("lua", "print(1)")
    with pytest.raises(ToolchainMissing, match="make setup"):
        execute_all([{"id": 1, "language": "lua", "program": "print(1)"}], progress=False)


def test_empty_program_is_a_syntax_error_result():
    result = run_program("lua", "  \n\t\n")
    assert result.status == SYNTAX_ERROR and result.reason == "empty program"


def test_non_utf8_output_is_replaced_not_fatal():
    result = run_program("lua", 'io.write("\\255\\254 done\\n")\nio.stderr:write("\\200\\n")\n', Limits(timeout_s=20))
    assert result.status == OK, result
    assert result.stdout == "\ufffd\ufffd done\n" and "\ufffd" in result.stderr
    json.dumps(result.to_record())


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_exec_json_ok_and_failure(tmp_path, capsys):
    good, bad = tmp_path / "good.lua", tmp_path / "bad.lua"
    good.write_text("assert(1 + 1 == 2)\n")
    bad.write_text("assert(1 + 1 == 3)\n")
    code, out, _ = run_cli(capsys, "exec", "--lang", "lua", str(good), "--json", "--timeout", "20")
    record = json.loads(out)
    assert code == 0 and record["status"] == OK and record["file"] == str(good)
    code, out, _ = run_cli(capsys, "exec", "--lang", "lua", str(bad), "--timeout", "20")
    assert code == 1 and "Failure" in out and "assertion failed" in out


def test_exec_timeout_and_memory_options(tmp_path, capsys):
    loop = tmp_path / "loop.py"
    loop.write_text("while True:\n    pass\n")
    code, out, _ = run_cli(capsys, "exec", "--lang", "python", str(loop), "--timeout", "1",
                           "--memory-mb", "300", "--json")
    assert code == 1 and json.loads(out)["status"] == "Timeout"


@pytest.mark.parametrize("argv,message", [
    (["--lang", "cobol", "x.cob"], "unknown language 'cobol'; known:"),
    (["--lang", "lua", "/nonexistent/prog.lua"], "no such file"),
    (["--lang", "lua", "{file}", "--timeout", "0"], "--timeout must be positive"),
])
def test_exec_bad_input_is_one_line_error(tmp_path, capsys, argv, message):
    program = tmp_path / "p.lua"
    program.write_text("print(1)\n")
    code, out, err = run_cli(capsys, "exec", *[a.format(file=program) for a in argv])
    assert code == 2 and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_exec_missing_toolchain_and_empty_file(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty.r"
    empty.write_text("")
    code, out, _ = run_cli(capsys, "exec", "--lang", "r", str(empty), "--json")
    assert code == 1 and json.loads(out)["status"] == SYNTAX_ERROR
    monkeypatch.setenv("MPLT_R", "/nonexistent/Rscript")
    code, _, err = run_cli(capsys, "exec", "--lang", "r", str(empty))
    assert code == 2 and "apt-get install -y r-base-core" in err


def test_exec_non_utf8_file(tmp_path, capsys):
    program = tmp_path / "latin1.py"
    program.write_bytes(b"s = '\xe9t\xe9'\nprint(s)\n")
    code, out, _ = run_cli(capsys, "exec", "--lang", "py", str(program), "--json", "--timeout", "20")
    assert code == 0 and json.loads(out)["stdout"] == "\ufffdt\ufffd\n"


def test_doctor_json_reports_everything(capsys):
    code, out, _ = run_cli(capsys, "doctor", "--json", "--no-gpu")
    report = json.loads(out)
    assert [row["language"] for row in report["toolchains"]] == list(languages())   # every registered language
    assert {"py", "lua", "rkt", "ml", "r", "jl", "ex"} <= set(languages())
    assert report["sandbox"]["mode"] in ("bubblewrap", "netns", "none")
    assert report["sandbox"]["fork_guard"]
    assert isinstance(report["hub_offline"], bool)
    missing = [row for row in report["toolchains"] + report["sandbox_tools"] if row["required"] and not row["found"]]
    hardening = report["sandbox"]["hardening"]
    assert hardening["hardened"], hardening
    assert any(attempt.startswith("write /proc/sys/") for attempt in hardening["checks"])
    assert code == (1 if missing else 0)


def test_doctor_fails_with_install_command_when_a_toolchain_is_missing(capsys, monkeypatch):
    monkeypatch.setenv("MPLT_ML", "/nonexistent/ocaml")
    code, out, err = run_cli(capsys, "doctor", "--no-gpu")
    assert code == 1
    assert "missing required toolchain OCaml" in err and "apt-get install -y ocaml-nox" in err
    assert "Toolchains" in out and "sandbox mode" in out
    assert "sandbox self-test: hardened" in " ".join(out.split())
