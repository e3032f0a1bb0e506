"""Malformed benchmark files are one line naming the file, line, record and field (docs/bad-input.md,
"Benchmark files"). The records here are hand-written stand-ins with HumanEval's field names, not problems."""
from __future__ import annotations

import json

import pytest

from mplt import cli
from mplt.benchmarks import BenchmarkOptions, load_benchmark
from mplt.errors import MpltError
from mplt.io import read_jsonl
from mplt.pipeline.decontaminate import load_benchmark_strings


def record(task="Fake/0", **changes):
    base = {"task_id": task, "prompt": 'def f(x: int) -> int:\n    """Add one to the number x given."""\n',
            "canonical_solution": "    return x + 1\n", "test": "def check(candidate):\n    assert candidate(1) == 2\n",
            "entry_point": "f"}
    return {**base, **changes}


def write_lines(path, *lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def translate(capsys, path, tmp_path):
    code = cli.main(["translate", "--humaneval-path", str(path), "--lang", "lua", "--out", str(tmp_path / "o.jsonl")])
    _, err = capsys.readouterr()
    return code, err


@pytest.mark.parametrize("lines,message", [
    ([json.dumps([record(), record("Fake/1")])], "h.jsonl:1: a JSON array, not JSON Lines"),
    (["[", json.dumps(record()), "]"], "h.jsonl:1: a JSON array, not JSON Lines"),
    ([json.dumps(record(prompt=3))], "h.jsonl:1: HumanEval record 'Fake/0' field prompt: expected a string, got an integer"),
    ([json.dumps(record()), json.dumps({"task_id": "Fake/1", "prompt": "x"})],
     "h.jsonl:2: HumanEval record 'Fake/1' lacks field(s) canonical_solution, test, entry_point"),
    ([json.dumps(record(f"Fake/{i}")) for i in range(3)] + ['{"task_id": "Fake/3",'],
     "h.jsonl:4: not valid JSON"),
    (["3"], "h.jsonl:1: expected a JSON object, got an integer"),
])
def test_bad_humaneval_file_is_one_line(tmp_path, capsys, lines, message):
    code, err = translate(capsys, write_lines(tmp_path / "h.jsonl", *lines), tmp_path)
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_good_file_still_translates(tmp_path, capsys):
    code = cli.main(["translate", "--humaneval-path", str(write_lines(tmp_path / "h.jsonl", json.dumps(record()))),
                     "--lang", "lua", "--out", str(tmp_path / "o.jsonl")])
    assert code == 0 and len(list(read_jsonl(tmp_path / "o.jsonl"))) == 1


def test_bad_line_number_is_the_files(tmp_path):
    path = write_lines(tmp_path / "x.jsonl", "{}", "", "{}", '{"a": 1,', "{}")
    with pytest.raises(MpltError, match=r"x.jsonl:4: not valid JSON"):
        list(read_jsonl(path))


def test_decontamination_file_checked_too(tmp_path):
    path = write_lines(tmp_path / "h.jsonl", json.dumps(record(canonical_solution=["x"])))
    with pytest.raises(MpltError, match="h.jsonl:1: HumanEval record 'Fake/0' field canonical_solution: expected a string"):
        load_benchmark_strings(str(path))
    assert load_benchmark_strings(str(write_lines(tmp_path / "ok.jsonl", json.dumps({"task_id": "T/0"})))).strings == ()


def test_multipl_e_record_fields(tmp_path):
    fake = {"name": "p0", "language": "lua", "prompt": 1, "tests": "\n", "stop_tokens": ["\n"]}
    path = write_lines(tmp_path / "m.jsonl", json.dumps(fake))
    with pytest.raises(MpltError, match="m.jsonl:1: MultiPL-E record 'p0' field prompt: expected a string"):
        load_benchmark("multipl-e", "lua", BenchmarkOptions(path=str(path)))
    with pytest.raises(MpltError, match="is a directory"):
        list(read_jsonl(tmp_path))
