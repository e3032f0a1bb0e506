"""The smoke profile's own assets: corpus, mini benchmark, warm-start material."""
from __future__ import annotations

import json

import pytest

from mplt.config import load_toml
from mplt.run.profiles import DATA_DIR
from mplt.smoke.material import benchmark_examples, corpus_functions, warmstart_examples
from mplt.smoke.model import SmokeModelConfig

CORPUS = str(DATA_DIR / "smoke_corpus")
WARMSTART = str(DATA_DIR / "smoke_warmstart.toml")
SOLUTIONS = str(DATA_DIR / "smoke_mini_solutions.toml")
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


def test_benchmark_solutions_cover_a_third_of_the_mini_benchmark():
    """Solved problems are memorised, the others stay unseen: evaluation sees both."""
    solved = set(load_toml(SOLUTIONS))
    entries = [p["entry_point"] for p in mini_problems()]
    assert solved < set(entries) and len(solved) == len(entries) // 3
    examples = benchmark_examples(SmokeModelConfig(corpus=CORPUS, warmstart=WARMSTART, benchmark_solutions=SOLUTIONS))
    assert {e["id"].split(":")[0] for e in examples} == {f"mini/{name}" for name in solved}
    assert {e["id"].split(":")[1] for e in examples} == {"lua", "rkt", "ml", "r", "jl"}
    assert all("\n\n" not in e["completion"] for e in examples)
    unseen = set(entries) - solved
    assert not any(name in e["prompt"] for e in examples for name in unseen)


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


@pytest.mark.slow
def test_benchmark_solutions_pass_the_benchmark_tests():
    """Every mini-benchmark solution we wrote passes that problem's tests in the sandbox."""
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    from mplt.execution.sandbox import run_program
    from mplt.langs import get_language
    from mplt.translation import build_program
    examples = benchmark_examples(SmokeModelConfig(corpus=CORPUS, warmstart=WARMSTART, benchmark_solutions=SOLUTIONS))
    failures = []
    for lang in ("lua", "rkt", "ml", "r", "jl"):
        if get_language(lang).find_executable() is None:
            continue
        records = {f"mini/{r['entry_point']}:{lang}": r
                   for r in load_benchmark("mini", lang, BenchmarkOptions()).records}
        for example in (e for e in examples if e["id"] in records):
            result = run_program(lang, build_program(records[example["id"]], example["completion"]))
            if result.status != "OK":
                failures.append((example["id"], result.status, result.stderr[:200]))
    assert not failures
