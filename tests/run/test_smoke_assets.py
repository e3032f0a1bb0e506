"""The smoke profile's own assets: corpus, mini benchmark, warm-start material."""
from __future__ import annotations

import json

import pytest

from mplt.config import load_toml
from mplt.run.profiles import DATA_DIR
from mplt.run.smoke import SmokeModelConfig, corpus_functions, warmstart_examples

CORPUS = str(DATA_DIR / "smoke_corpus")
WARMSTART = str(DATA_DIR / "smoke_warmstart.toml")
MINI = DATA_DIR / "mini_humaneval.jsonl"


def mini_problems() -> list[dict]:
    return [json.loads(line) for line in MINI.read_text().splitlines()]


def test_mini_benchmark_is_humaneval_shaped_and_correct():
    problems = mini_problems()
    assert 12 <= len(problems) <= 20
    assert len({p["entry_point"] for p in problems}) == len(problems)
    for p in problems:
        assert set(p) == {"task_id", "prompt", "entry_point", "canonical_solution", "test"}
        assert f"def {p['entry_point']}(" in p["prompt"] and "->" in p["prompt"]     # typed signatures
        assert "def check(candidate):" in p["test"] and "assert candidate(" in p["test"]
        namespace: dict = {}
        exec(p["prompt"] + p["canonical_solution"] + p["test"], namespace)
        namespace["check"](namespace[p["entry_point"]])


def test_every_select_filter_fires_on_the_corpus():
    from mplt.pipeline.funnel import Funnel
    from mplt.pipeline.select import SelectConfig, select_functions
    funnel = Funnel()
    kept = select_functions(SelectConfig(source="dir", path=CORPUS, humaneval_path=str(MINI)), funnel, progress=False)
    counts = funnel.counts()
    steps = ["functions", "with_docstring", "with_return", "self_contained", "no_todo", "ascii", "not_trivial",
             "unique", "decontaminated"]
    assert 30 <= counts["functions"] <= 45
    for before, after in zip(steps, steps[1:]):
        assert counts[after] < counts[before], f"filter {after} dropped nothing"
    assert len(kept) == counts["decontaminated"]


def test_warmstart_material_is_separate_from_the_benchmark():
    material = DATA_DIR.joinpath("smoke_warmstart.toml").read_text()
    names = set(load_toml(WARMSTART))
    for p in mini_problems():
        assert p["entry_point"] not in names
        assert p["canonical_solution"].strip() not in material
        assert p["prompt"].split('"""')[1].strip() not in material


def test_warmstart_examples_continue_the_stages_own_prompts():
    from mplt.pipeline.assertions import build_testgen_prompt, completion_text, parse_assertions
    examples = warmstart_examples(SmokeModelConfig(corpus=CORPUS, warmstart=WARMSTART))
    functions = corpus_functions(CORPUS)
    material = load_toml(WARMSTART)
    by_id = {e["id"]: e for e in examples}
    for name, entry in material.items():
        example = by_id[f"{name}:testgen"]
        assert example["prompt"] == build_testgen_prompt(functions[name]["source"], name)
        assert parse_assertions(completion_text(name, example["completion"]), name) == entry["tests"]
    langs = {e["id"].split(":")[1] for e in examples} - {"testgen"}
    assert langs == {"lua", "rkt", "ml", "r", "jl"}
    assert all("\n\n" not in e["completion"] for e in examples)      # "\n\n" is a stop sequence


@pytest.mark.slow
def test_warmstart_translations_pass_their_tests():
    """Every target-language body we wrote passes the translated tests in the sandbox."""
    from mplt.execution.sandbox import run_program
    from mplt.langs import get_language
    from mplt.pipeline.translate import build_problems
    from mplt.pipeline.types import infer_types
    from mplt.translation import build_program
    functions = corpus_functions(CORPUS)
    failures = []
    for name, entry in load_toml(WARMSTART).items():
        record = {**functions[name], "tests": entry["tests"],
                  "types": infer_types(functions[name]["source"], name, entry["tests"]).to_record()
                  if name != "to_text" else None}
        for lang in ("lua", "rkt", "ml", "r", "jl"):
            if lang not in entry or get_language(lang).find_executable() is None:
                continue
            problems, _ = build_problems([record], lang)
            result = run_program(lang, build_program(problems[0], "\n" + entry[lang]))
            if result.status != "OK":
                failures.append((name, lang, result.status, result.stderr[:200]))
    assert not failures
