"""OpenAI HumanEval as Python problems for our own translation (benchmark `humaneval`).

The benchmark: HumanEval translated by mplt.translation into each target language; its figures are
set beside MultiPL-E's HumanEval ones (family `multipl-e-humaneval`), since MultiPL-E's are a
translation of the same problems (docs/deviations.md says where the two translations differ).

Source: the Hub dataset `openai/openai_humaneval` at a pinned revision, or a local JSONL(.gz) with
the same fields (`task_id, prompt, canonical_solution, test, entry_point`), e.g. openai/human-eval's
`HumanEval.jsonl.gz`. Each record becomes a `PythonProblem`:

* name `HumanEval_<n>_<entry_point>` (MultiPL-E's naming, docs/conventions.md, section 0.1);
* tests: the statements of `def check(candidate)` (METADATA and imports outside it are dropped;
  loops and the like are kept as statements so the translator records why it drops them);
* prompt: OpenAI's prompt with missing/incomplete annotations of the entry point inferred from the
  tests (`annotate_prompt`), except the few we declare in `DECLARED_TYPES`; MultiPL-E annotated
  its copy by hand (docs/deviations.md).
"""
from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from mplt.benchmarks.contract import Benchmark, BenchmarkOptions, HubSource, ProblemSet, RecordSchema
from mplt.benchmarks.records import read_checked
from mplt.benchmarks.translated import translate_problems
from mplt.errors import MpltError
from mplt.langs import target_languages
from mplt.translation.annotate import annotate_prompt
from mplt.translation.problem import PythonProblem

HUB_DATASET = "openai/openai_humaneval"
# main on 2024-01-04 (last modification of the repository); 164 rows, split "test".
HUB_REVISION = "7dce6050a7d6d172f3cc5c32aa97f52fa1a2e544"
FIELDS = ("task_id", "prompt", "canonical_solution", "test", "entry_point")
# Annotations we declare where the test values mislead inference (docs/deviations.md, item 1); they win over the
# inferred ones. (task id, entry point) -> parameter or "return" -> annotation. Both follow the
# task statements, and MultiPL-E's hand-typed HumanEval (nuprl/MultiPL-E `datasets/originals`)
# declares the same: `tri` returns a sequence of integers although the tests write `2.0` (Python's
# `/`), and `compare_one` returns the larger argument "in its given variable type".
DECLARED_TYPES: dict[tuple[str, str], dict[str, str]] = {
    ("HumanEval/130", "tri"): {"n": "int", "return": "List[int]"},
    ("HumanEval/137", "compare_one"): {"a": "Union[int, float, str]", "b": "Union[int, float, str]",
                                       "return": "Union[int, float, str, None]"},
}


def read_records(path: str | Path | None = None, revision: str = HUB_REVISION) -> list[dict]:
    """Raw HumanEval records from a local JSONL(.gz) file, or from the Hub when path is None."""
    if path is None:
        from datasets import load_dataset
        try:
            rows = load_dataset(HUB_DATASET, revision=revision, split="test")
        except Exception as e:  # the Hub raises many types (offline, not found, ...)
            raise MpltError(f"cannot load {HUB_DATASET}@{revision[:7]} from the Hub ({e}); "
                            "pass --benchmark-path with a local HumanEval.jsonl(.gz)") from e
        return [dict(r) for r in rows]
    path = Path(path)
    if not path.exists():
        raise MpltError(f"HumanEval file not found: {path}")
    return list(read_checked(path, dict.fromkeys(FIELDS, str), "HumanEval", "task_id"))


def problem_name(task_id: str, entry_point: str) -> str:
    return f"HumanEval_{task_id.rsplit('/', 1)[-1]}_{entry_point}"


def check_statements(test_source: str) -> tuple[str, ...]:
    """The statements of `def check(candidate)`, one source string each."""
    try:
        module = ast.parse(test_source)
    except SyntaxError as e:
        raise MpltError(f"HumanEval test code does not parse: {e}") from e
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            return tuple(ast.unparse(stmt) for stmt in node.body)
    return ()


def to_problem(record: Mapping) -> PythonProblem:
    tests = check_statements(record["test"])
    declared = DECLARED_TYPES.get((record["task_id"], record["entry_point"]))
    prompt = annotate_prompt(record["prompt"], record["entry_point"], tests, declared)
    return PythonProblem(name=problem_name(record["task_id"], record["entry_point"]),
                         entry_point=record["entry_point"], prompt=prompt, tests=tests,
                         canonical_solution=record["canonical_solution"])


def load_problems(path: str | Path | None = None, revision: str = HUB_REVISION) -> list[PythonProblem]:
    return [to_problem(r) for r in read_records(path, revision)]


def python_program(record: Mapping) -> str:
    """OpenAI's own check of a canonical solution: prompt + solution + test + check(entry_point)."""
    return (record["prompt"] + record["canonical_solution"] + "\n" + record["test"] + "\n"
            + f"check({record['entry_point']})\n")



def load_translated(language: str, options: BenchmarkOptions) -> ProblemSet:
    problems = load_problems(options.path)
    source = str(options.path) if options.path else HUB_DATASET
    revision = "local" if options.path else HUB_REVISION
    return translate_problems("humaneval", language, problems, options.limit, source, revision)


BENCHMARK = Benchmark(
    name="humaneval",
    description="HumanEval translated by mplt.translation (Hub openai/openai_humaneval, or a local JSONL)",
    source=HubSource(HUB_DATASET, HUB_REVISION, config=None),
    schema=RecordSchema("HumanEval", tuple((f, str) for f in FIELDS), key="task_id"),
    languages=target_languages(),
    load=load_translated,
    comparable_with="multipl-e-humaneval",
    problems=164,
    local_copy="a HumanEval JSONL(.gz) with openai/human-eval's fields, e.g. HumanEval.jsonl.gz",
    standin="humaneval",
)
