"""Stage `select` on hand-written fixture modules: every filter fires with a known count."""
from __future__ import annotations

import gzip
import json
import sysconfig
from pathlib import Path

import pytest

from mplt.errors import MpltError
from mplt.io import read_json, read_jsonl
from mplt.pipeline import extract
from mplt.pipeline.common import STAGE_CONFIG
from mplt.pipeline.select import SelectConfig, iter_documents, run_select

EXPECTED_FUNNEL = {"documents": 3, "functions": 19, "with_docstring": 17, "with_return": 16,
                   "self_contained": 13, "no_todo": 12, "ascii": 11, "not_trivial": 10, "unique": 9,
                   "decontaminated": 8, "selected": 8}
EXPECTED_NAMES = ["add_digits", "collatz_steps", "classify", "hypotenuse", "unique_chars",
                  "run_length", "always_wrong", "no_tests_parsed"]


def test_funnel_and_outputs(selected_run):
    summary = read_json(selected_run / "select" / "summary.json")
    assert summary["counts"] == EXPECTED_FUNNEL
    assert [s["step"] for s in summary["funnel"]] == list(EXPECTED_FUNNEL)
    records = list(read_jsonl(selected_run / "select" / "functions.jsonl"))
    assert [r["name"] for r in records] == EXPECTED_NAMES
    assert len({r["id"] for r in records}) == len(records)
    first = records[0]
    assert set(first) >= {"id", "name", "source", "docstring", "origin"}
    assert first["origin"] == "mathy.py:7"
    assert first["docstring"].startswith("Repeatedly add the digits")
    assert first["source"].startswith("def add_digits(n):")
    assert (selected_run / "select" / STAGE_CONFIG).exists()
    assert (selected_run / "logs" / "select.log").read_text().count("select:") >= 1


def test_self_contained_rules():
    ok = 'def f(x, y=3):\n    """d"""\n    import math\n    g = lambda z: z + x\n    return f(math.floor(g(y)), 0) + len([i for i in range(x)])\n'
    assert extract.non_local_names(ok, "f") == []
    assert extract.non_local_names('def f(x):\n    return helper(x)\n', "f") == ["helper"]
    assert extract.non_local_names('def f(x):\n    import numpy\n    return numpy.sum(x)\n', "f") == ["import numpy"]
    assert extract.non_local_names('def f(x):\n    from . import a\n    return a\n', "f") == ["import ."]
    assert extract.non_local_names('def f(x: Foo = 1):\n    return x\n', "f") == ["Foo"]
    assert extract.non_local_names('def f(x):\n    global y\n    y = x\n    return y\n', "f") == ["global y"]


def test_trivial_measure():
    def fn(body):
        return extract.extract_functions(f'def f(a, b, c):\n    """d"""\n    {body}\n', "t")[0]
    assert extract.is_trivial(fn("return a + b"))          # 5 nodes
    assert extract.is_trivial(fn("return len(a)"))         # 4 nodes
    assert extract.is_trivial(fn("return a * b + c"))      # 8 nodes
    assert not extract.is_trivial(fn("return a * b + c * 2"))  # 11 nodes
    assert not extract.is_trivial(fn("return sorted(a, key=lambda x: -x)[:b]"))


def test_decontaminates_against_humaneval(humaneval_path, tmp_path):
    with gzip.open(humaneval_path, "rt") as f:
        problem = json.loads(f.readline())
    # A "Stack" function that copies the benchmark problem; built at test time, never stored.
    src = tmp_path / "src"
    src.mkdir()
    (src / "copied.py").write_text(problem["prompt"] + problem["canonical_solution"])
    (src / "clean.py").write_text('def f(xs):\n    """Sum of squares."""\n    t = 0\n    for x in xs:\n'
                                  '        t += x * x\n    return t\n')
    summary = run_select(tmp_path / "run", SelectConfig(source="dir", path=str(src),
                                                        humaneval_path=str(humaneval_path)), progress=False)
    names = [r["name"] for r in read_jsonl(tmp_path / "run" / "select" / "functions.jsonl")]
    assert names == ["f"]
    assert summary["counts"]["decontaminated"] == 1


def test_jsonl_and_hf_sources(tmp_path, monkeypatch):
    rows = [{"id": "row0", "content": 'def g(s):\n    """Reverse the words of s."""\n    words = s.split()\n    return " ".join(reversed(words))\n'},
            {"id": "row1", "content": "def h(x):\n    return x\n"}]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run_select(tmp_path / "a", SelectConfig(source="jsonl", path=str(path)), progress=False)
    assert summary["functions"] == 1
    assert next(read_jsonl(tmp_path / "a" / "select" / "functions.jsonl"))["origin"] == "row0:1"

    import datasets
    calls = []

    def fake_load_dataset(name, revision=None, split=None):
        calls.append((name, revision, split))
        return datasets.Dataset.from_list([{"code": r["content"]} for r in rows])
    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    config = SelectConfig(source="hf", hf_name="someone/fns", hf_revision="abc123", column="code")
    summary = run_select(tmp_path / "b", config, progress=False)
    assert calls == [("someone/fns", "abc123", "train")]
    assert summary["functions"] == 1
    assert next(read_jsonl(tmp_path / "b" / "select" / "functions.jsonl"))["origin"] == "someone/fns@abc123:0:1"


def test_default_source_is_the_stdlib():
    docs = iter_documents(SelectConfig())
    origin, text = next(docs)
    assert (Path(sysconfig.get_paths()["stdlib"]) / origin).exists() and text


def test_stdlib_subdirectory(tmp_path):
    path = Path(sysconfig.get_paths()["stdlib"]) / "encodings"
    summary = run_select(tmp_path, SelectConfig(source="dir", path=str(path)), progress=False)
    counts = summary["counts"]
    assert counts["functions"] > counts["with_docstring"] >= counts["selected"] >= 1


@pytest.mark.parametrize("config, message", [
    (SelectConfig(source="ftp"), "source must be one of"),
    (SelectConfig(source="dir"), "needs `path`"),
    (SelectConfig(source="jsonl", path="/nonexistent.jsonl"), "does not exist"),
    (SelectConfig(humaneval_path="/nonexistent/HumanEval.jsonl.gz"), "not found"),
])
def test_bad_config(tmp_path, config, message):
    with pytest.raises(MpltError, match=message):
        run_select(tmp_path, config, progress=False)
