"""README examples must stay real: every `reproduce.py` command line in it parses with the CLI, and
the first screen keeps the two commands (docs/style.md, rule 10)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mplt.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands() -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README.read_text(), flags=re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if "reproduce.py " in line]


def test_first_screen_shows_the_two_commands():
    first = README.read_text().splitlines()[:12]
    assert any(line.startswith("make reproduce") for line in first)
    assert any(line.startswith("make test") for line in first)


def test_readme_has_examples_for_every_command():
    used = {shlex.split(c)[shlex.split(c).index(next(w for w in shlex.split(c) if w.endswith("reproduce.py"))) + 1]
            for c in readme_commands()}
    assert {"run", "eval", "stage", "finetune", "translate", "exec", "doctor", "report", "check", "list"} <= used


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_parses(command):
    words = shlex.split(command.replace("<commit>", "0" * 40))
    args = words[words.index(next(w for w in words if w.endswith("reproduce.py"))) + 1:]
    parser = build_parser()
    parsed = parser.parse_args(args)  # argparse exits (SystemExit) on an unknown flag or command
    assert parsed.command == args[0]
