"""A profile value of the wrong type is one line naming the file, table, key, expected and got
types, when the profile is read, before any work (docs/bad-input.md, "Profiles")."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mplt import cli
from mplt.config import check_types, config_from_dict, describe
from mplt.errors import MpltError


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("toml,message", [
    ('[model]\nepochs = "x"\n', "p.toml [model] epochs: expected an integer, got a string ('x')"),
    ("[select]\npath = 1\n", "p.toml [select] path: expected a string, got an integer (1)"),
    ("[testgen]\nn = 1.5\n", "p.toml [testgen] n: expected an integer, got a float (1.5)"),
    ('[run]\nstages = "select"\n', "p.toml [run] stages: expected an array of strings, got a string ('select')"),
    ('[run]\nstages = ["select", 3]\n', "p.toml [run] stages[1]: expected a string, got an integer (3)"),
    ("[dataset]\nsave_hf = 1\n", "p.toml [dataset] save_hf: expected a boolean"),
    ("[evaluate]\nfinetuned_revisions = {lua = 3}\n", "p.toml [evaluate] finetuned_revisions.lua: expected a string"),
    ('[finetune.settings]\nlr = "big"\n', "p.toml [finetune.settings] lr: expected a number, got a string"),
    ("select = 3\n", "p.toml: select must be a table ([select]), got an integer"),
])
def test_wrong_type_is_one_line_before_any_work(tmp_path, capsys, toml, message):
    profile = tmp_path / "p.toml"
    profile.write_text(toml)
    run_dir = tmp_path / "run"
    code, _, err = run_cli(capsys, "run", "--profile", str(profile), "--run-dir", str(run_dir), "--no-progress")
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not run_dir.exists()                  # nothing started


def test_stage_command_checks_types_too(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    profile.write_text("[select]\npath = 1\n")
    code, _, err = run_cli(capsys, "stage", "select", "--run-dir", str(tmp_path / "run"), "--config", str(profile))
    assert code == 2 and err == "error: p.toml [select] path: expected a string, got an integer (1)\n"


@dataclass(frozen=True)
class Config:
    rate: float = 0.5
    where: Path = Path(".")
    maybe: int | None = None
    pair: tuple[float, float] = (0.0, 1.0)
    names: tuple[str, ...] | str = "auto"


def test_types_come_from_the_dataclass_annotations():
    config = config_from_dict(Config, {"rate": 1, "where": "out", "maybe": 3, "pair": [1, 2.5], "names": ["a"]})
    assert config.rate == 1 and config.where == Path("out") and config.pair == (1, 2.5) and config.names == ("a",)
    for data, message in [({"rate": True}, "rate: expected a number, got a boolean"),
                          ({"where": 1}, "where: expected a path"),
                          ({"maybe": "3"}, "maybe: expected an integer, got a string"),
                          ({"pair": [1]}, "pair: expected an array of 2"),
                          ({"names": 1}, "names: expected an array of strings or a string")]:
        with pytest.raises(MpltError, match=message):
            check_types(Config, data, "t.toml [x]")
    assert describe(dict[str, str]) == "a table of strings"


def test_every_shipped_profile_passes_the_type_check(tmp_path):
    from mplt.run.profiles import list_profiles, load_profile
    for name in list_profiles():
        load_profile(name, tmp_path, filter_langs=False)


def test_unreadable_profiles_are_one_line(tmp_path, capsys):
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"\xff\xfe[run]\n")
    empty = tmp_path / "empty.toml"
    empty.write_text("[run]\nstages = []\n")
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    for argv, message in [
        (["run", "--profile", latin], "latin.toml: not UTF-8 text (byte 0)"),
        (["run", "--profile", tmp_path], "is a directory; --profile takes a profile name or a .toml file"),
        (["run", "--profile", tmp_path / "nope.toml"], "nope.toml: no such profile file"),
        (["stage", "select", "--run-dir", tmp_path / "r", "--config", tmp_path], "is a directory, not a TOML file"),
        (["run", "--profile", empty, "--run-dir", tmp_path / "r"], "empty.toml [run] stages: empty"),
        (["stage", "select", "--run-dir", a_file], "afile: not a directory (a file of that name is in the way)"),
    ]:
        code, _, err = run_cli(capsys, *map(str, argv))
        assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
