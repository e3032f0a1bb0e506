"""What the smoke model learns before the run (docs/method.md, sections 2.1 and 3.2): each example
is a prompt built by the stage that will ask it (test generation, translation, evaluation) and a
completion written by us (`mplt/data/smoke_warmstart.toml`, `mplt/data/smoke_mini_solutions.toml`),
so the warm-start teaches exactly the continuations the stages will sample."""
from __future__ import annotations

from typing import TYPE_CHECKING

from mplt.config import load_toml
from mplt.errors import MpltError
from mplt.langs import TARGETS

if TYPE_CHECKING:
    from mplt.smoke.model import SmokeModelConfig


def corpus_functions(corpus: str) -> dict[str, dict]:
    """The smoke corpus as the select stage sees it, by function name (its source text is what the
    test-generation prompt quotes)."""
    from mplt.pipeline.funnel import Funnel
    from mplt.pipeline.select import SelectConfig, select_functions
    selected = select_functions(SelectConfig(source="dir", path=corpus), Funnel(), progress=False)
    return {f["name"]: f for f in selected}


def testgen_example(function: dict, tests: list[str]) -> tuple[str, str]:
    """(prompt, completion): the prompt ends with `assert name(`, the completion finishes the first
    assertion and adds the others, one per line."""
    from mplt.pipeline.assertions import build_testgen_prompt
    prompt = build_testgen_prompt(function["source"], function["name"])
    head = f"assert {function['name']}("
    first = tests[0]
    if not first.startswith(head):
        raise MpltError(f"warm-start test {first!r} does not start with {head!r}")
    return prompt, first[len(head):] + "\n" + "".join(t + "\n" for t in tests[1:])


def translation_examples(function: dict, tests: list[str], bodies: dict[str, str],
                         langs: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(language, prompt, completion) for each language with a written body, the prompt built by the
    translate stage from the function as test generation would hand it on."""
    from mplt.pipeline.translate import build_problems
    from mplt.pipeline.types import Unresolvable, infer_types
    try:
        types = infer_types(function["source"], function["name"], tests).to_record()
    except Unresolvable:
        types = None
    record = {**function, "tests": list(tests), "tests_failed": [], "coverage": 100, "types": types}
    examples = []
    for lang in langs:
        problems, _ = build_problems([record], lang) if lang in bodies else ([], [])
        if not problems:
            continue
        # The model sees `prompt.strip()` (generation strip_prompt, as MultiPL-E does), so the
        # completion starts with the newline that the stripped prompt lost.
        examples.append((lang, problems[0]["prompt"], "\n" + bodies[lang]))
    return examples


def warmstart_examples(config: SmokeModelConfig) -> list[dict]:
    functions = corpus_functions(config.corpus)
    material = load_toml(config.warmstart)
    examples = []
    for name, entry in material.items():
        if name not in functions:
            raise MpltError(f"{config.warmstart}: [{name}] is not a selected function of {config.corpus}")
        tests = list(entry["tests"])
        prompt, completion = testgen_example(functions[name], tests)
        examples.append({"id": f"{name}:testgen", "prompt": prompt, "completion": completion})
        bodies = {lang: entry[lang] for lang in TARGETS if lang in entry}
        for lang, prompt, completion in translation_examples(functions[name], tests, bodies, config.langs):
            examples.append({"id": f"{name}:{lang}", "prompt": prompt, "completion": completion})
    return examples


def benchmark_examples(config: SmokeModelConfig) -> list[dict]:
    """Our solutions to part of the benchmark, each after the prompt the evaluate stage will send for
    it (the benchmark's own loader and translator build the prompts)."""
    if not config.benchmark_solutions:
        return []
    from mplt.benchmarks import BenchmarkOptions, load_benchmark
    material = load_toml(config.benchmark_solutions)
    examples = []
    for lang in config.langs:
        records = {r["entry_point"]: r for r in load_benchmark(config.benchmark, lang, BenchmarkOptions()).records}
        for entry, bodies in material.items():
            if entry not in records:
                raise MpltError(f"{config.benchmark_solutions}: [{entry}] is not a {lang} problem of the "
                                f"{config.benchmark!r} benchmark")
            if lang in bodies:
                examples.append({"id": f"{config.benchmark}/{entry}:{lang}", "prompt": records[entry]["prompt"],
                                 "completion": "\n" + bodies[lang]})
    return examples
