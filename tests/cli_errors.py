"""Helpers for the tests of one-line errors (docs/bad-input.md): run the CLI in process, and check
that what it wrote to stderr is one `error:` line and no traceback."""
from __future__ import annotations

from mplt import cli


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    return err
