"""`reproduce.py list`: one line per registered benchmark, language, backend, profile and preset, the
names read from the registries (so a new entry needs no change here)."""
from __future__ import annotations

import pytest

from cli_errors import one_line, run_cli
from mplt.benchmarks import benchmarks
from mplt.commands.listing import KINDS
from mplt.generation.backends import AUTO, BACKENDS
from mplt.langs import languages
from mplt.run.profiles import list_profiles
from mplt.training.config import PRESETS


def expected_names() -> dict[str, list[str]]:
    return {"benchmarks": list(benchmarks()), "languages": list(languages()), "backends": [*BACKENDS, AUTO],
            "profiles": list_profiles(), "presets": list(PRESETS)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_one_kind_is_one_described_line_per_registered_name(capsys, kind):
    code, out, err = run_cli(capsys, "list", kind)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == expected_names()[kind]
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines), "every name has a description"


def test_list_without_a_kind_shows_every_kind(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    headers = [line[:-1] for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headers == list(KINDS) == list(expected_names())
    for names in expected_names().values():
        assert all(f"  {name} " in out for name in names)


def test_the_benchmark_lines_say_what_each_is_compared_with(capsys):
    code, out, _ = run_cli(capsys, "list", "benchmarks")
    for name, benchmark in benchmarks().items():
        line = next(line for line in out.splitlines() if line.split()[0] == name)
        assert benchmark.description in line
        assert (benchmark.comparable_with or "no published figure") in line


def test_an_unknown_kind_is_one_line_listing_the_known_ones(capsys):
    code, _, err = run_cli(capsys, "list", "models")
    assert code == 2 and one_line(err) and "known: " + ", ".join(KINDS) in err
