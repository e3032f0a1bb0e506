"""A tiny hand-written benchmark in MultiPL-E record format (lua and py), written by hand for these
tests (not benchmark problems). Each prompt already holds a whole function and ends inside a line
comment; the stop tokens end every completion at the first line break, so whatever the tiny model
writes stays in the comment. The `add_*` problems are correct, the `sub_*` ones return a - b:
pass@1 must be exactly 0.5 per language."""
from __future__ import annotations

import json

import pytest

LUA_TESTS = ("\nlu = require('luaunit')\n\nfunction test_humaneval()\nlocal candidate = {name}\n"
             "    lu.assertEquals(candidate(1, 2), 3)\n    lu.assertEquals(candidate(5, 5), 10)\nend\n\n"
             "os.exit(lu.LuaUnit.run())")
PY_TESTS = "\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(5, 5) == 10\n\ncheck({name})\n"
STOPS = ["\n", "\r"]


def lua_record(name: str, op: str) -> dict:
    prompt = f"-- Add two numbers.\nlocal function {name}(a, b)\n  return a {op} b\nend\n-- note:"
    return {"name": name, "language": "lua", "prompt": prompt, "tests": LUA_TESTS.format(name=name),
            "stop_tokens": STOPS, "doctests": "transform", "original": "", "prompt_terminology": "reworded"}


def py_record(name: str, op: str) -> dict:
    prompt = f"def {name}(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a {op} b\n# note:"
    return {"name": name, "language": "py", "prompt": prompt, "tests": PY_TESTS.format(name=name),
            "stop_tokens": STOPS, "doctests": "transform", "original": "", "prompt_terminology": "reworded"}


@pytest.fixture
def multipl_e_dir(tmp_path):
    root = tmp_path / "multipl-e"
    root.mkdir()
    for lang, make in (("lua", lua_record), ("py", py_record)):
        records = [make("add_good", "+"), make("add_bad", "-")]
        (root / f"humaneval-{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return root

